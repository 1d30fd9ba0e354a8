"""Pairwise judging through the API (judging.mode = pairwise): a judge walks
through pairs of one category at a time, never meeting an entry they conflict
with or one outside their expertise; verdicts are stored and audited, a wrong
or stale pair is refused, a skip moves on; non-judges are refused whatever
they send; and the ranking recovers a hidden order from simulated judges and
flags the one who answers against it."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from scipy.stats import kendalltau

from tests.support.api import Api, assert_error
from tests.support.factories import PASSWORD, iso, spec
from voting.contests.services import get_contest
from voting.extensions import csrf, db

from judging import comparisons
from judging.assignments import current_round
from judging.models import PairwiseJudgement, PairwiseVisit
from judging.pairwise_api import bp

SLUG = "ageing-hack"
NEXT = f"/api/v1/judging/{SLUG}/pairwise/next"
VERDICTS = f"/api/v1/judging/{SLUG}/pairwise/judgements"
FRAILTY = [("Walk", "Alpha Lab"), ("Grip", "Beta"), ("Balance", "Gamma"), ("Steps", "Delta")]
FINANCE = [("Pension", "Epsilon"), ("Savings", "Zeta"), ("Budget", "Eta")]


def window(start_days: float, end_days: float) -> dict:
    now = datetime.now(timezone.utc)
    return {"opens_at": iso(now + timedelta(days=start_days)), "closes_at": iso(now + timedelta(days=end_days))}


def hackathon(slug: str = SLUG, categories=("frailty", "finance"), mode: str = "pairwise") -> dict:
    return spec(slug=slug, kind="hackathon", title="Ageing Better Hackathon",
                categories=[{"slug": c, "title": c.title()} for c in categories],
                phases={"submission": window(-20, -10), "judging": window(-1, 5)}, judging={"mode": mode})


@pytest.fixture
def papp(make_app):
    """An app with the pairwise blueprint, registered here if voting/app.py does not (yet)."""
    application = make_app()
    if "judging_pairwise_api" not in application.blueprints:
        csrf.exempt(bp)  # the API has its own CSRF rule
        application.register_blueprint(bp)
    return application


def signed_in(app, email: str) -> Api:
    api = Api(app.test_client())
    api.login(email, PASSWORD)
    return api


def add_entries(organiser: Api, slug: str, category: str, entries) -> dict[str, int]:
    ids = {}
    for title, organisation in entries:
        resp = organiser.post(f"/api/v1/contests/{slug}/entries",
                              json={"category": category, "title": title, "organisation": organisation})
        assert resp.status_code == 201, resp.get_json()
        ids[title] = resp.get_json()["id"]
    return ids


def add_judge(organiser: Api, email: str, slug: str = SLUG, **extra) -> None:
    resp = organiser.post(f"/api/v1/contests/{slug}/judges",
                          json={"email": email, "display_name": email.split("@")[0], "password": PASSWORD, **extra})
    assert resp.status_code == 201, resp.get_json()


@pytest.fixture
def organiser(papp, make) -> Api:
    make.organiser("boss@example.org", manages=False)
    api = signed_in(papp, "boss@example.org")
    assert api.post("/api/v1/contests", json=hackathon()).status_code == 201
    return api


@pytest.fixture
def ids(organiser) -> dict[str, int]:
    return {**add_entries(organiser, SLUG, "frailty", FRAILTY), **add_entries(organiser, SLUG, "finance", FINANCE)}


@pytest.fixture
def panel(papp, organiser, ids) -> dict[str, Api]:
    """Ann works at Alpha Lab, which made "Walk"; Ben judges finance only."""
    add_judge(organiser, "ann@example.org", organisation="ALPHA LAB")
    add_judge(organiser, "ben@example.org", expertise=["finance"])
    return {"ann": signed_in(papp, "ann@example.org"), "ben": signed_in(papp, "ben@example.org")}


def pair(api: Api) -> dict:
    resp = api.get(NEXT)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def verdict(api: Api, winner: int, loser: int):
    return api.post(VERDICTS, json={"winner": winner, "loser": loser})


def walk(api: Api, prefer=min) -> list[dict]:
    """Judge until done, `prefer` picking the winner's id; every pair shown."""
    shown = []
    state = pair(api)
    while not state["done"]:
        shown.append(state)
        ids = (state["previous"]["id"], state["current"]["id"])
        winner = prefer(ids)
        resp = verdict(api, winner, next(i for i in ids if i != winner))
        assert resp.status_code == 200, resp.get_json()
        state = resp.get_json()
    return shown


