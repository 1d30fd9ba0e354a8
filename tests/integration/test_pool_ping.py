"""Pooled connections are pinged only after sitting idle; a dead one is
replaced instead of failing the request that draws it."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text

from voting.app import ping_when_idle
from voting.extensions import IDLE_PING_SECONDS


@pytest.fixture
def engine(app):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=1, max_overflow=0)
    ping_when_idle(engine)
    yield engine
    engine.dispose()


def test_an_idle_dead_connection_is_replaced(engine):
    first = engine.raw_connection()
    first_dbapi = first.dbapi_connection
    record = first._connection_record
    first.close()  # back to the pool
    first_dbapi.close()  # the server or a firewall cut it meanwhile
    record.info["idle_since"] = time.monotonic() - IDLE_PING_SECONDS - 1
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
        assert conn.connection.dbapi_connection is not first_dbapi


def test_a_connection_in_steady_use_is_not_pinged(engine):
    first = engine.raw_connection()
    first_dbapi = first.dbapi_connection
    first.close()
    first_dbapi.close()  # were it pinged, the pool would replace it
    again = engine.raw_connection()
    try:
        assert again.dbapi_connection is first_dbapi  # handed out as it was: no round trip spent on it
    finally:
        again.invalidate()
        again.close()
