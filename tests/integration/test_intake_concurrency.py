"""The intake under concurrent load, against the real database and Redis."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from voting.ballots.models import Ballot
from voting.ballots import counters
from voting.contests.services import get_contest
from voting.extensions import db

from tests.support.voting import open_contest, proof, voter_api
from tests.support.threads import run_together


def test_fifty_concurrent_attempts_by_one_voter_count_once(app, make):
    slug, ids = open_contest(app)
    api = voter_api(app, make)
    proofs = [proof(api, slug) for _ in range(50)]
    cookie = api.client.get_cookie("session")
    url = f"/api/v1/contests/{slug}/ballots"

    def attempt(p, entry):
        client = app.test_client()
        client.set_cookie("session", cookie.value)
        return client.post(url, json={"category": "c1", "selection": [entry], "pow": p},
                           headers={"X-CSRFToken": api.csrf}).status_code

    codes = run_together([lambda p=p, i=i: attempt(p, ids["c1"][i % 3]) for i, p in enumerate(proofs)])
    assert Counter(codes) == Counter({201: 1, 409: 49})
    with app.app_context():
        ballots = db.session.scalars(select(Ballot)).all()
        assert len(ballots) == 1 and ballots[0].status == "counted"
        board = counters.leaderboard(get_contest(slug))
    assert sum(e["votes"] for e in board[0]["entries"]) == 1


def test_counters_equal_sql_after_a_concurrent_burst(app, make):
    slug, ids = open_contest(app, rate_limits={"ip": "10000/hour", "prefix": "10000/hour"})
    voters = [voter_api(app, make, f"v{n}@example.org") for n in range(24)]
    plans = []
    for n, api in enumerate(voters):
        for category in ("c1", "c2"):
            entry = ids[category][(n * 7 + len(category)) % 3]
            plans.append((api, category, entry, proof(api, slug)))

    def send(api, category, entry, p):
        return api.post(f"/api/v1/contests/{slug}/ballots",
                        json={"category": category, "selection": [entry], "pow": p}).status_code

    codes = run_together([lambda plan=plan: send(*plan) for plan in plans])
    assert codes == [201] * len(plans)
    with app.app_context():
        contest = get_contest(slug)
        live = {row["slug"]: {e["entry_id"]: e["votes"] for e in row["entries"] if e["votes"]}
                for row in counters.leaderboard(contest)}
        sql = counters.sql_counts(contest.id)
        by_slug = {c.slug: sql.get(c.id, {}) for c in contest.categories}
    assert live == by_slug
    assert sum(live["c1"].values()) == 24 and sum(live["c2"].values()) == 24
