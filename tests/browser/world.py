"""The world the browser tests walk through, built once per run through the
app's own services (its JSON API, driven by Flask's test client, and the
factories, which call the services): four contests, one in each phase a
visitor meets, and an account for each role.

- `prize`: a prize contest in its voting phase, three categories of approved
  entries, a cheap proof of work (a few bits: the ballot page's script runs,
  and finishes at once), ballots cast through the API and a fraud cluster the
  sweep filed from them;
- `results`: a prize contest whose voting closed, tallied and published;
- `hack`: a hackathon taking entries, with the participant's draft and
  pending entries and a team that has invited the voter;
- `judged`: a hackathon in its rubric judging round, with the judge assigned;
  `pairwise`: one judged in pairwise mode.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from tests.support.api import Api
from tests.support.factories import PASSWORD, iso, spec
from tests.support.results import run_tallies
from tests.support.voting import proof
from voting.fraud import services as fraud
from voting.contests import services as contests
from voting.extensions import db

ORGANISER = "organiser@example.org"
VOTER = "voter@example.org"
PARTICIPANT = "participant@example.org"
JUDGE = "judge@example.org"
# Accounts that the keyboard journeys use up (a ballot is cast once), apart
# from the ones whose pages the survey reads.
JOURNEY_VOTER = "keyboard-voter@example.org"
POW_BITS = 6  # the script runs a real proof, a few hundred hashes at most
CRITERIA = [{"key": "impact", "label": "Impact", "weight": 0.6, "min": 0, "max": 10},
            {"key": "feasibility", "label": "Feasibility", "weight": 0.4, "min": 1, "max": 5}]
HACK_CATEGORIES = [{"slug": "frailty", "title": "Frailty and falls"}, {"slug": "finance", "title": "Pensions"}]
SUMMARY = ("A tablet app that reminds older people of their medicines and lets their doctor see whether a dose "
           "was missed. ") * 3


def window(start_days: float, end_days: float) -> dict:
    now = datetime.now(timezone.utc)
    return {"opens_at": iso(now + timedelta(days=start_days)), "closes_at": iso(now + timedelta(days=end_days))}


@dataclass
class World:
    prize: str = "wsis-prizes-2021"
    results: str = "wsis-prizes-2020"
    hack: str = "ageing-better"
    judged: str = "healthy-ageing"
    pairwise: str = "photo-jury"
    entries: dict[str, dict[str, int]] = field(default_factory=dict)  # slug -> title -> id
    cluster: int = 0
    team: int = 0
    invitation: str = ""  # the voter's token to join the participant's team
    draft: int = 0  # the participant's draft entry
    assigned: int = 0  # an entry the judge has to score
    submitted: int = 0  # an entry the judge has scored and submitted
    to_score: int = 0  # the entry the judge scores in the keyboard journey
    job: str = ""  # a rebuild of the prize's counters, for the console's job page


def _api(app, email: str) -> Api:
    api = Api(app.test_client())
    api.login(email, PASSWORD)
    return api


def _ok(resp, status: int = 200):
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:1000])
    return resp.get_json()


def _contest(boss: Api, **body) -> str:
    return _ok(boss.post("/api/v1/contests", json=spec(**body)), 201)["slug"]


def _entries(api: Api, slug: str, rows: list[tuple[str, str]], **extra) -> dict[str, int]:
    made = {}
    for category, title in rows:
        made[title] = _ok(api.post(f"/api/v1/contests/{slug}/entries", json={
            "category": category, "title": title, "organisation": "Ministry of Digital Affairs", "country": "SN",
            "summary": SUMMARY, **extra}), 201)["id"]
    return made


def _vote(app, make, slug: str, email: str, category: str, entry: int, new_account: bool = True) -> None:
    if new_account:
        make.user(email)
    api = _api(app, email)
    _ok(api.post(f"/api/v1/contests/{slug}/ballots", json={"category": category, "selection": [entry],
                                                            "pow": proof(api, slug)}), 201)


def _prize(app, make, boss: Api, world: World) -> None:
    # The sweep's "instant single vote" rule, tuned down so that three fresh
    # accounts voting for one entry make a cluster for the review pages.
    slug = _contest(boss, slug=world.prize, title="WSIS Prizes 2021", categories=[
        {"slug": "c1", "title": "C1 The role of governments"}, {"slug": "c2", "title": "C2 Infrastructure"},
        {"slug": "c3", "title": "C3 Access to information"}],
        phases={"submission": window(-30, -10), "voting": window(-1, 10)},
        voting={"method": "single", "pow_bits": POW_BITS, "min_render_seconds": 0},
        fraud={"thresholds": {"instant_min_cluster": 2.0, "instant_settle_seconds": 0.0}})
    rows = [(c, f"{c.upper()} project {n}") for c in ("c1", "c2", "c3") for n in (1, 2, 3)]
    world.entries[slug] = _entries(boss, slug, rows)
    for n in range(3):
        _vote(app, make, slug, f"fan{n}@example.org", "c3", world.entries[slug]["C3 project 1"])
    _vote(app, make, slug, VOTER, "c2", world.entries[slug]["C2 project 2"], new_account=False)  # "already voted"
    with app.app_context():  # what the periodic tick's sweep job runs
        fraud.sweep(contests.get_contest(slug).id, datetime.now(timezone.utc))
        db.session.remove()
    clusters = _ok(boss.get(f"/api/v1/contests/{slug}/fraud/clusters"))["clusters"]
    assert clusters, "the sweep filed no cluster"
    world.cluster = clusters[0]["id"]
    world.job = _ok(boss.post(f"/api/v1/contests/{slug}/counters/rebuild"), 202)["job_id"]


def _results(app, make, boss: Api, world: World) -> None:
    slug = _contest(boss, slug=world.results, title="WSIS Prizes 2020",
                    phases={"submission": window(-30, -10), "voting": window(-1, 10)},
                    voting={"method": "single", "pow_bits": 0, "min_render_seconds": 0},
                    awards={"policy": "public", "winners_per_category": 1})
    world.entries[slug] = _entries(boss, slug, [("c1", "Digital post offices"), ("c1", "Rural broadband"),
                                                ("c2", "Open data portal"), ("c2", "Telemedicine")])
    for n, title in enumerate(["Digital post offices", "Digital post offices", "Rural broadband", "Telemedicine"]):
        category = "c1" if title in {"Digital post offices", "Rural broadband"} else "c2"
        _vote(app, make, slug, f"past{n}@example.org", category, world.entries[slug][title])
    _ok(boss.patch(f"/api/v1/contests/{slug}", json={"phases": {"voting": {
        "closes_at": datetime.now(timezone.utc).isoformat()}}}))
    _ok(boss.post(f"/api/v1/contests/{slug}/tally"), 202)
    run_tallies(app)
    _ok(boss.post(f"/api/v1/contests/{slug}/results/publish"))


def _hack(app, make, boss: Api, world: World, mailbox) -> None:
    slug = _contest(boss, slug=world.hack, kind="hackathon", title="Ageing Better with ICTs",
                    categories=HACK_CATEGORIES, phases={"submission": window(-1, 10), "judging": window(11, 20)})
    make.user(PARTICIPANT, name="Pat Participant")
    participant = _api(app, PARTICIPANT)
    team = _ok(participant.post(f"/api/v1/contests/{slug}/teams", json={"name": "Silver Surfers"}), 201)
    world.team = team["id"]
    _ok(participant.post(f"/api/v1/teams/{team['id']}/invitations", json={"email": VOTER}), 201)
    world.invitation = mailbox.last_token(VOTER)
    made = _entries(participant, slug, [("frailty", "Fall alarm")], team_id=team["id"])
    made |= _entries(participant, slug, [("finance", "Pension helper")], draft=True)
    world.entries[slug] = made
    world.draft = made["Pension helper"]


def _judged(app, make, boss: Api, world: World) -> None:
    make.user(JUDGE, name="Jo Judge")
    slug = _contest(boss, slug=world.judged, kind="hackathon", title="Healthy Ageing Innovation Prize",
                    categories=HACK_CATEGORIES, phases={"submission": window(-20, -10), "judging": window(-1, 5)},
                    judging={"criteria": CRITERIA, "judges_per_entry": 1, "normalization": "none"})
    world.entries[slug] = _entries(boss, slug, [("frailty", "Walk"), ("frailty", "Grip"), ("finance", "Savings")])
    _ok(boss.post(f"/api/v1/contests/{slug}/judges", json={"email": JUDGE, "display_name": "Jo Judge"}), 201)
    _ok(boss.post(f"/api/v1/contests/{slug}/assignments", json={}))
    judge = _api(app, JUDGE)
    items = _ok(judge.get("/api/v1/judging/assignments"))["assignments"]
    mine = [i["entry_id"] for i in items]
    world.assigned, world.to_score, world.submitted = mine
    # One sheet submitted already, so the judge's list and the organiser's progress show both states.
    _ok(judge.put(f"/api/v1/judging/{slug}/entries/{mine[-1]}/score",
                  json={"scores": {"impact": 7, "feasibility": 3}, "submit": True, "comment": "Clear plan"}))

    pair = _contest(boss, slug=world.pairwise, kind="hackathon", title="Photo jury",
                    categories=[{"slug": "frailty", "title": "Frailty and falls"}],
                    phases={"submission": window(-20, -10), "judging": window(-1, 5)}, judging={"mode": "pairwise"})
    world.entries[pair] = _entries(boss, pair, [("frailty", "Balance"), ("frailty", "Steps"), ("frailty", "Rails")])
    _ok(boss.post(f"/api/v1/contests/{pair}/judges", json={"email": JUDGE, "display_name": "Jo Judge"}), 201)


def build(app, make, mailbox) -> World:
    world = World()
    make.organiser(ORGANISER, manages=False)
    boss = _api(app, ORGANISER)
    make.user(VOTER, name="Vic Voter")
    make.user(JOURNEY_VOTER, name="Kim Keyboard")
    _prize(app, make, boss, world)
    _results(app, make, boss, world)
    _hack(app, make, boss, world, mailbox)
    _judged(app, make, boss, world)
    return world