def audit_actions(organiser: Api) -> list[dict]:
    return organiser.get(f"/api/v1/contests/{SLUG}/audit").get_json()["entries"]


def test_a_judge_walks_category_by_category_and_every_verdict_is_kept(papp, organiser, ids, panel):
    ann, ben = panel["ann"], panel["ben"]
    first = pair(ann)
    assert first["done"] is False and first["comparisons"] == 0
    assert first["previous"]["category"] == first["current"]["category"] == first["category"]
    assert pair(ann) == first  # the same pair until it is judged
    shown = walk(ann)
    for before, after in zip(shown, shown[1:]):
        if after["category"] == before["category"]:  # the current entry becomes the previous one
            assert after["previous"]["id"] == before["current"]["id"]
    seen = [s["previous"]["id"] for s in shown] + [s["current"]["id"] for s in shown]
    assert ids["Walk"] not in seen  # detected: same organisation, whatever the case
    assert set(seen) == set(ids.values()) - {ids["Walk"]}
    assert len(shown) == (3 - 1) + (3 - 1)  # one chain through each category's three entries
    assert [s["category"] for s in shown] in (["frailty"] * 2 + ["finance"] * 2, ["finance"] * 2 + ["frailty"] * 2)

    finance = {ids[t] for t, _ in FINANCE}
    ben_shown = walk(ben, prefer=max)
    assert all({s["previous"]["id"], s["current"]["id"]} <= finance for s in ben_shown)  # expertise: finance only
    assert len(ben_shown) == 2

    done = pair(ann)
    assert done == {"round": 1, "done": True, "category": None, "previous": None, "current": None, "comparisons": 4}
    assert_error(verdict(ann, ids["Grip"], ids["Pension"]), 422, "validation_error")  # no pair left

    with papp.app_context():
        stored = db.session.query(PairwiseJudgement).order_by(PairwiseJudgement.id).all()
        assert len(stored) == 6
        assert all(j.winner_id < j.loser_id for j in stored[:4]) and all(j.winner_id > j.loser_id for j in stored[4:])
        assert db.session.query(PairwiseVisit).filter_by(current=True).count() == 0
        body = comparisons.ranking(get_contest(SLUG), current_round(get_contest(SLUG), create=False))
    by_slug = {c["slug"]: c["ranking"] for c in body["categories"]}
    assert sum(r["comparisons"] for r in by_slug["finance"]) == 2 * 4  # two verdicts from each judge
    assert {j["display_name"]: j["comparisons"] for j in body["judges"]} == {"ann": 4, "ben": 2}
    compared = [e for e in audit_actions(organiser) if e["action"] == "judging.compared"]
    assert len(compared) == 6
    assert {"previous", "current", "winner", "loser", "next"} <= set(compared[0]["details"])


def test_a_wrong_or_stale_pair_is_refused(organiser, ids, panel):
    ann = panel["ann"]
    state = pair(ann)
    previous, current = state["previous"]["id"], state["current"]["id"]
    other = next(i for i in ids.values() if i not in (previous, current, ids["Walk"]))
    err = assert_error(verdict(ann, current, other), 422, "validation_error")
    assert set(err["fields"]) == {"loser"}
    assert set(assert_error(verdict(ann, current, current), 422, "validation_error")["fields"]) == {"loser"}
    for body, fields in [({}, {"winner", "loser"}), ({"winner": current}, {"loser"}),
                         ({"winner": current, "loser": previous, "skip": current}, {"skip"}),
                         ({"winner": str(current), "loser": previous}, {"winner"}),
                         ({"winner": current, "loser": previous, "why": "nicer"}, {"why"}),
                         ({"skip": other}, {"skip"}), ({"skip": True}, {"skip"})]:
        err = assert_error(ann.post(VERDICTS, json=body), 422, "validation_error")
        assert set(err["fields"]) == fields, (body, err)
    assert_error(verdict(ann, ids["Walk"], current), 403, "conflict_of_interest")
    assert pair(ann) == state  # nothing moved

    assert verdict(ann, current, previous).status_code == 200
    assert_error(verdict(ann, current, previous), 409, "already_submitted")  # sent twice
    assert_error(verdict(ann, previous, current), 409, "already_submitted")  # or changed after the fact


