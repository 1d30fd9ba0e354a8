"""The WSIS Prizes from the first ballot to the announcement: the public
votes, voting closes, the expert group judges exactly each category's
champions, the tally picks the champions by the public count and the winner
by the jury among them (a tie at the champions' cut broken by the jury's
score, as the default tie chain says), and the published results say so."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest

from tests.api.test_contests import png_bytes
from tests.support.api import Api, assert_error
from tests.support.factories import PASSWORD, iso
from tests.support.results import run_tallies
from tests.support.voting import cast, open_contest, voter_api

EXPERTS = ("ana@jury.org", "bo@jury.org", "cy@jury.org")


def close_judging(organiser: Api, slug: str) -> None:
    now = datetime.now(timezone.utc)
    resp = organiser.patch(f"/api/v1/contests/{slug}", json={"phases": {"judging": {"closes_at": iso(now)}}})
    assert resp.status_code == 200, resp.get_json()


def test_public_champions_then_the_jury_picks_the_winner(app, make, client):
    slug, ids = open_contest(app, pow_bits=0, entries_per_category=4,
                             awards={"policy": "jury_among_champions", "champions_per_category": 2})
    c1 = ids["c1"]
    # c1: entry 0 gets 3 votes, entries 1 and 2 one each (a tie at the champions' cut), entry 3 none.
    for i, choice in enumerate([c1[0], c1[0], c1[0], c1[1], c1[2]]):
        assert cast(voter_api(app, make, f"v{i}@example.org"), slug, "c1", [choice], with_proof=False).status_code == 201
    organiser = Api(app.test_client())
    organiser.login("organiser@example.org", PASSWORD)
    for email in EXPERTS:
        assert organiser.post(f"/api/v1/contests/{slug}/judges", json={
            "email": email, "display_name": email.split("@")[0], "password": PASSWORD}).status_code == 201
    now = datetime.now(timezone.utc)
    assert organiser.patch(f"/api/v1/contests/{slug}", json={"phases": {
        "voting": {"closes_at": iso(now - timedelta(seconds=1))},
        "judging": {"opens_at": iso(now - timedelta(seconds=1)), "closes_at": iso(now + timedelta(days=3))}}}
    ).status_code == 200
    assert organiser.post(f"/api/v1/contests/{slug}/assignments", json={"judges_per_entry": 3}).status_code == 200

    # Every expert scores the three entries of c1's round: entry 2 best, then 0, then 1.
    marks = {c1[0]: 7, c1[1]: 4, c1[2]: 9}
    for email in EXPERTS:
        expert = Api(app.test_client())
        expert.login(email, PASSWORD)
        listed = {a["entry_id"] for a in expert.get("/api/v1/judging/assignments").get_json()["assignments"]
                  if a["category"] == "c1"}
        assert listed == {c1[0], c1[1], c1[2]}  # the champions and everyone tied at the cut, not entry 3
        for entry_id in listed:
            resp = expert.put(f"/api/v1/judging/{slug}/entries/{entry_id}/score",
                              json={"scores": {"overall": marks[entry_id]}, "submit": True})
            assert resp.status_code == 200, resp.get_json()

    assert_error(organiser.post(f"/api/v1/contests/{slug}/tally"), 409, "phase_closed")  # the jury is still at work
    close_judging(organiser, slug)
    assert organiser.post(f"/api/v1/contests/{slug}/tally").status_code == 202
    run_tallies(app)
    assert_error(client.get(f"/api/v1/contests/{slug}/results"), 404, "not_published")
    draft = organiser.get(f"/api/v1/contests/{slug}/results?draft=true").get_json()
    cat = draft["categories"][0]
    # Champions: entry 0 (3 votes) and, of the two tied on one vote, entry 2, whom the jury scored higher.
    assert set(cat["champions"]) == {c1[0], c1[2]}
    assert cat["winners"] == [c1[2]]
    awards = {r["entry_id"]: r["award"] for r in cat["ranking"]}
    assert awards == {c1[2]: "winner", c1[0]: "champion", c1[1]: None, c1[3]: None}
    cut = [t for t in cat["ties"] if "champion" in t["cut_lines"]]
    assert cut and set(cut[0]["entries"]) == {c1[1], c1[2]} and cut[0]["decided_by"][0] == "jury_score"
    scores = {r["entry_id"]: r["jury_score"] for r in cat["ranking"]}
    assert scores[c1[2]] > scores[c1[0]]
    assert {line["name"] for line in cat["cut_lines"]} == {"champion", "winner"}

    published = organiser.post(f"/api/v1/contests/{slug}/results/publish", json={})
    assert published.status_code == 200
    public = client.get(f"/api/v1/contests/{slug}/results").get_json()
    assert public["categories"][0]["winners"] == [c1[2]] and public["published_at"]
    # Published is final: the jury's inputs and the voting window are locked.
    assert_error(organiser.patch(f"/api/v1/contests/{slug}", json={"awards": {"champions_per_category": 3}}),
                 409, "locked")
    now = datetime.now(timezone.utc)
    assert_error(organiser.patch(f"/api/v1/contests/{slug}", json={"phases": {
        "voting": {"closes_at": iso(now + timedelta(days=1))},
        "judging": {"opens_at": iso(now + timedelta(days=2)), "closes_at": iso(now + timedelta(days=3))}}}),
        409, "locked")  # never back to voting


@pytest.mark.parametrize("kind,awards,expected", [
    ("hackathon", {"policy": "jury", "winners_per_category": 1}, ["winner", None, None]),
    ("photo", {"policy": "jury"}, ["first", "second", "third"]),
])
def test_contests_decided_by_the_jury_alone(app, make, client, kind, awards, expected):
    """The hackathon's judges pick one winner per challenge area; the photo jury first, second and third."""
    make.organiser("boss@example.org", manages=False)
    boss = Api(app.test_client())
    boss.login("boss@example.org", PASSWORD)
    now = datetime.now(timezone.utc)
    window = {"opens_at": iso(now - timedelta(days=1)), "closes_at": iso(now + timedelta(days=2))}
    body = {"slug": "jury-only", "title": "Jury only", "kind": kind, "awards": awards,
            "categories": [{"slug": "area-1", "title": "Area 1"}, {"slug": "area-2", "title": "Area 2"}],
            "phases": {"submission": {"opens_at": iso(now - timedelta(days=9)), "closes_at": iso(now - timedelta(days=2))},
                       "judging": window},
            "voting": {"method": "none"}, "judging": {"judges_per_entry": 2, "normalization": "zscore"}}
    assert boss.post("/api/v1/contests", json=body).status_code == 201, body
    titles = {}
    for category in ("area-1", "area-2"):
        for n in range(3):
            fields = {"category": category, "title": f"{category}/{n}"}
            if kind == "photo":  # a photo entry is its photo
                fields.update(image=(io.BytesIO(png_bytes()), "photo.png"), alt_text="A teal square")
                resp = boss.client.post("/api/v1/contests/jury-only/entries", data=fields,
                                        headers={"X-CSRFToken": boss.csrf})
            else:
                resp = boss.post("/api/v1/contests/jury-only/entries", json=fields)
            assert resp.status_code == 201, resp.get_json()
            titles[resp.get_json()["id"]] = (category, n)
    for name in ("ann", "ben"):
        assert boss.post("/api/v1/contests/jury-only/judges", json={
            "email": f"{name}@jury.org", "display_name": name, "password": PASSWORD}).status_code == 201
    assert boss.post("/api/v1/contests/jury-only/assignments", json={}).status_code == 200
    for name, harshness in (("ann", 0), ("ben", -3)):  # Ben is harsher; z-scores even it out
        judge = Api(app.test_client())
        judge.login(f"{name}@jury.org", PASSWORD)
        for a in judge.get("/api/v1/judging/assignments").get_json()["assignments"]:
            mark = 9 - 2 * titles[a["entry_id"]][1] + harshness  # entry n=0 best in each area
            assert judge.put(f"/api/v1/judging/jury-only/entries/{a['entry_id']}/score",
                             json={"scores": {"overall": mark}, "submit": True}).status_code == 200
    assert_error(boss.post("/api/v1/contests/jury-only/tally"), 409, "phase_closed")  # the jury is still at work
    close_judging(boss, "jury-only")
    assert boss.post("/api/v1/contests/jury-only/tally").status_code == 202
    run_tallies(app)
    draft = boss.get("/api/v1/contests/jury-only/results?draft=true").get_json()
    for cat in draft["categories"]:
        assert [titles[r["entry_id"]][1] for r in cat["ranking"]] == [0, 1, 2]
        assert [r["award"] for r in cat["ranking"]] == expected
        assert all(r["public_votes"] is None for r in cat["ranking"])


