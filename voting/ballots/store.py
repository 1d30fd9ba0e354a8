"""The intake's SQL: the voter's row and the ballot INSERT.

Both run for every ballot, so they skip SQLAlchemy's per-statement work (the
ORM, cache keys, result objects): each statement is compiled from the models
once per engine, with its bind processors, and executed on a DBAPI
connection each thread keeps for its ballots. On PostgreSQL the INSERT runs
in autocommit, so it is committed, durably, in the same round trip that runs
it, and as libpq's own prepared statement (`pg_insert.py`). Everything else
in the app goes through the ORM as usual.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from sqlalchemy import UniqueConstraint, bindparam, exists, insert, select
from sqlalchemy.engine import Dialect, Engine

from voting.accounts.models import User
from voting.ballots import pg_insert
from voting.ballots.models import Ballot
from voting.errors import ApiError
from voting.extensions import IDLE_PING_SECONDS, POOL_RECYCLE_SECONDS, ping

log = logging.getLogger(__name__)

# `sealed` is left to its server default (false): a ballot is sealed into the ledger later.
BALLOT_COLUMNS = ("contest_id", "category_id", "voter_id", "receipt_hash", "method", "selection", "status",
                  "flags", "client_ip", "ip_prefix", "user_agent_hash", "device_id", "cast_at", "status_reason",
                  "page_ms")


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
    postgres: pg_insert.Prepared | None  # the INSERT as libpq runs it, on PostgreSQL
    integrity_error: type[Exception]
    outage: tuple[type[Exception], ...]


def _insert_if_signed_in():
    """INSERT … SELECT the ballot's values WHERE the session's account still
    exists with the session's version: a session signed out everywhere (a
    password reset) casts nothing, and checking it costs no round trip."""
    table = Ballot.__table__
    params = {name: bindparam(name, type_=table.c[name].type) for name in BALLOT_COLUMNS}
    signed_in = exists().where(User.id == params["voter_id"], User.session_version == bindparam("session_version"))
    values = select(*params.values()).where(signed_in)
    return insert(table).from_select(list(BALLOT_COLUMNS), values, include_defaults=False).returning(table.c.id)


def compile_all(engine: Engine) -> Statements:
    """Once per app (`ballots/backends.py`): compiling needs the dialect, not a connection."""
    dialect, dbapi = engine.dialect, engine.dialect.loaded_dbapi
    voter = select(User.session_version, User.verified_at.is_not(None)).where(User.id == bindparam("id"))
    postgres = (pg_insert.numbered(_insert_if_signed_in().compile(dialect=dialect), dialect)
                if dialect.name == "postgresql" else None)
    return Statements(compile_statement(voter, dialect), compile_statement(_insert_if_signed_in(), dialect),
                      postgres, dbapi.IntegrityError, (dbapi.OperationalError, dbapi.InterfaceError))


class Duplicate(Exception):
    """The unique constraint refused the ballot: the voter has voted in that category."""


ONE_A_VOTER = ("contest_id", "category_id", "voter_id")


def _one_a_voter_constraint() -> str:
    return next(str(c.name) for c in Ballot.__table__.constraints
                if isinstance(c, UniqueConstraint) and tuple(col.name for col in c.columns) == ONE_A_VOTER)


def is_duplicate(error: Exception) -> bool:
    """Whether an integrity error is the one-ballot-a-voter constraint's, not
    another (a category deleted meanwhile, a receipt hash met twice)."""
    diag = getattr(error, "diag", None)  # psycopg names the constraint
    if diag is not None:
        return diag.constraint_name == _one_a_voter_constraint()
    return "UNIQUE constraint failed: " + ", ".join(f"ballots.{c}" for c in ONE_A_VOTER) in str(error)  # SQLite


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
        if self._sql.postgres is not None:
            try:
                return pg_insert.run(self._conn, self._sql.postgres, {**row, "session_version": session_version})
            except self._sql.integrity_error as exc:
                if is_duplicate(exc):
                    raise Duplicate() from None
                raise
        cursor = self._conn.cursor()
        try:
            cursor.execute(self._sql.insert_ballot.sql,
                           self._sql.insert_ballot.params({**row, "session_version": session_version}))
            found = cursor.fetchone()
            ballot_id = None if found is None else int(found[0])
            self._conn.commit()
        except self._sql.integrity_error as exc:
            self._conn.rollback()
            if is_duplicate(exc):
                raise Duplicate() from None
            raise
        finally:
            cursor.close()
        return ballot_id


_local = threading.local()
_kept: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # pool -> connections kept by threads
_kept_lock = threading.Lock()
_abandoned: list = []  # a forked child's inherited connections: never closed here


def _keep_limit(pool) -> int:
    """Threads may keep all but one of the pool's standing connections; the
    ORM's requests and any further threads check theirs out per use."""
    size = pool.size() if callable(getattr(pool, "size", None)) else 5
    return max(1, size - 1)