def test_a_skip_moves_on_without_a_verdict(organiser, ids, panel):
    ann = panel["ann"]
    state = pair(ann)
    previous, skipped = state["previous"]["id"], state["current"]["id"]
    resp = ann.post(VERDICTS, json={"skip": skipped})
    assert resp.status_code == 200, resp.get_json()
    after = resp.get_json()
    # Each category has a third entry for Ann: it is compared with the entry she kept.
    assert after["previous"]["id"] == previous and after["current"]["id"] not in (previous, skipped)
    assert after["comparisons"] == 0
    shown = walk(ann)
    assert all(skipped not in (s["previous"]["id"], s["current"]["id"]) for s in shown)
    skips = [e for e in audit_actions(organiser) if e["action"] == "judging.skipped"]
    assert len(skips) == 1 and skips[0]["details"]["entry_id"] == skipped


def test_a_conflict_declared_mid_walk_takes_the_entry_out_of_the_pair(organiser, ids, panel):
    ben = panel["ben"]
    state = pair(ben)
    previous, current = state["previous"]["id"], state["current"]["id"]
    assert ben.post(f"/api/v1/judging/{SLUG}/conflicts", json={"entry_id": current, "reason": "my cousin"}
                    ).status_code == 201
    assert_error(verdict(ben, current, previous), 403, "conflict_of_interest")
    after = pair(ben)
    assert after["previous"]["id"] == previous and after["current"]["id"] not in (previous, current)
    assert current not in {s["current"]["id"] for s in walk(ben)}


def test_non_judges_are_refused_whatever_they_send(papp, organiser, ids, panel, make):
    make.user("voter@example.org")
    assert organiser.post("/api/v1/contests", json=hackathon(slug="another-hack")).status_code == 201
    add_judge(organiser, "elsewhere@example.org", slug="another-hack")
    callers = [signed_in(papp, "voter@example.org"), signed_in(papp, "elsewhere@example.org"), organiser]
    bodies = [{"json": {}}, {"json": {"winner": ids["Grip"], "loser": ids["Steps"]}}, {"json": {"skip": "x"}},
              {"data": "not json", "content_type": "text/plain"}, {"data": "{", "content_type": "application/json"}]
    for api in callers:
        assert_error(api.get(NEXT), 403, "not_assigned")
        for body in bodies:
            assert_error(api.client.post(VERDICTS, headers=api._headers(None), **body), 403, "not_assigned")
    anonymous = Api(papp.test_client())
    anonymous.refresh_csrf()
    assert_error(anonymous.get(NEXT), 401, "login_required")
    assert_error(anonymous.post(VERDICTS, json={"skip": 1}), 401, "login_required")
    with papp.app_context():
        assert db.session.query(PairwiseVisit).count() == 0


def test_only_while_judging_is_open_and_only_in_pairwise_mode(papp, organiser, ids, panel):
    ann = panel["ann"]
    state = pair(ann)
    now = datetime.now(timezone.utc)
    assert organiser.patch(f"/api/v1/contests/{SLUG}", json={
        "phases": {"judging": {"closes_at": iso(now - timedelta(seconds=1))}}}).status_code == 200
    assert_error(ann.get(NEXT), 409, "phase_closed")
    assert_error(verdict(ann, state["current"]["id"], state["previous"]["id"]), 409, "phase_closed")

    # A contest judged by rubric has no pairs: its judges score on their sheets instead.
    assert organiser.post("/api/v1/contests", json=hackathon(slug="rubric-hack", mode="rubric")).status_code == 201
    add_judge(organiser, "ann@example.org", slug="rubric-hack")
    assert_error(ann.get("/api/v1/judging/rubric-hack/pairwise/next"), 409, "conflict")
    assert_error(ann.post("/api/v1/judging/rubric-hack/pairwise/judgements", json={"skip": 1}), 409, "conflict")


# --- the ranking from simulated judges ---------------------------------------------------------------------------

TRUE_STRENGTH = [3.5, 2.5, 1.5, 0.5, -0.5, -1.5, -2.5, -3.5]  # entry k of each area is the k-th best


