"""Throwaway review checks (to be deleted)."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from tests.api.test_judging import (CRITERIA, add_judge, entry_ids, hackathon, judge_api, listed, score, window)
from tests.api.test_judging import organiser, panel  # noqa: F401 fixtures
from tests.support.api import Api, assert_error
from tests.support.factories import PASSWORD, spec, iso


def test_takeover_via_fullwidth_domain(app, organiser, make):
    make.user("victim@example.com", name="Victim")
    resp = organiser.post("/api/v1/contests/ageing-better/judges",
                          json={"email": "victim@ｅｘａｍｐｌｅ.com", "display_name": "Owned",
                                "password": "attacker-chosen-pw-123"})
    print(resp.status_code, resp.get_json())
    api = Api(app.test_client())
    api.refresh_csrf()
    r = api.post("/api/v1/auth/login", json={"email": "victim@example.com", "password": "attacker-chosen-pw-123"})
    print("login as victim with attacker pw:", r.status_code, r.get_json())
    assert r.status_code != 200, "TAKEOVER"


def test_conflict_after_draft(app, organiser, panel):
    ids = entry_ids(organiser)
    ben = panel["ben"]
    mine = listed(ben)
    eid = next(iter(mine))
    r = score(ben, eid, {"impact": 5})
    assert r.status_code == 200, r.get_json()
    r = ben.post("/api/v1/judging/ageing-better/conflicts", json={"entry_id": eid, "reason": "my cousin"})
    print("conflict after draft:", r.status_code, r.get_data(as_text=True)[:300])
    assert r.status_code in (200, 201)


def test_conflict_after_submit(app, organiser, panel):
    ben = panel["ben"]
    eid = next(iter(listed(ben)))
    r = score(ben, eid, {"impact": 5, "feasibility": 3}, submit=True)
    assert r.status_code == 200, r.get_json()
    r = organiser.post("/api/v1/contests/ageing-better/judging/conflicts",
                       json={"entry_id": eid, "judge_id": 0 or _uid(app, "ben@example.org"), "reason": "x"})
    print("organiser conflict after submit:", r.status_code, r.get_data(as_text=True)[:300])
    assert r.status_code in (200, 201)


def _uid(app, email):
    from voting.accounts.models import User
    from voting.extensions import db
    from sqlalchemy import select
    with app.app_context():
        uid = db.session.scalar(select(User.id).where(User.email == email))
        db.session.remove()
        return uid


def test_empty_shortlist_judges_everything(app, organiser, panel):
    # nothing submitted: min_score shortlist is empty
    r = organiser.post("/api/v1/contests/ageing-better/rounds", json={"min_score": 9.9})
    print("advance:", r.status_code, r.get_json())
    assert r.status_code == 201
    r = organiser.post("/api/v1/contests/ageing-better/assignments", json={})
    print("assign round 2:", r.status_code, r.get_json())
    assert r.get_json()["assignments"] == 0, "round 2 with an empty shortlist judges every entry"


def _dump(app):
    from voting.extensions import db
    from sqlalchemy import text
    with app.app_context():
        out = {t: db.session.execute(text(f"select * from {t} order by id")).all()
               for t in ("judging_assignments", "judging_sheets", "judging_sheet_changes")}
        db.session.remove()
        return out


def test_conflict_after_submit_state(app, organiser, panel):
    ben = panel["ben"]
    eid = next(iter(listed(ben)))
    r = score(ben, eid, {"impact": 5, "feasibility": 3}, submit=True)
    before = _dump(app)
    r = ben.post("/api/v1/judging/ageing-better/conflicts", json={"entry_id": eid, "reason": "x"})
    after = _dump(app)
    for k in before:
        print(k, "\n  before", before[k], "\n  after ", after[k])
    print(listed(ben))


def _race(fns):
    barrier = threading.Barrier(len(fns))
    out = [None] * len(fns)

    def run(i, fn):
        barrier.wait()
        out[i] = fn()
    ts = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(fns)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    return out


def test_race_first_assignments(app, organiser):
    for email in ("ann@example.org", "ben@example.org", "cat@example.org"):
        assert add_judge(organiser, email, password=PASSWORD).status_code == 201
    other = Api(app.test_client())
    other.login("boss@example.org", PASSWORD)
    codes = []
    for _ in range(5):
        res = _race([lambda: organiser.post("/api/v1/contests/ageing-better/assignments", json={}),
                     lambda: other.post("/api/v1/contests/ageing-better/assignments", json={})])
        codes.append([(r.status_code, r.get_data(as_text=True)[:120]) for r in res])
        if any(r.status_code >= 500 for r in res):
            break
    print(codes)
    assert all(c < 500 for pair in codes for c, _ in pair)


def test_race_double_submit(app, organiser, panel):
    ben = panel["ben"]
    eids = list(listed(ben))
    ben2 = judge_api(app, "ben@example.org")
    results = []
    for eid in eids:
        res = _race([lambda: score(ben, eid, {"impact": 5, "feasibility": 3}, submit=True),
                     lambda: score(ben2, eid, {"impact": 6, "feasibility": 2}, submit=True)])
        results.append([(r.status_code, r.get_data(as_text=True)[:100]) for r in res])
    print(results)
    assert all(c < 500 for pair in results for c, _ in pair)
    # both 200 means one submitted score silently overwritten
    assert not any(all(c == 200 for c, _ in pair) for pair in results)


def test_race_submit_overwrites(app, organiser, panel):
    ben = panel["ben"]
    eids = list(listed(ben))
    ben2 = judge_api(app, "ben@example.org")
    results = []
    for eid in eids:
        assert score(ben, eid, {"impact": 1}).status_code == 200
        res = _race([lambda: score(ben, eid, {"impact": 5, "feasibility": 3}, submit=True),
                     lambda: score(ben2, eid, {"impact": 6, "feasibility": 2}, submit=True)])
        results.append([(r.status_code, r.get_data(as_text=True)[:60]) for r in res])
    print(results)
    print(_dump(app)["judging_sheet_changes"])
    assert not any(all(c == 200 for c, _ in pair) for pair in results)


def test_patch_fixing_legacy_invalid_spec(app, make):
    from voting.extensions import db
    from voting.contests.models import Contest
    from sqlalchemy import select
    make.organiser("org@example.org")
    c = make.contest()
    with app.app_context():
        contest = db.session.scalar(select(Contest))
        s = dict(contest.settings); v = dict(s["voting"]); rl = dict(v["rate_limits"])
        rl["ip"] = "\u0663\u0660\u0660/hour"  # accepted by the old \d pattern
        v["rate_limits"] = rl; s["voting"] = v; contest.settings = s
        db.session.commit(); db.session.remove()
    api = Api(app.test_client()); api.login("org@example.org", PASSWORD)
    r = api.patch(f"/api/v1/contests/{c.slug}", json={"voting": {"rate_limits": {"ip": "300/hour"}}})
    print(r.status_code, r.get_data(as_text=True)[:200])
    assert r.status_code < 500


def test_draft_leaks_through_ballot_pages(app, make):
    now = datetime.now(timezone.utc)
    make.organiser("org@example.org")
    c = make.contest(slug="secret-draft", title="Secret Draft Title",
                     phases={"voting": {"opens_at": iso(now + timedelta(days=5)), "closes_at": iso(now + timedelta(days=9))}})
    org = Api(app.test_client()); org.login("org@example.org", PASSWORD)
    r = org.post("/api/v1/contests/secret-draft/entries", json={"category": "c1", "title": "Hidden Entry Name"})
    assert r.status_code == 201, r.get_json()
    make.user("nosy@example.org")
    nosy = Api(app.test_client()); nosy.login("nosy@example.org", PASSWORD)
    assert nosy.get("/api/v1/contests/secret-draft").status_code == 404
    for path in ("/contests/secret-draft/vote/c1", "/contests/secret-draft/vote/c1/thanks", "/contests/secret-draft/my-votes",
                 "/api/v1/challenge?contest=secret-draft"):
        r = nosy.get(path)
        body = r.get_data(as_text=True)
        print(path, r.status_code, "Secret Draft Title" in body, "Hidden Entry Name" in body, body[:100] if r.is_json else "")


def test_lock_edges(app, make):
    now = datetime.now(timezone.utc)
    make.organiser("org@example.org")
    make.contest(slug="closed-vote", phases={"voting": {"opens_at": iso(now - timedelta(days=5)), "closes_at": iso(now - timedelta(days=1))}})
    make.contest(slug="open-vote", phases={"voting": {"opens_at": iso(now - timedelta(days=5)), "closes_at": iso(now + timedelta(days=1))}})
    api = Api(app.test_client()); api.login("org@example.org", PASSWORD)
    closed = api.get("/api/v1/contests/closed-vote").get_json()["phases"]["voting"]
    c = datetime.fromisoformat(closed["closes_at"]).astimezone(timezone(timedelta(hours=2))).isoformat()
    r = api.patch("/api/v1/contests/closed-vote", json={"phases": {"voting": {"closes_at": c}}})
    print("same instant other offset:", r.status_code, r.get_json().get("phases", r.get_json())["voting"] if r.status_code == 200 else r.get_json())
    audit = api.get("/api/v1/contests/closed-vote/audit").get_json()["entries"]
    print("audit:", [e.get("details") for e in audit if e.get("action") == "contest.updated"])
    r = api.patch("/api/v1/contests/open-vote", json={"phases": {"voting": {"closes_at": iso(now - timedelta(days=4))}}})
    print("retroactive close:", r.status_code)
    r = api.patch("/api/v1/contests/open-vote", json={"phases": {"voting": {"closes_at": iso(now + timedelta(days=3))}}})
    print("reopen after retroactive close:", r.status_code)


def test_query_counts(app, organiser):
    from sqlalchemy import event
    from voting.extensions import db
    for i in range(40):
        organiser.post("/api/v1/contests/ageing-better/entries", json={"category": "frailty", "title": f"E{i}"})
    for email in ("ann@example.org", "ben@example.org", "cat@example.org"):
        assert add_judge(organiser, email, password=PASSWORD).status_code == 201
    assert organiser.post("/api/v1/contests/ageing-better/assignments", json={}).status_code == 200
    ben = judge_api(app, "ben@example.org")
    for eid in list(listed(ben))[:20]:
        score(ben, eid, {"impact": 5})
    with app.app_context():
        engine = db.engine
    n = {"c": 0}
    def count(*a, **k):
        n["c"] += 1
    event.listen(engine, "before_cursor_execute", count)
    try:
        for path, api in [("/api/v1/judging/assignments", ben), ("/api/v1/contests/ageing-better/judging/progress", organiser),
                          ("/judging/", ben)]:
            n["c"] = 0
            r = api.get(path)
            print(path, r.status_code, "queries:", n["c"])
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_conflict_after_judging_closed_voids_sheet(app, organiser, panel):
    ben = panel["ben"]
    eid = next(iter(listed(ben)))
    assert score(ben, eid, {"impact": 9, "feasibility": 5}, submit=True).status_code == 200
    rank_before = organiser.get("/api/v1/contests/ageing-better/judging/ranking").get_json()
    now = datetime.now(timezone.utc)
    r = organiser.patch("/api/v1/contests/ageing-better", json={"phases": {"judging": {"opens_at": iso(now - timedelta(days=1)), "closes_at": iso(now - timedelta(minutes=1))}}})
    assert r.status_code == 200, r.get_json()
    assert score(ben, eid, {"impact": 1, "feasibility": 1}, submit=True).status_code == 409
    r = ben.post("/api/v1/judging/ageing-better/conflicts", json={"entry_id": eid, "reason": "changed my mind"})
    print("conflict after close:", r.status_code)
    rank_after = organiser.get("/api/v1/contests/ageing-better/judging/ranking").get_json()
    print(rank_before["categories"], "\n", rank_after["categories"])
    print(_dump(app)["judging_sheets"])
