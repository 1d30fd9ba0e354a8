"""Data for the property-based fuzz test (tests/api/test_fuzz.py): a contest in
its voting phase with entries, a voter who has voted once, a fraud cluster
holding that ballot and a queued job, so that fuzzed requests whose path names
real things reach the code behind the lookups, and the organiser's team in a
hackathon taking entries; on request, contests of the other voting methods
(for ballots) and a photo contest (for uploads)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from voting.extensions import db

from tests.support.api import Api
from tests.support.factories import PASSWORD, spec
from tests.support.teams import form_team, hackathon
from tests.support.voting import cast

ORGANISER = "organiser@example.org"
VOTER = "voter@example.org"
MAIN = "wsis-prizes-test"
PHOTO = "photo-test"
# Every ballot reaches the intake: no proof of work, no render-time check.
OPEN_INTAKE = {"pow_bits": 0, "min_render_seconds": 0}
METHODS = {"single": {}, "approval": {"max_choices": 2}, "ranked": {}, "score": {}}


@dataclass
class FuzzData:
    slug: str
    entries: dict[str, list[int]]
    receipt: str
    ballot_ids: list[int]
    cluster_id: int
    job_id: str
    organiser: Api = field(repr=False)
    organiser_id: int = 0
    voter_id: int = 0
    voter_email: str = VOTER
    # Further contests by voting method (the main one is `single`) and the photo contest, when asked for.
    by_method: dict[str, str] = field(default_factory=dict)
    photo: str | None = None
    entries_of: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    team_id: int = 0  # the organiser's team, in a hackathon taking entries

    @property
    def categories(self) -> list[str]:
        return sorted(self.entries)

    @property
    def entry_ids(self) -> list[int]:
        return [i for ids in self.entries.values() for i in ids]


def signed_in(app, email: str) -> Api:
    api = Api(app.test_client())
    api.login(email, PASSWORD)
    api.refresh_csrf()  # signing in makes the session's CSRF secret anew
    return api


def answer(resp, status: int) -> Any:
    assert resp.status_code == status, resp.get_data(as_text=True)[:500]
    return resp.get_json()


def contest_with_entries(organiser: Api, slug: str, kind: str = "prize", per_category: int = 3,
                         **voting: Any) -> dict[str, list[int]]:
    """A contest in its voting phase, made through the API, with approved entries: {category: [entry ids]}."""
    contest = answer(organiser.post("/api/v1/contests", json=spec(slug=slug, kind=kind,
                                                                  voting={**OPEN_INTAKE, **voting})), 201)
    entries: dict[str, list[int]] = {}
    for category in contest["categories"]:
        for i in range(per_category if kind != "photo" else 0):
            entry = answer(organiser.post(f"/api/v1/contests/{slug}/entries",
                                          json={"category": category["slug"], "title": f"{category['slug']}-{i}"}),
                           201)
            entries.setdefault(category["slug"], []).append(entry["id"])
    return entries


def cluster_of(app, slug: str, ballot_ids: list[int], rule: str = "burst") -> int:
    """A fraud cluster, as a sweep would file it, holding these ballots."""
    from voting.contests.models import Contest
    from voting.fraud.models import FraudCluster, FraudClusterBallot

    with app.app_context():
        contest = db.session.query(Contest).filter_by(slug=slug).one()
        cluster = FraudCluster(contest_id=contest.id, rule=rule, key="fuzz", evidence={"why": "fuzzing"})
        db.session.add(cluster)
        db.session.flush()
        for ballot_id in ballot_ids:
            db.session.add(FraudClusterBallot(cluster_id=cluster.id, ballot_id=ballot_id))
        db.session.commit()
        cluster_id = cluster.id
        db.session.remove()
    return cluster_id


def ballot_ids_of(app, slug: str) -> list[int]:
    from voting.ballots.models import Ballot
    from voting.contests.models import Contest

    with app.app_context():
        contest = db.session.query(Contest).filter_by(slug=slug).one()
        ids = sorted(b.id for b in db.session.query(Ballot).filter_by(contest_id=contest.id))
        db.session.remove()
    return ids


def fuzz_data(app, make, methods: Iterable[str] = (), photo: bool = False) -> FuzzData:
    """Everything above, made through the API as far as it goes: the organiser and the voter (verified
    accounts), the main contest (`single`), one contest per further voting method asked for, and a photo
    contest if asked for. The voter has voted in category c2 of the main contest."""
    organiser_id = make.organiser(ORGANISER).id
    voter_id = make.user(VOTER).id
    organiser = signed_in(app, ORGANISER)
    entries = contest_with_entries(organiser, MAIN, method="single")
    entries_of = {MAIN: entries}
    by_method = {"single": MAIN}
    for method in methods:
        if method not in by_method:
            slug = f"{MAIN}-{method}"
            entries_of[slug] = contest_with_entries(organiser, slug, method=method, **METHODS[method])
            by_method[method] = slug
    if photo:
        contest_with_entries(organiser, PHOTO, kind="photo", method="single")
    voter = signed_in(app, VOTER)
    voted = cast(voter, MAIN, "c2", [entries["c2"][0]])
    assert voted.status_code == 201, voted.get_data(as_text=True)
    ballot_ids = ballot_ids_of(app, MAIN)
    job = answer(organiser.post(f"/api/v1/contests/{MAIN}/counters/rebuild"), 202)
    hackathon(make, slug="hack")
    team = form_team(organiser, slug="hack")
    return FuzzData(slug=MAIN, entries=entries, receipt=voted.get_json()["receipt"], ballot_ids=ballot_ids,
                    cluster_id=cluster_of(app, MAIN, ballot_ids), job_id=job["job_id"], organiser=organiser,
                    organiser_id=organiser_id, voter_id=voter_id,
                    by_method=by_method, photo=PHOTO if photo else None, entries_of=entries_of,
                    team_id=team["id"])
