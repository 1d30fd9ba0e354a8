"""The connections each thread keeps for its ballots, to the database and to
Redis: kept between ballots, given back when the thread ends, and replaced
when the server cut them."""

from __future__ import annotations

import gc
import threading

import pytest
from sqlalchemy import select, text

from voting.ballots import backends, feed, held_redis, store
from voting.ballots.models import Ballot
from voting.extensions import db

from tests.support.voting import cast, open_contest, voter_api


def kept():
    return store._local.held


def cut(app, held) -> None:
    """What a database restart or a firewall does to an open connection."""
    if held.engine.dialect.name == "postgresql":
        pid = held.fairy.dbapi_connection.info.backend_pid
        with app.app_context(), db.engine.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    else:
        held.fairy.dbapi_connection.close()


@pytest.fixture
def pool(app):
    store.release()
    with app.app_context():
        engine_pool = db.engine.pool
    yield engine_pool
    store.release()


def test_a_thread_keeps_one_connection_for_its_ballots_and_gives_it_back_when_it_ends(app, make, pool):
    slug, ids = open_contest(app)
    api = voter_api(app, make)
    baseline = pool.checkedout()
    for category in ("c1", "c2"):
        assert cast(api, slug, category, [ids[category][0]]).status_code == 201
    assert pool.checkedout() == baseline + 1
    first = kept().fairy

    other = voter_api(app, make, "other@example.org")
    answers = []
    thread = threading.Thread(target=lambda: answers.append(cast(other, slug, "c1", [ids["c1"][1]]).status_code))
    thread.start()
    thread.join()
    gc.collect()
    assert answers == [201]
    assert pool.checkedout() == baseline + 1  # the ended thread's connection is back in the pool
    assert kept().fairy is first

    store.release()
    assert pool.checkedout() == baseline


def test_a_connection_cut_while_idle_is_replaced_before_the_ballot(app, make, pool):
    slug, ids = open_contest(app)
    api = voter_api(app, make)
    assert cast(api, slug, "c1", [ids["c1"][0]]).status_code == 201
    held = kept()
    cut(app, held)
    held.used_at -= store.IDLE_PING_SECONDS + 1
    assert cast(api, slug, "c2", [ids["c2"][0]]).status_code == 201
    assert kept() is not held


def test_a_connection_cut_in_use_answers_503_and_the_next_ballot_goes_through(app, make, pool):
    slug, ids = open_contest(app)
    api = voter_api(app, make)
    assert cast(api, slug, "c1", [ids["c1"][0]]).status_code == 201
    if kept().engine.dialect.name != "postgresql":
        pytest.skip("a server cuts connections; SQLite has none (CI runs this on PostgreSQL)")
    cut(app, kept())
    resp = cast(api, slug, "c2", [ids["c2"][0]])
    assert resp.status_code == 503 and resp.get_json()["error"]["code"] == "service_unavailable"
    assert resp.headers["Retry-After"]
    assert cast(api, slug, "c2", [ids["c2"][0]]).status_code == 201


def test_a_thread_keeps_one_redis_connection_for_the_gate(app, make, redis_client):
    held_redis.release()
    slug, ids = open_contest(app)
    api = voter_api(app, make)
    assert cast(api, slug, "c1", [ids["c1"][0]]).status_code == 201
    first = held_redis._local.held.conn
    pool = held_redis._local.held.client.connection_pool
    assert cast(api, slug, "c2", [ids["c2"][0]]).status_code == 201
    assert held_redis._local.held.conn is first and first in pool._in_use_connections

    other = voter_api(app, make, "other@example.org")
    thread = threading.Thread(target=lambda: cast(other, slug, "c1", [ids["c1"][1]]))
    thread.start()
    thread.join()
    gc.collect()
    feed.flush()  # the counter feed's batch holds a connection while it goes
    assert pool._in_use_connections == {first}  # the ended thread's is back in the pool
    held_redis.release()
    assert first not in pool._in_use_connections


def test_a_redis_connection_cut_between_ballots_is_replaced_and_lost_scripts_reloaded(app, make, redis_client):
    slug, ids = open_contest(app)
    api = voter_api(app, make)
    assert cast(api, slug, "c1", [ids["c1"][0]]).status_code == 201
    held = held_redis._local.held.conn
    held.send_command("CLIENT", "ID")
    redis_client.script_flush()  # as a restart would: the scripts gone, and the connection
    assert redis_client.client_kill_filter(_id=held.read_response()) == 1
    assert cast(api, slug, "c2", [ids["c2"][0]]).status_code == 201
    with app.app_context():
        flags = [b.flags for b in db.session.scalars(select(Ballot))]
        db.session.remove()
    assert not any("redis_unavailable" in f for f in flags)  # the second went through the gate


def test_threads_keep_all_but_one_of_the_pools_connections_and_the_rest_use_one_per_ballot(app, pool):
    with app.app_context():
        baseline = pool.checkedout()
        limit = store._keep_limit(pool)
        helds = [store._Held(db.engine) for _ in range(limit + 1)]
        assert [h.keep for h in helds] == [True] * limit + [False]
        for held in helds:
            held.release()
        assert pool.checkedout() == baseline
        assert store._Held(db.engine).keep  # the share is free again


def test_an_error_inside_a_ballot_leaves_no_transaction_open(app, pool):
    with app.app_context():
        with pytest.raises(RuntimeError):
            found = backends.of(app)
            with store.connection(found.engine, found.statements) as conn:
                cursor = conn._conn.cursor()
                cursor.execute("UPDATE users SET display_name = display_name WHERE id = -1")
                raise RuntimeError("a bug after a statement")
        dbapi = kept().fairy.dbapi_connection
        if kept().engine.dialect.name == "postgresql":
            assert dbapi.info.transaction_status.name == "IDLE"
        else:
            assert not dbapi.in_transaction


def test_a_disposed_pool_is_not_used_again(app, make, pool):
    slug, ids = open_contest(app)
    api = voter_api(app, make)
    assert cast(api, slug, "c1", [ids["c1"][0]]).status_code == 201
    held = kept()
    with app.app_context():
        db.engine.dispose()
    assert cast(api, slug, "c2", [ids["c2"][0]]).status_code == 201
    assert kept() is not held and kept().pool is not held.pool
