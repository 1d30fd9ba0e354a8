"""What judging keeps and what it leaves out: a voided sheet's history stays;
entries rejected by moderation after judging began count in no ranking
(rubric or pairwise) and are nobody's work; adding a judge answers alike
whether the address had an account or not."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from judging.assignments import current_round
from judging.domain import aggregation, rubric
from judging.models import Assignment, ScoreSheet, SheetChange
from judging.scoring import criteria_of
from tests.api.test_judging import CRITERIA, add_judge, entry_ids, judge_api, listed, score, window
from tests.api.test_judging_pairwise import FINANCE, FRAILTY, add_entries, hackathon, pair, walk
from tests.api.test_judging_pairwise import SLUG as PAIRWISE_SLUG
from tests.support.api import Api, assert_error, organiser_api
from tests.support.factories import PASSWORD, spec
from voting.contests.services import get_contest
from voting.extensions import db

SLUG = "ageing-better"
BASE = f"/api/v1/contests/{SLUG}"


def contest_spec(mode: str = "rubric") -> dict:
    return spec(slug=SLUG, kind="hackathon", title="Ageing Better with ICTs",
                categories=[{"slug": "frailty", "title": "Frailty"}, {"slug": "finance", "title": "Finance"}],
                phases={"submission": window(-20, -10), "judging": window(-1, 5)},
                judging={"mode": mode, "criteria": CRITERIA, "judges_per_entry": 2, "normalization": "zscore"})


@pytest.fixture
def organiser(app, make) -> Api:
    return organiser_api(app, make, manages=False)


@pytest.fixture
def rubric_panel(app, organiser) -> dict[str, Api]:
    """A z-score jury of three over four entries, two judges an entry; every judge submits every sheet."""
    assert organiser.post("/api/v1/contests", json=contest_spec()).status_code == 201
    for category, title in [("frailty", "Walk"), ("frailty", "Grip"), ("frailty", "Balance"),
                            ("finance", "Pension"), ("finance", "Savings")]:
        assert organiser.post(f"{BASE}/entries", json={"category": category, "title": title}).status_code == 201
    for email in ("ann@example.org", "ben@example.org", "cat@example.org"):
        assert add_judge(organiser, email, password=PASSWORD).status_code == 201
    assert organiser.post(f"{BASE}/assignments", json={}).status_code == 200
    return {e.split("@")[0]: judge_api(app, e) for e in ("ann@example.org", "ben@example.org", "cat@example.org")}


def moderate(organiser: Api, entry_id: int, status: str, slug: str = SLUG):
    resp = organiser.post(f"/api/v1/contests/{slug}/entries/{entry_id}/moderation",
                          json={"status": status, "reason": "withdrawn"})
    assert resp.status_code == 200, resp.get_json()


def judge_id(organiser: Api, email: str) -> int:
    return next(p["judge_id"] for p in organiser.get(f"{BASE}/judging/progress").get_json()["judges"]
                if p["email"] == email)


def test_a_voided_sheet_keeps_its_history(app, organiser, rubric_panel):
    ben = rubric_panel["ben"]
    entry = min(listed(ben))
    assert score(ben, entry, {"impact": 4}).status_code == 200
    assert score(ben, entry, {"impact": 5, "feasibility": 2}, submit=True).status_code == 200
    ben_id = judge_id(organiser, "ben@example.org")
    assert organiser.post(f"{BASE}/judging/reopen", json={"judge_id": ben_id, "entry_id": entry,
                                                          "reason": "mis-click"}).status_code == 200
    resp = ben.post(f"/api/v1/judging/{SLUG}/conflicts", json={"entry_id": entry, "reason": "found out later"})
    assert resp.status_code == 201 and entry not in listed(ben)
    with app.app_context():
        rnd = current_round(get_contest(SLUG), create=False)
        changes = list(db.session.scalars(select(SheetChange).where(SheetChange.judge_id == ben_id,
                                                                    SheetChange.entry_id == entry)
                                          .order_by(SheetChange.id)))
        assert [c.action for c in changes] == ["saved", "submitted", "reopened", "voided"]
        assert all(c.sheet_id is None and c.round_id == rnd.id for c in changes)
        assert changes[-1].before == {"scores": {"impact": 5, "feasibility": 2}, "comment": "",
                                      "comment_to_entrant": False, "status": "draft"}
        assert changes[-1].after == {"status": "voided", "why": "conflict"} and changes[-1].actor_id == ben_id
        assert db.session.scalar(select(Assignment).where(Assignment.judge_id == ben_id,
                                                          Assignment.entry_id == entry)) is None
        db.session.remove()
    voided = [e for e in organiser.get(f"{BASE}/audit").get_json()["entries"] if e["action"] == "judging.voided"]
    assert len(voided) == 1 and voided[0]["details"]["after"]["why"] == "conflict"


def test_a_sheet_deleted_another_way_leaves_its_history(app, organiser, rubric_panel):
    """The database keeps the rows too (ON DELETE SET NULL), should a sheet go without `void_sheet`."""
    ben = rubric_panel["ben"]
    entry = min(listed(ben))
    assert score(ben, entry, {"impact": 4}).status_code == 200
    with app.app_context():
        db.session.delete(db.session.scalar(select(ScoreSheet)))
        db.session.commit()
        (kept,) = db.session.scalars(select(SheetChange))
        assert kept.sheet_id is None and kept.entry_id == entry and kept.action == "saved"
        db.session.remove()


def test_rejected_entries_count_in_no_ranking_and_are_nobodys_work(app, organiser, rubric_panel):
    ids = entry_ids(organiser)
    given = {"Walk": 9, "Grip": 2, "Balance": 6, "Pension": 6, "Savings": 4}
    late = next(name for name, api in rubric_panel.items() if ids["Pension"] in listed(api))
    for name, api in rubric_panel.items():
        bias = {"ann": -2, "ben": 0, "cat": 1}[name]  # a harsh and a lenient judge: z-scores matter
        for entry_id in listed(api):
            title = next(t for t, i in ids.items() if i == entry_id)
            if title == "Pension" and name == late:
                continue  # one sheet left for later
            assert score(api, entry_id, {"impact": given[title] + bias, "feasibility": 3},
                         submit=True).status_code == 200
    moderate(organiser, ids["Grip"], "rejected")
    moderate(organiser, ids["Pension"], "rejected")

    ranking = organiser.get(f"{BASE}/judging/ranking").get_json()
    ranked = {c["slug"]: [r["title"] for r in c["ranking"]] for c in ranking["categories"]}
    assert ranked == {"frailty": ["Walk", "Balance"], "finance": ["Savings"]}
    with app.app_context():  # as if the rejected entries' sheets had never been: not in anyone's z-scores either
        rnd = current_round(get_contest(SLUG), create=False)
        sheets = [rubric.Sheet(a.judge_id, a.entry_id, s.scores) for a, s in db.session.execute(
            select(Assignment, ScoreSheet).join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
            .where(ScoreSheet.status == "submitted")) if a.entry_id not in (ids["Grip"], ids["Pension"])]
        expected = aggregation.jury(criteria_of(rnd), sheets, "zscore").entries
        db.session.remove()
    scores = {r["entry_id"]: r["jury_score"] for c in ranking["categories"] for r in c["ranking"]}
    assert scores == {i: pytest.approx(round(expected[i].score, 4), abs=1e-4) for i in scores}

    # Nobody's work: not listed, not counted in progress, not scorable; the reminder's count leaves them out.
    with app.app_context():
        from judging.jobs import work_left

        contest = get_contest(SLUG)
        assert work_left(contest, current_round(contest, create=False)) == {}  # the sheet left is no work now
        db.session.remove()
    for api in rubric_panel.values():
        assert not {ids["Grip"], ids["Pension"]} & set(listed(api))
    progress = {p["email"]: p for p in organiser.get(f"{BASE}/judging/progress").get_json()["judges"]}
    assert all(p["assigned"] == p["submitted"] for p in progress.values())
    holders = [api for api in rubric_panel.values() if ids["Grip"] in listed(api)]
    assert holders == []
    assert_error(score(rubric_panel[late], ids["Pension"], {"impact": 5}), 403, "not_assigned")

    # The plan repaired meanwhile leaves the rejected entries' started sheets be (the unstarted one goes).
    assert organiser.post(f"{BASE}/assignments", json={}).status_code == 200
    with app.app_context():
        kept = {(a.entry_id, a.sheet is not None) for a in db.session.scalars(select(Assignment))
                if a.entry_id in (ids["Grip"], ids["Pension"])}
        db.session.remove()
    assert kept == {(ids["Grip"], True), (ids["Pension"], True)}
    assert [e for e in organiser.get(f"{BASE}/audit").get_json()["entries"] if e["action"] == "judging.voided"] == []
    # Approved again: back in the ranking with the sheets it had.
    moderate(organiser, ids["Grip"], "approved")
    ranked = {c["slug"]: [r["title"] for r in c["ranking"]]
              for c in organiser.get(f"{BASE}/judging/ranking").get_json()["categories"]}
    assert ranked["frailty"] == ["Walk", "Balance", "Grip"]


def test_a_rejected_entry_leaves_the_pairwise_ranking_and_the_walk(app, organiser):
    slug, base = PAIRWISE_SLUG, f"/api/v1/contests/{PAIRWISE_SLUG}"
    assert organiser.post("/api/v1/contests", json=hackathon()).status_code == 201
    ids = {**add_entries(organiser, slug, "frailty", FRAILTY), **add_entries(organiser, slug, "finance", FINANCE)}
    for email in ("ann@example.org", "ben@example.org"):
        assert organiser.post(f"{base}/judges", json={"email": email, "display_name": "J", "password": PASSWORD}
                              ).status_code == 201
    ann = judge_api(app, "ann@example.org")
    walk(ann)
    before = organiser.get(f"{base}/judging/ranking").get_json()
    frailty = next(c for c in before["categories"] if c["slug"] == "frailty")["ranking"]
    assert ids["Grip"] in {r["entry_id"] for r in frailty}

    moderate(organiser, ids["Grip"], "rejected", slug)
    after = organiser.get(f"{base}/judging/ranking").get_json()
    frailty = next(c for c in after["categories"] if c["slug"] == "frailty")["ranking"]
    assert ids["Grip"] not in {r["entry_id"] for r in frailty}
    assert sum(r["comparisons"] for r in frailty) < sum(
        r["comparisons"] for r in next(c for c in before["categories"] if c["slug"] == "frailty")["ranking"])
    ben = judge_api(app, "ben@example.org")
    assert pair(ben)["done"] is False
    seen = {i for s in walk(ben) for i in (s["previous"]["id"], s["current"]["id"])}
    assert ids["Grip"] not in seen and seen == set(ids.values()) - {ids["Grip"]}


def test_adding_a_judge_answers_alike_for_new_and_existing_accounts(app, organiser, make, mailbox):
    assert organiser.post("/api/v1/contests", json=contest_spec()).status_code == 201
    make.user("known@example.org")  # "known" by name, of no organisation
    answers = {}
    for email in ("known@example.org", "fresh@example.org"):
        resp = organiser.post(f"{BASE}/judges", json={"email": email.upper(), "display_name": "Dr Who",
                                                      "organisation": "WHO", "expertise": ["frailty"]})
        assert resp.status_code == 201
        body = resp.get_json()
        assert set(body) == {"judge"} and isinstance(body["judge"].pop("id"), int)
        answers[email] = body
    local = {e: a["judge"].pop("email") for e, a in answers.items()}
    assert local == {"known@example.org": "KNOWN@example.org", "fresh@example.org": "FRESH@example.org"}
    assert answers["known@example.org"] == answers["fresh@example.org"] == {"judge": {
        "display_name": "Dr Who", "organisation": "WHO", "expertise": ["frailty"], "active": True}}
    # A password the policy refuses is refused for both, so the refusal tells nothing either.
    for email in ("known@example.org", "unknown@example.org"):
        assert_error(organiser.post(f"{BASE}/judges", json={"email": email, "display_name": "X", "password": "x"}),
                     422, "validation_error")
    assert mailbox.messages("unknown@example.org") == []
    # Only the mail differs: the new account is invited to choose a password.
    assert "reset?token=" in mailbox.messages("fresh@example.org")[-1].get_body(("plain",)).get_content()
    assert "reset?token=" not in mailbox.messages("known@example.org")[-1].get_body(("plain",)).get_content()
