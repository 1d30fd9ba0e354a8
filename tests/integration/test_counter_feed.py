"""Counter updates after the commit go through the process's feed: batched,
sent without a flush within the interval, at once on flush, and restored by
the rebuild when a batch cannot reach Redis."""

from __future__ import annotations

import time

from voting import clock
from voting import redis_keys as keys
from voting.ballots import backends, counters, feed, live
from voting.contests.services import get_contest
from voting.extensions import db

from tests.support.voting import cast, open_contest, voter_api


def soon(application, *update):
    """A counter update through the feed, as the intake of `application` sends it."""
    live.apply_soon(backends.of(application).scripts.apply, application.config["VOTING"].counter_flush_ms, *update)


def board_in_redis(redis_client, contest_id, category_id):
    return {int(m): int(s) for m, s in redis_client.zrange(keys.board(contest_id, category_id), 0, -1,
                                                           withscores=True)}


def contest_ids(app, slug):
    with app.app_context():
        contest = get_contest(slug)
        return contest.id, {c.slug: c.id for c in contest.categories}


def test_updates_arrive_without_a_flush(app, make, redis_client):
    slug, ids = open_contest(app)
    contest_id, categories = contest_ids(app, slug)
    for n in range(3):
        assert cast(voter_api(app, make, f"v{n}@example.org"), slug, "c1", [ids["c1"][0]]).status_code == 201
    deadline = time.monotonic() + 5
    while board_in_redis(redis_client, contest_id, categories["c1"]) != {ids["c1"][0]: 3}:
        assert time.monotonic() < deadline, "the feed did not send its batch"
        time.sleep(0.01)
    assert redis_client.smembers(keys.voted(contest_id, categories["c1"]))


def test_flush_sends_at_once_and_a_second_flush_adds_nothing(app, make, redis_client):
    slug, ids = open_contest(app)
    contest_id, categories = contest_ids(app, slug)
    with app.app_context():
        for ballot_id in (101, 102):
            soon(app, contest_id, categories["c2"], ballot_id, ballot_id, True, {ids["c2"][1]: 1})
        soon(app, contest_id, categories["c2"], 101, 101, True, {ids["c2"][1]: 1})  # the same ballot again
    feed.flush()
    assert board_in_redis(redis_client, contest_id, categories["c2"]) == {ids["c2"][1]: 2}
    feed.flush()
    assert board_in_redis(redis_client, contest_id, categories["c2"]) == {ids["c2"][1]: 2}


def test_a_batch_that_cannot_reach_redis_is_recounted_by_the_rebuild(app, make, make_app, redis_client):
    slug, ids = open_contest(app)
    contest_id, categories = contest_ids(app, slug)
    api = voter_api(app, make)
    assert cast(api, slug, "c1", [ids["c1"][1]]).status_code == 201
    feed.flush()
    unreachable = make_app(redis_url="redis://127.0.0.1:1/0")
    with unreachable.app_context():
        soon(unreachable, contest_id, categories["c2"], 1, 999, True, {ids["c2"][0]: 1})
    feed.flush()  # logged and dropped, not raised
    assert board_in_redis(redis_client, contest_id, categories["c2"]) == {}
    with app.app_context():
        counters.rebuild(contest_id, clock.now())
        db.session.remove()
    assert board_in_redis(redis_client, contest_id, categories["c1"]) == {ids["c1"][1]: 1}


def test_no_batching_when_the_interval_is_zero(app, make, make_app, redis_client):
    slug, ids = open_contest(app)
    contest_id, categories = contest_ids(app, slug)
    at_once = make_app(counter_flush_ms=0)
    with at_once.app_context():
        soon(at_once, contest_id, categories["c1"], 7, 7, True, {ids["c1"][2]: 1})
    assert board_in_redis(redis_client, contest_id, categories["c1"]) == {ids["c1"][2]: 1}


def test_a_batch_after_redis_lost_its_scripts_loads_them_and_counts_once(app, make, redis_client):
    slug, ids = open_contest(app)
    contest_id, categories = contest_ids(app, slug)
    with app.app_context():
        soon(app, contest_id, categories["c2"], 5, 501, True, {ids["c2"][0]: 1})
        feed.flush()
        redis_client.script_flush()  # as after a restart
        soon(app, contest_id, categories["c2"], 6, 502, True, {ids["c2"][0]: 1})
        soon(app, contest_id, categories["c2"], 5, 501, True, {ids["c2"][0]: 1})  # already counted
        feed.flush()
    assert board_in_redis(redis_client, contest_id, categories["c2"]) == {ids["c2"][0]: 2}
