"""Data for the property-based fuzz test (tests/api/test_fuzz.py): a contest in
its voting phase with entries, a voter who has voted once, a fraud cluster
holding that ballot and a queued job, so that fuzzed requests whose path names
real things reach the code behind the lookups."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from voting.extensions import db

from tests.support.api import Api
from tests.support.factories import PASSWORD, spec
from tests.support.voting import cast

ORGANISER = "organiser@example.org"
VOTER = "voter@example.org"


@dataclass
class FuzzData:
    slug: str
    entries: dict[str, list[int]]
    receipt: str
    ballot_ids: list[int]
    cluster_id: int
    job_id: str
    organiser: Api = field(repr=False)

    @property
    def categories(self) -> list[str]:
        return sorted(self.entries)

    @property
    def entry_ids(self) -> list[int]:
        return [i for ids in self.entries.values() for i in ids]


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


def signed_in(app, email: str) -> Api:
    api = Api(app.test_client())
    api.login(email, PASSWORD)
    api.refresh_csrf()  # signing in makes the session's CSRF secret anew
    return api


def created(resp, status: int = 201) -> Any:
    assert resp.status_code == status, resp.get_data(as_text=True)[:500]
    return resp.get_json()


def fuzz_data(app, make, entries_per_category: int = 3) -> FuzzData:
    """Everything above, made through the API as far as it goes (no proof of work: pow_bits 0, so that
    fuzzed ballots reach the selection checks and the intake)."""
    make.organiser(ORGANISER)
    make.user(VOTER)
    organiser = signed_in(app, ORGANISER)
    contest = created(organiser.post("/api/v1/contests", json=spec(
        voting={"method": "single", "pow_bits": 0, "min_render_seconds": 0})))
    slug = contest["slug"]
    entries: dict[str, list[int]] = {}
    for category in contest["categories"]:
        for i in range(entries_per_category):
            entry = created(organiser.post(f"/api/v1/contests/{slug}/entries",
                                           json={"category": category["slug"], "title": f"{category['slug']}-{i}"}))
            entries.setdefault(category["slug"], []).append(entry["id"])
    voter = signed_in(app, VOTER)
    voted = cast(voter, slug, "c2", [entries["c2"][0]])
    assert voted.status_code == 201, voted.get_data(as_text=True)
    ballot_ids = ballot_ids_of(app, slug)
    job = organiser.post(f"/api/v1/contests/{slug}/counters/rebuild")
    assert job.status_code == 202, job.get_data(as_text=True)
    return FuzzData(slug=slug, entries=entries, receipt=voted.get_json()["receipt"], ballot_ids=ballot_ids,
                    cluster_id=cluster_of(app, slug, ballot_ids), job_id=job.get_json()["job_id"],
                    organiser=organiser)