def test_the_ranking_recovers_the_hidden_order_and_flags_a_contrary_judge(papp, organiser):
    quality = {}
    for area in ("frailty", "finance"):
        made = add_entries(organiser, SLUG, area, [(f"{area}-{k}", f"Team {area} {k}") for k in range(8)])
        quality.update({made[f"{area}-{k}"]: s for k, s in enumerate(TRUE_STRENGTH)})
    with papp.app_context():  # a fixed seed for the round's choices
        current_round(get_contest(SLUG)).seed = 2021
        db.session.commit()
    names = ["good1", "good2", "good3", "good4", "good5", "contrary"]
    for name in names:
        add_judge(organiser, f"{name}@example.org")
    judges = {name: signed_in(papp, f"{name}@example.org") for name in names}
    rng = random.Random(12)
    states = {name: pair(api) for name, api in judges.items()}
    while any(not s["done"] for s in states.values()):  # the judges take turns
        for name, api in judges.items():
            state = states[name]
            if state["done"]:
                continue
            a, b = state["previous"]["id"], state["current"]["id"]
            if name == "contrary":
                better = a if quality[a] < quality[b] else b
            else:  # a careful judge perceives quality with some noise
                better = a if quality[a] + rng.gauss(0, 0.5) > quality[b] + rng.gauss(0, 0.5) else b
            resp = verdict(api, better, b if better == a else a)
            assert resp.status_code == 200, resp.get_json()
            states[name] = resp.get_json()
    assert all(s["comparisons"] == 2 * 7 for s in states.values())  # each judge went through both areas

    with papp.app_context():
        body = comparisons.ranking(get_contest(SLUG), current_round(get_contest(SLUG), create=False))
    reliability = {j["display_name"]: j for j in body["judges"]}
    assert reliability["contrary"]["flagged"] and reliability["contrary"]["reliability"] < 0.6
    assert not any(reliability[n]["flagged"] for n in names[:-1])
    taus = []
    for category in body["categories"]:
        found = [r["entry_id"] for r in category["ranking"]]
        assert len(found) == 8 and [r["rank"] for r in category["ranking"]] == list(range(1, 9))
        assert sum(r["comparisons"] for r in category["ranking"]) == 2 * 5 * 7  # the contrary judge's are left out
        taus.append(kendalltau([quality[i] for i in found], sorted(TRUE_STRENGTH, reverse=True)).statistic)
        assert max(TRUE_STRENGTH) in (quality[found[0]], quality[found[1]])
    assert min(taus) >= 0.7 and sum(taus) / len(taus) >= 0.8


def test_the_answers_fit_the_openapi_document(papp, organiser, ids, panel):
    from tests.api.test_openapi import DOC, check_response, validator_for

    if "/api/v1/judging/{slug}/pairwise/next" not in DOC["paths"]:
        pytest.skip("the OpenAPI document does not describe pairwise judging yet")
    ann, ben = panel["ann"], panel["ben"]
    path_next, path_verdicts = "/api/v1/judging/{slug}/pairwise/next", "/api/v1/judging/{slug}/pairwise/judgements"
    check_response(ann.get(NEXT), path_next, "get")
    state = pair(ann)
    check_response(verdict(ann, state["current"]["id"], ids["Walk"]), path_verdicts, "post")  # 403 conflict
    check_response(ann.post(VERDICTS, json={"winner": 1}), path_verdicts, "post")  # 422
    check_response(ann.post(VERDICTS, json={"skip": state["current"]["id"]}), path_verdicts, "post")
    state = pair(ann)
    check_response(verdict(ann, state["current"]["id"], state["previous"]["id"]), path_verdicts, "post")
    check_response(verdict(ann, state["current"]["id"], state["previous"]["id"]), path_verdicts, "post")  # 409
    walk(ann)
    check_response(ann.get(NEXT), path_next, "get")  # done
    check_response(organiser.get(NEXT), path_next, "get")  # 403
    walk(ben)
    with papp.app_context():
        body = comparisons.ranking(get_contest(SLUG), current_round(get_contest(SLUG), create=False))
    assert validator_for("/components/schemas/PairwiseRanking").is_valid(body)
    now = datetime.now(timezone.utc)
    organiser.patch(f"/api/v1/contests/{SLUG}", json={"phases": {"judging": {"closes_at": iso(now)}}})
    check_response(ann.get(NEXT), path_next, "get")  # 409 phase_closed