def test_nothing_that_fed_published_results_changes(app, make, client):
    """After publication: scores, reopening, conflicts, rounds, assignments and moderation are locked."""
    slug, ids = open_contest(app, pow_bits=0, entries_per_category=2, awards={"policy": "hybrid"})
    organiser = Api(app.test_client())
    organiser.login("organiser@example.org", PASSWORD)
    assert organiser.post(f"/api/v1/contests/{slug}/judges", json={
        "email": "ana@jury.org", "display_name": "Ana", "password": PASSWORD}).status_code == 201
    now = datetime.now(timezone.utc)
    assert organiser.patch(f"/api/v1/contests/{slug}", json={"phases": {
        "voting": {"closes_at": iso(now - timedelta(seconds=2))},
        "judging": {"opens_at": iso(now - timedelta(seconds=1)), "closes_at": iso(now + timedelta(days=1))}}}
    ).status_code == 200
    assert organiser.post(f"/api/v1/contests/{slug}/assignments", json={"judges_per_entry": 1}).status_code == 200
    ana = Api(app.test_client())
    ana.login("ana@jury.org", PASSWORD)
    entry = ids["c1"][0]
    assert ana.put(f"/api/v1/judging/{slug}/entries/{entry}/score",
                   json={"scores": {"overall": 5}, "submit": True}).status_code == 200
    close_judging(organiser, slug)
    assert organiser.post(f"/api/v1/contests/{slug}/tally").status_code == 202
    run_tallies(app)
    assert organiser.post(f"/api/v1/contests/{slug}/results/publish", json={}).status_code == 200
    judge_id = organiser.get(f"/api/v1/contests/{slug}/judging/progress").get_json()["judges"][0]["judge_id"]
    assert_error(organiser.post(f"/api/v1/contests/{slug}/judging/reopen",
                                json={"judge_id": judge_id, "entry_id": entry, "reason": "late"}), 409, "locked")
    assert_error(organiser.post(f"/api/v1/contests/{slug}/judging/conflicts",
                                json={"judge_id": judge_id, "entry_id": entry, "reason": "late"}), 409, "locked")
    assert_error(organiser.post(f"/api/v1/contests/{slug}/assignments", json={}), 409, "locked")
    assert_error(organiser.post(f"/api/v1/contests/{slug}/rounds", json={"top": 1}), 409, "locked")
    assert_error(organiser.post(f"/api/v1/contests/{slug}/entries/{ids['c2'][0]}/moderation",
                                json={"status": "rejected", "reason": "late"}), 409, "locked")
    assert_error(organiser.post(f"/api/v1/contests/{slug}/entries", json={"category": "c1", "title": "Late"}),
                 409, "locked")
    late = organiser.client.post(f"/api/v1/contests/{slug}/entries/import", data="category,title\nc1,Late\n",
                                 content_type="text/csv", headers={"X-CSRFToken": organiser.csrf})
    assert_error(late, 409, "locked")
