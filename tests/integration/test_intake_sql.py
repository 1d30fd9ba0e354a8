"""The intake's ballot INSERT: compiled once with every parameter typed, run
on PostgreSQL as libpq's own prepared statement, prepared again when the
server has forgotten it; and the gate's rate-limit counters expire."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import LargeBinary, insert, select, text
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.exc import IntegrityError

from voting.ballots import pg_insert, store
from voting.ballots.models import Ballot
from voting.extensions import db

from tests.support.voting import cast, open_contest, voter_api


def test_every_parameter_of_the_postgresql_insert_is_typed(app):
    dialect = postgresql_psycopg.dialect()
    prepared = pg_insert.numbered(store._insert_if_signed_in().compile(dialect=dialect), dialect)
    sql = prepared.sql.decode()
    numbers = re.findall(r"\$(\d+)(::)?", sql)
    assert numbers and all(cast for _n, cast in numbers), sql  # a foreign key's type must be known
    assert set(prepared.names) == set(store.BALLOT_COLUMNS) | {"session_version"}
    assert "sealed" not in sql  # left to its server default


def test_parameters_in_postgresql_text_format(app):
    dialect = postgresql_psycopg.dialect()
    prepared = pg_insert.numbered(store._insert_if_signed_in().compile(dialect=dialect), dialect)
    encode = dict(zip(prepared.names, prepared.encoders))
    assert encode["contest_id"](7) == b"7"
    assert encode["selection"]({"12": 3}) == b'{"12": 3}'
    assert encode["flags"]([]) == b"[]"
    assert encode["status_reason"](None) is None
    assert encode["device_id"]("é") == "é".encode()
    when = datetime(2021, 5, 18, 12, 0, 1, 5, tzinfo=timezone.utc)
    assert encode["cast_at"](when) == b"2021-05-18T12:00:01.000005"
    assert encode["selection"](None) == b"null"  # as SQLAlchemy's JSON sends None
    with pytest.raises(ValueError):
        encode["device_id"]("a\x00b")  # libpq would cut it short unseen
    with pytest.raises(TypeError):
        pg_insert.encoder(LargeBinary(), dialect)


def test_only_the_one_ballot_a_voter_constraint_means_already_voted(app, make):
    slug, ids = open_contest(app)
    api = voter_api(app, make)
    assert cast(api, slug, "c1", [ids["c1"][0]]).status_code == 201
    errors = []
    with app.app_context():
        ballot = db.session.scalars(select(Ballot)).one()
        values = {c: getattr(ballot, c) for c in store.BALLOT_COLUMNS}
        db.session.remove()
        for change in ({}, {"category_id": 999999}):  # the same voter again; a category that is gone
            with db.engine.connect() as conn:
                try:
                    conn.execute(insert(Ballot.__table__).values(**{**values, "receipt_hash": "f" * 64, **change}))
                except IntegrityError as exc:
                    errors.append(exc.orig)
    duplicate, missing_category = errors
    assert store.is_duplicate(duplicate) and not store.is_duplicate(missing_category)


def test_a_statement_the_server_forgot_is_prepared_again(app, make):
    slug, ids = open_contest(app)
    api = voter_api(app, make)
    assert cast(api, slug, "c1", [ids["c1"][0]]).status_code == 201
    held = store._local.held
    if held.engine.dialect.name != "postgresql":
        pytest.skip("libpq's prepared statements are PostgreSQL's (CI runs this on PostgreSQL)")
    held.fairy.dbapi_connection.execute("DEALLOCATE ALL")
    assert cast(api, slug, "c2", [ids["c2"][0]]).status_code == 201
    with app.app_context():
        assert len(db.session.scalars(select(Ballot)).all()) == 2
        db.session.remove()


def test_a_duplicate_is_refused_by_the_database_through_the_prepared_statement(app, make, redis_client):
    slug, ids = open_contest(app)
    api = voter_api(app, make)
    assert cast(api, slug, "c1", [ids["c1"][0]]).status_code == 201
    redis_client.flushdb()  # no pre-check left: the unique constraint answers
    resp = cast(api, slug, "c1", [ids["c1"][1]])
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "already_voted"
    assert cast(api, slug, "c2", [ids["c2"][0]]).status_code == 201  # the kept connection is still good
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM ballots")).scalar() == 2
        db.session.remove()


def test_rate_limit_counters_expire(app, make, redis_client):
    slug, ids = open_contest(app, rate_limits={"account": "5/minute", "ip": "100/hour"})
    api = voter_api(app, make)
    for category in ("c1", "c2"):
        assert cast(api, slug, category, [ids[category][0]]).status_code == 201
    counters = [k.decode() for k in redis_client.keys("*:rl:*")]
    assert {k.split(":")[3] for k in counters} >= {"account", "ip"}
    for key in counters:
        assert 0 < redis_client.pttl(key) <= 2 * 3600 * 1000, key
    account = [k for k in counters if ":rl:account:" in k]
    assert [int(redis_client.get(k)) for k in account] == [2]
