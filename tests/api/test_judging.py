"""Judging through the API: judges added and invited, assignments that never
meet a conflict, score sheets drafted, submitted, refused and reopened,
conflicts declared, progress and the jury's ranking."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.support.api import Api, assert_error
from tests.support.factories import PASSWORD, iso, spec


def window(start_days: float, end_days: float) -> dict:
    now = datetime.now(timezone.utc)
    return {"opens_at": iso(now + timedelta(days=start_days)), "closes_at": iso(now + timedelta(days=end_days))}


CRITERIA = [{"key": "impact", "label": "Impact", "weight": 0.6, "min": 0, "max": 10},
            {"key": "feasibility", "label": "Feasibility", "weight": 0.4, "min": 1, "max": 5}]


def hackathon(**overrides) -> dict:
    return spec(slug="ageing-better", kind="hackathon", title="Ageing Better with ICTs",
                categories=[{"slug": "frailty", "title": "Frailty"}, {"slug": "finance", "title": "Finance"}],
                phases={"submission": window(-20, -10), "judging": window(-1, 5)},
                judging={"criteria": CRITERIA, "judges_per_entry": 2, "normalization": "none"}, **overrides)


@pytest.fixture
def organiser(app, make) -> Api:
    make.organiser("boss@example.org", manages=False)
    api = Api(app.test_client())
    api.login("boss@example.org", PASSWORD)
    assert api.post("/api/v1/contests", json=hackathon()).status_code == 201
    for category, title, organisation in [("frailty", "Walk", "Alpha Lab"), ("frailty", "Grip", "Beta"),
                                          ("finance", "Pension", "Gamma"), ("finance", "Savings", "Delta")]:
        resp = api.post("/api/v1/contests/ageing-better/entries",
                        json={"category": category, "title": title, "organisation": organisation})
        assert resp.status_code == 201, resp.get_json()
    return api


def entry_ids(organiser: Api) -> dict[str, int]:
    return {e["title"]: e["id"] for e in organiser.get("/api/v1/contests/ageing-better/entries").get_json()["entries"]}


def add_judge(organiser: Api, email: str, **extra):
    return organiser.post("/api/v1/contests/ageing-better/judges",
                          json={"email": email, "display_name": email.split("@")[0], **extra})


def judge_api(app, email: str, password: str = PASSWORD) -> Api:
    api = Api(app.test_client())
    api.login(email, password)
    return api


@pytest.fixture
def panel(app, organiser):
    """Three judges; Ann works at Alpha Lab, which made "Walk"."""
    for email, extra in [("ann@example.org", {"organisation": "ALPHA LAB"}), ("ben@example.org", {}),
                         ("cat@example.org", {})]:
        assert add_judge(organiser, email, password=PASSWORD, **extra).status_code == 201
    resp = organiser.post("/api/v1/contests/ageing-better/assignments", json={})
    assert resp.status_code == 200, resp.get_json()
    return {e.split("@")[0]: judge_api(app, e) for e in ("ann@example.org", "ben@example.org", "cat@example.org")}


def listed(api: Api) -> dict[int, str]:
    resp = api.get("/api/v1/judging/assignments")
    assert resp.status_code == 200
    return {a["entry_id"]: a["status"] for a in resp.get_json()["assignments"]}


def score(api: Api, entry_id: int, scores: dict, submit: bool = False, **extra):
    return api.put(f"/api/v1/judging/ageing-better/entries/{entry_id}/score",
                   json={"scores": scores, "submit": submit, **extra})


def test_assignments_cover_every_entry_and_never_a_conflict(organiser, panel):
    ids = entry_ids(organiser)
    lists = {name: listed(api) for name, api in panel.items()}
    assert ids["Walk"] not in lists["ann"]  # detected: same organisation, whatever the case
    for entry_id in ids.values():
        assert sum(entry_id in found for found in lists.values()) == 2
    assert sorted(len(found) for found in lists.values()) in ([2, 3, 3], [2, 2, 4]) or \
        max(len(f) for f in lists.values()) - min(len(f) for f in lists.values()) <= 1
    progress = organiser.get("/api/v1/contests/ageing-better/judging/progress").get_json()["judges"]
    assert sum(p["assigned"] for p in progress) == 8 and not any(p["started"] for p in progress)
    actions = [e["action"] for e in organiser.get("/api/v1/contests/ageing-better/audit").get_json()["entries"]]
    assert actions.count("judge.added") == 3 and "judging.assigned" in actions


def test_a_short_category_is_reported(organiser, app):
    assert add_judge(organiser, "solo@example.org", password=PASSWORD).status_code == 201
    body = organiser.post("/api/v1/contests/ageing-better/assignments", json={"judges_per_entry": 2}).get_json()
    assert body["assignments"] == 4 and len(body["shortages"]) == 4
    assert body["shortages"][0]["needed"] == 2 and body["shortages"][0]["got"] == 1


def test_draft_submit_and_the_refusals(organiser, panel, make, app):
    ben, ids = panel["ben"], entry_ids(organiser)
    mine = sorted(listed(ben))
    entry = mine[0]
    resp = score(ben, entry, {"impact": 7})
    assert resp.status_code == 200 and resp.get_json()["status"] == "draft"
    assert listed(ben)[entry] == "draft"
    err = assert_error(score(ben, entry, {"impact": 11, "charm": 3, "feasibility": True}, submit=True),
                       422, "validation_error")
    assert set(err["fields"]) == {"scores.impact", "scores.charm", "scores.feasibility"}
    assert_error(score(ben, entry, {"impact": 7}, submit=True), 422, "validation_error")  # feasibility missing
    resp = score(ben, entry, {"impact": 7, "feasibility": 4}, submit=True, comment="Strong pilot",
                 comment_to_entrant=True)
    assert resp.status_code == 200 and resp.get_json()["status"] == "submitted"
    assert resp.get_json()["total"] == pytest.approx(10 * (0.6 * 0.7 + 0.4 * 0.75))
    assert_error(score(ben, entry, {"impact": 1, "feasibility": 1}, submit=True), 409, "already_submitted")
    others = [i for i in ids.values() if i not in mine]
    if others:
        assert_error(score(ben, others[0], {"impact": 5}), 403, "not_assigned")
    assert_error(score(panel["ann"], ids["Walk"], {"impact": 9}), 403, "conflict_of_interest")
    # A judge of another contest, and a voter, are on nobody's list here.
    make.user("voter@example.org")
    assert_error(score(judge_api(app, "voter@example.org"), entry, {"impact": 5}), 403, "not_assigned")

    # The organiser reopens a mis-click; every change is kept in the audit log.
    judge_id = next(p["judge_id"] for p in organiser.get("/api/v1/contests/ageing-better/judging/progress")
                    .get_json()["judges"] if p["email"] == "ben@example.org")
    assert_error(organiser.post("/api/v1/contests/ageing-better/judging/reopen",
                                json={"judge_id": judge_id, "entry_id": entry, "reason": ""}), 422, "validation_error")
    resp = organiser.post("/api/v1/contests/ageing-better/judging/reopen",
                          json={"judge_id": judge_id, "entry_id": entry, "reason": "wrong entry"})
    assert resp.status_code == 200 and resp.get_json()["status"] == "draft"
    assert score(ben, entry, {"impact": 2, "feasibility": 2}, submit=True).status_code == 200
    log = [e for e in organiser.get("/api/v1/contests/ageing-better/audit").get_json()["entries"]
           if e["action"].startswith("judging.") and e["subject"] == f"entry {entry}"]
    assert [e["action"] for e in log] == ["judging.saved", "judging.submitted", "judging.reopened",
                                          "judging.submitted"]
    assert log[1]["details"]["before"]["scores"] == {"impact": 7} and log[3]["details"]["after"]["scores"] == {
        "impact": 2, "feasibility": 2}


def test_a_declared_conflict_takes_the_entry_off_and_reassigns_it(organiser, panel):
    ben = panel["ben"]
    entry = min(set(listed(ben)) - {entry_ids(organiser)["Walk"]})  # Ann cannot take over "Walk"
    resp = ben.post("/api/v1/judging/ageing-better/conflicts", json={"entry_id": entry, "reason": "my cousin"})
    assert resp.status_code == 201
    assert entry not in listed(ben)
    assert_error(score(ben, entry, {"impact": 5}), 403, "conflict_of_interest")
    holders = [name for name, api in panel.items() if entry in listed(api)]
    assert len(holders) == 2 and "ben" not in holders
    # Declaring it again changes nothing.
    assert ben.post("/api/v1/judging/ageing-better/conflicts", json={"entry_id": entry}).status_code == 200


def test_scores_only_while_judging_is_open(organiser, panel):
    entry = sorted(listed(panel["cat"]))[0]
    now = datetime.now(timezone.utc)
    resp = organiser.patch("/api/v1/contests/ageing-better",
                           json={"phases": {"judging": {"closes_at": iso(now - timedelta(seconds=1))}}})
    assert resp.status_code == 200
    assert_error(score(panel["cat"], entry, {"impact": 5}), 409, "phase_closed")


def test_the_ranking_with_spread(organiser, panel):
    ids = entry_ids(organiser)
    given = {"Walk": 9, "Grip": 3, "Pension": 6, "Savings": 6}
    for api in panel.values():
        for entry_id in listed(api):
            title = next(t for t, i in ids.items() if i == entry_id)
            assert score(api, entry_id, {"impact": given[title], "feasibility": 3}, submit=True).status_code == 200
    body = organiser.get("/api/v1/contests/ageing-better/judging/ranking").get_json()
    frailty = next(c for c in body["categories"] if c["slug"] == "frailty")["ranking"]
    assert [r["title"] for r in frailty] == ["Walk", "Grip"] and frailty[0]["judges"] == 2
    finance = next(c for c in body["categories"] if c["slug"] == "finance")["ranking"]
    assert [r["rank"] for r in finance] == [1, 1] and all(r["tied"] for r in finance)


def test_a_new_judge_is_invited_and_an_existing_account_keeps_its_password(app, organiser, mailbox, make):
    resp = add_judge(organiser, "new@example.org", organisation="Epsilon")
    assert resp.status_code == 201
    assert resp.get_json() == {"judge": {"id": resp.get_json()["judge"]["id"], "email": "new@example.org",
                                         "display_name": "new", "organisation": "Epsilon", "expertise": [],
                                         "active": True}}
    token = mailbox.last_token("new@example.org")
    api = Api(app.test_client())
    api.refresh_csrf()
    assert api.post("/api/v1/auth/password/reset", json={"token": token, "password": "judging is fun 2021"}
                    ).status_code == 200
    judge_api(app, "new@example.org", "judging is fun 2021")

    make.user("known@example.org")
    resp = add_judge(organiser, "known@example.org", password="an organiser's choice 1")
    assert resp.status_code == 201 and "created" not in resp.get_json()
    judge_api(app, "known@example.org", PASSWORD)  # the old password still works
    assert "reset?token=" not in mailbox.messages("known@example.org")[-1].get_body(("plain",)).get_content()


def test_judges_of_a_contest_are_added_by_its_organisers_only(app, organiser, make):
    make.organiser("other@example.org", manages=False)
    other = judge_api(app, "other@example.org")
    assert_error(add_judge(other, "x@example.org"), 403, "forbidden")
    assert_error(other.post("/api/v1/contests/ageing-better/assignments", json={}), 403, "forbidden")
    assert_error(organiser.post("/api/v1/contests/ageing-better/judges",
                                json={"email": "y@example.org", "display_name": "Y", "expertise": ["nope"]}),
                 422, "validation_error")


def test_a_round_shortlists_the_best_of_each_category(organiser, panel):
    ids = entry_ids(organiser)
    given = {"Walk": 9, "Grip": 3, "Pension": 6, "Savings": 6}
    for api in panel.values():
        for entry_id in listed(api):
            title = next(t for t, i in ids.items() if i == entry_id)
            assert score(api, entry_id, {"impact": given[title], "feasibility": 3}, submit=True).status_code == 200
    url = "/api/v1/contests/ageing-better/rounds"
    assert_error(organiser.post(url, json={}), 422, "validation_error")
    final = [{"key": "overall", "label": "Overall", "weight": 1, "min": 0, "max": 10}]
    resp = organiser.post(url, json={"top": 1, "criteria": final, "judges_per_entry": 3})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["round"] == 2 and body["shortlist"]["frailty"] == [ids["Walk"]]
    assert sorted(body["shortlist"]["finance"]) == sorted([ids["Pension"], ids["Savings"]])  # tied at the cut
    assert body["ties_at_cut"] == ["finance"]
    assert organiser.post("/api/v1/contests/ageing-better/assignments", json={}).status_code == 200
    lists = {name: listed(api) for name, api in panel.items()}
    assert set(lists["ben"]) == {ids["Walk"], ids["Pension"], ids["Savings"]}
    assert ids["Walk"] not in lists["ann"] and set(lists["ann"]) == {ids["Pension"], ids["Savings"]}
    assert all(status == "pending" for status in lists["ben"].values())
    resp = score(panel["ben"], ids["Walk"], {"overall": 8}, submit=True)
    assert resp.status_code == 200 and resp.get_json()["total"] == pytest.approx(8)
    assert_error(score(panel["ben"], ids["Grip"], {"overall": 8}), 403, "not_assigned")


def test_the_wsis_expert_group_judges_exactly_the_champions(app, make):
    """jury_among_champions: the jury's round waits for the close, then holds each category's top
    `champions_per_category` by counted votes (ties at the cut all go through)."""
    from tests.support.voting import cast, open_contest, voter_api

    slug, ids = open_contest(app, pow_bits=0, entries_per_category=4, awards={"policy": "jury_among_champions",
                                                                              "champions_per_category": 2})
    c1, c2 = ids["c1"], ids["c2"]
    votes = [(c1[0], c2[0]), (c1[0], c2[1]), (c1[1], c2[2]), (c1[2], c2[3]), (c1[0], None)]
    for i, (first, second) in enumerate(votes):
        voter = voter_api(app, make, f"v{i}@example.org")
        assert cast(voter, slug, "c1", [first], with_proof=False).status_code == 201
        if second:
            assert cast(voter, slug, "c2", [second], with_proof=False).status_code == 201
    organiser = Api(app.test_client())
    organiser.login("organiser@example.org", PASSWORD)
    assert organiser.post(f"/api/v1/contests/{slug}/judges", json={
        "email": "expert@elsewhere.org", "display_name": "Expert", "password": PASSWORD}).status_code == 201
    assert_error(organiser.post(f"/api/v1/contests/{slug}/assignments", json={}), 409, "phase_closed")
    now = datetime.now(timezone.utc)
    assert organiser.patch(f"/api/v1/contests/{slug}", json={"phases": {"voting": {
        "closes_at": iso(now - timedelta(seconds=1))}}}).status_code == 200
    assert organiser.post(f"/api/v1/contests/{slug}/assignments", json={}).status_code == 200
    expert = judge_api(app, "expert@elsewhere.org")
    mine = expert.get("/api/v1/judging/assignments").get_json()["assignments"]
    by_category = {}
    for a in mine:
        by_category.setdefault(a["category"], set()).add(a["entry_id"])
    assert by_category["c1"] == {c1[0], c1[1], c1[2]}  # c1[1] and c1[2] tie for second place
    assert len(by_category["c2"]) == 4  # four entries with one vote each tie for the two places
    entry = [e for e in organiser.get(f"/api/v1/contests/{slug}/audit").get_json()["entries"]
             if e["action"] == "judging.champions"][0]
    assert entry["details"]["ties_at_cut"] == ["c1", "c2"]


def test_a_conflict_declared_after_scoring_voids_the_sheet(organiser, panel):
    ben = panel["ben"]
    entry = min(set(listed(ben)) - {entry_ids(organiser)["Walk"]})
    assert score(ben, entry, {"impact": 4}).status_code == 200
    resp = ben.post("/api/v1/judging/ageing-better/conflicts", json={"entry_id": entry, "reason": "found out later"})
    assert resp.status_code == 201
    assert entry not in listed(ben)
    progress = {p["email"]: p for p in organiser.get("/api/v1/contests/ageing-better/judging/progress")
                .get_json()["judges"]}
    assert progress["ben@example.org"]["draft"] == 0


def test_an_address_spelled_otherwise_never_reaches_an_existing_account(app, organiser, make):
    make.user("victim@example.com")
    resp = add_judge(organiser, "victim@ｅｘａｍｐｌｅ.com", password="the organiser's choice")
    assert resp.status_code == 201 and "created" not in resp.get_json()
    judge_api(app, "victim@example.com", PASSWORD)  # still the owner's password


def test_nothing_moves_after_judging_closes(organiser, panel):
    ben = panel["ben"]
    entry = min(set(listed(ben)) - {entry_ids(organiser)["Walk"]})
    assert score(ben, entry, {"impact": 8, "feasibility": 4}, submit=True).status_code == 200
    now = datetime.now(timezone.utc)
    assert organiser.patch("/api/v1/contests/ageing-better", json={"phases": {"judging": {
        "closes_at": iso(now - timedelta(seconds=1))}}}).status_code == 200
    assert ben.post("/api/v1/judging/ageing-better/conflicts", json={"entry_id": entry}).status_code == 201
    ranking = organiser.get("/api/v1/contests/ageing-better/judging/ranking").get_json()
    scored = {r["entry_id"] for c in ranking["categories"] for r in c["ranking"]}
    assert entry in scored  # the submitted sheet stands


def test_a_cut_nobody_reaches_opens_no_round(organiser, panel):
    ids = entry_ids(organiser)
    for api in panel.values():
        for entry_id in listed(api):
            assert score(api, entry_id, {"impact": 1, "feasibility": 1}, submit=True).status_code == 200
    assert_error(organiser.post("/api/v1/contests/ageing-better/rounds", json={"min_score": 9.9}), 409, "conflict")
    assert organiser.post("/api/v1/contests/ageing-better/rounds", json={"top": 1}).status_code == 201
    assert len(ids) == 4


def test_a_contest_without_a_rubric_jury_gets_no_assignments(app, make):
    make.organiser("boss@example.org", manages=False)
    api = Api(app.test_client())
    api.login("boss@example.org", PASSWORD)
    body = {**hackathon(), "slug": "pairs", "judging": {"mode": "pairwise", "criteria": []}}
    assert api.post("/api/v1/contests", json=body).status_code == 201
    assert_error(api.post("/api/v1/contests/pairs/assignments", json={}), 409, "conflict")
