"""The intake's SQL: the voter's row and the ballot INSERT.

Both run for every ballot, so they skip SQLAlchemy's per-statement work (the
ORM, cache keys, result objects): each statement is compiled from the models
once per engine, with its bind processors, and executed on a DBAPI
connection each thread keeps for its ballots. On PostgreSQL the INSERT runs in autocommit, so it
is committed, durably, in the same round trip that runs it. Everything
else in the app goes through the ORM as usual.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from flask import current_app
from sqlalchemy import bindparam, exists, insert, select
from sqlalchemy.engine import Dialect, Engine

from voting.accounts.models import User
from voting.ballots.models import Ballot
from voting.errors import ApiError
from voting.extensions import db

BALLOT_COLUMNS = ("contest_id", "category_id", "voter_id", "receipt_hash", "method", "selection", "status",
                  "flags", "client_ip", "ip_prefix", "user_agent_hash", "device_id", "cast_at", "status_reason",
                  "sealed")


@dataclass(frozen=True)
class Statement:
    sql: str
    names: tuple[str, ...]
    positional: bool
    processors: tuple[Callable[[Any], Any] | None, ...]

    def params(self, values: dict[str, Any]) -> tuple | dict:
        converted = [value if proc is None else proc(value)
                     for value, proc in zip((values[n] for n in self.names), self.processors)]
        return tuple(converted) if self.positional else dict(zip(self.names, converted))


def compile_statement(statement, dialect: Dialect, column_keys: list[str] | None = None) -> Statement:
    compiled = statement.compile(dialect=dialect, column_keys=column_keys)
    names = tuple(compiled.positiontup) if compiled.positional else tuple(compiled.binds)
    processors = tuple(compiled.binds[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names)
    return Statement(str(compiled), names, bool(compiled.positional), processors)


@dataclass(frozen=True)
class Statements:
    voter: Statement
    insert_ballot: Statement
    postgres: bool
    integrity_error: type[Exception]
    outage: tuple[type[Exception], ...]


EXTENSION = "voting_intake_sql"


def _insert_if_signed_in():
    """INSERT … SELECT the ballot's values WHERE the session's account still
    exists with the session's version: a session signed out everywhere (a
    password reset) casts nothing, and checking it costs no round trip."""
    table = Ballot.__table__
    params = {name: bindparam(name, type_=table.c[name].type) for name in BALLOT_COLUMNS}
    signed_in = exists().where(User.id == params["voter_id"], User.session_version == bindparam("session_version"))
    values = select(*params.values()).where(signed_in)
    return insert(table).from_select(list(BALLOT_COLUMNS), values).returning(table.c.id)


def compile_all(engine: Engine) -> Statements:
    dialect, dbapi = engine.dialect, engine.dialect.loaded_dbapi
    voter = select(User.session_version, User.verified_at.is_not(None)).where(User.id == bindparam("id"))
    return Statements(compile_statement(voter, dialect), compile_statement(_insert_if_signed_in(), dialect),
                      dialect.name == "postgresql", dbapi.IntegrityError, (dbapi.OperationalError, dbapi.InterfaceError))


def statements(engine: Engine) -> Statements:
    found = current_app.extensions.get(EXTENSION)
    if found is None:  # a race here compiles twice, harmlessly
        found = current_app.extensions[EXTENSION] = compile_all(engine)
    return found


class Duplicate(Exception):
    """The unique constraint refused the ballot: the voter has voted in that category."""


class IntakeConnection:
    def __init__(self, dbapi_conn, sql: Statements):
        self._conn = dbapi_conn
        self._sql = sql

    def voter(self, user_id: int) -> tuple[int, bool] | None:
        """(session version, verified) of the account, or None if it is gone."""
        cursor = self._conn.cursor()
        try:
            cursor.execute(self._sql.voter.sql, self._sql.voter.params({"id": user_id}))
            row = cursor.fetchone()
        finally:
            cursor.close()
        return None if row is None else (int(row[0]), bool(row[1]))

    def insert_ballot(self, row: dict[str, Any], session_version: int) -> int | None:
        """Commits the ballot and answers its id, or None if the session is no
        longer signed in; raises Duplicate."""
        cursor = self._conn.cursor()
        try:
            cursor.execute(self._sql.insert_ballot.sql,
                           self._sql.insert_ballot.params({**row, "session_version": session_version}))
            found = cursor.fetchone()
            ballot_id = None if found is None else int(found[0])
            if not self._sql.postgres:
                self._conn.commit()
        except self._sql.integrity_error:
            if not self._sql.postgres:
                self._conn.rollback()
            raise Duplicate() from None
        finally:
            cursor.close()
        return ballot_id


class _Held:
    """The connection a thread keeps for its ballots between requests:
    checking one out of the pool and back, and switching autocommit, cost
    more than the INSERT's own Python work. Given back when the thread ends,
    when the app's engine changes, or when it breaks."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.fairy = engine.raw_connection()
        self.used_at = time.monotonic()
        if engine.dialect.name == "postgresql":
            self.fairy.dbapi_connection.autocommit = True

    def usable(self, engine: Engine) -> bool:
        if self.engine is not engine or self.fairy.dbapi_connection is None:
            return False
        if time.monotonic() - self.used_at < IDLE_PING_SECONDS:
            return True
        try:  # idle long enough to have been cut by a restart or a firewall
            cursor = self.fairy.dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            return True
        except Exception as exc:  # whatever the ping met, this connection is done
            self.fairy.invalidate(exc)
            return False

    def release(self, error: BaseException | None = None) -> None:
        fairy, self.fairy = self.fairy, None
        if fairy is None:
            return
        if error is not None:
            fairy.invalidate(error)  # its state is unknown: never hand it out again
        elif fairy.dbapi_connection is not None and self.engine.dialect.name == "postgresql":
            fairy.dbapi_connection.autocommit = False
        fairy.close()

    def __del__(self):
        try:
            self.release()
        except Exception:  # a thread ending, or the interpreter: nothing to tell
            pass


IDLE_PING_SECONDS = 10
_local = threading.local()


def _held(engine: Engine) -> _Held:
    held: _Held | None = getattr(_local, "held", None)
    if held is not None and held.fairy is not None and held.usable(engine):
        return held
    if held is not None:
        held.release()
        _local.held = None
    try:
        _local.held = _Held(engine)
    except Exception as exc:
        raise unavailable() from exc
    return _local.held


@contextmanager
def connection() -> Iterator[IntakeConnection]:
    """This thread's intake connection, for one ballot. A lost database answers 503."""
    engine = db.engine
    sql = statements(engine)
    held = _held(engine)
    try:
        yield IntakeConnection(held.fairy.dbapi_connection, sql)
    except sql.outage as exc:
        held.release(exc)
        _local.held = None
        raise unavailable() from exc
    finally:
        held.used_at = time.monotonic()


def release() -> None:
    """Give this thread's intake connection back to its pool (before the
    engine is disposed, say)."""
    held: _Held | None = getattr(_local, "held", None)
    _local.held = None
    if held is not None:
        held.release()


def unavailable() -> ApiError:
    return ApiError("service_unavailable", "Voting is briefly unavailable. Try again shortly.", 503, retry_after=5)