class _Held:
    """The connection a thread keeps for its ballots between requests:
    checking one out of the pool and back, and switching autocommit, cost
    more than the INSERT's own Python work. Given back when the thread ends,
    when the app's engine or pool changes, after an hour, or when it breaks;
    a thread beyond the pool's share (see `_keep_limit`) uses one per ballot."""

    def __init__(self, engine: Engine):
        self.engine, self.pool, self.pid = engine, engine.pool, os.getpid()
        self.fairy = engine.raw_connection()
        self.born = self.used_at = time.monotonic()
        try:
            if engine.dialect.name == "postgresql":
                self.fairy.dbapi_connection.autocommit = True
        except Exception as exc:
            self.fairy.invalidate(exc)
            self.fairy.close()
            self.fairy = None
            raise
        with _kept_lock:
            self.keep = _kept.get(self.pool, 0) < _keep_limit(self.pool)
            if self.keep:
                _kept[self.pool] = _kept.get(self.pool, 0) + 1

    def usable(self, engine: Engine) -> bool:
        if (self.fairy is None or self.fairy.dbapi_connection is None or self.engine is not engine
                or engine.pool is not self.pool or self.pid != os.getpid()):
            return False
        now = time.monotonic()
        if now - self.born >= POOL_RECYCLE_SECONDS:
            return False
        if now - self.used_at < IDLE_PING_SECONDS:
            return True
        try:  # idle long enough to have been cut by a restart or a firewall
            ping(self.fairy.dbapi_connection)
            return True
        except Exception as exc:  # whatever the ping met, this connection is done
            self.fairy.invalidate(exc)
            return False

    def release(self, error: BaseException | None = None) -> None:
        fairy, self.fairy = self.fairy, None
        if fairy is None:
            return
        if self.keep:
            with _kept_lock:
                _kept[self.pool] = max(0, _kept.get(self.pool, 0) - 1)
        if self.pid != os.getpid():  # closing it here would cut the parent's connection
            _abandoned.append(fairy)
            return
        try:
            if error is None and fairy.dbapi_connection is not None and self.engine.dialect.name == "postgresql":
                fairy.dbapi_connection.autocommit = False
        except Exception as exc:
            error = exc
        try:
            if error is not None:
                fairy.invalidate(error)  # its state is unknown: never hand it out again
        finally:
            fairy.close()

    def __del__(self):
        try:
            self.release()
        except Exception:  # a thread ending, or the interpreter: nothing to tell
            pass


def _take(engine: Engine) -> _Held:
    held: _Held | None = getattr(_local, "held", None)
    if held is not None:
        if held.usable(engine):
            return held
        _local.held = None
        try:
            held.release()
        except Exception:
            log.warning("could not give back an intake connection", exc_info=True)
    try:
        fresh = _Held(engine)
    except Exception as exc:
        raise unavailable() from exc
    if fresh.keep:
        _local.held = fresh
    return fresh


def _drop(held: _Held, error: BaseException) -> None:
    if getattr(_local, "held", None) is held:
        _local.held = None
    held.release(error)


@contextmanager
def connection(engine: Engine, sql: Statements) -> Iterator[IntakeConnection]:
    """This thread's intake connection, for one ballot. A lost database answers 503."""
    held = _take(engine)
    try:
        yield IntakeConnection(held.fairy.dbapi_connection, sql)
    except sql.outage as exc:
        _drop(held, exc)
        raise unavailable() from exc
    except BaseException:
        # Any other error: leave no transaction open on a connection that
        # stays (SQLite would keep its lock); if that fails, it goes.
        try:
            held.fairy.dbapi_connection.rollback()
        except Exception as err:
            _drop(held, err)
        raise
    finally:
        held.used_at = time.monotonic()
        if not held.keep:
            held.release()


def release() -> None:
    """Give this thread's intake connection back to its pool."""
    held: _Held | None = getattr(_local, "held", None)
    _local.held = None
    if held is not None:
        held.release()


def unavailable() -> ApiError:
    return ApiError("service_unavailable", "Voting is briefly unavailable. Try again shortly.", 503, retry_after=5)
