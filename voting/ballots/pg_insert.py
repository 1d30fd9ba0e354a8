"""The ballot INSERT on PostgreSQL, through libpq's own prepared statement.

psycopg's cursor adapts every parameter in its Python layer, looks the query
up in its cache and builds cursor and result objects: on the project's
machine that was about 30 µs of CPU per ballot, as much as the round trip
costs in libpq itself. The intake keeps its connections per thread
(`store.py`), so the INSERT is prepared once per connection and run with
PQexecPrepared on parameters sent as text. The GIL is released while libpq
waits, as in psycopg's own calls.
"""

from __future__ import annotations

import json
import re
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

import psycopg
from psycopg import pq
from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import NullType, TypeEngine

NAME = b"voting_intake_insert_ballot"
NO_SUCH_STATEMENT = b"26000"  # e.g. after DEALLOCATE ALL: prepared again
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


Encoder = Callable[[Any], "bytes | None"]


@dataclass(frozen=True)
class Prepared:
    sql: bytes  # with $1, $2, … for the names, in order
    names: tuple[str, ...]
    encoders: tuple[Encoder, ...]  # each name's value to PostgreSQL's text input format


def numbered(compiled: SQLCompiler, dialect: Dialect) -> Prepared:
    """The psycopg dialect's compiled statement (`%(name)s`) with libpq's
    numbered parameters, and an encoder for each."""
    order: dict[str, int] = {}

    def number(match: re.Match) -> str:
        return f"${order.setdefault(match.group(1), len(order) + 1)}"

    text = PLACEHOLDER.sub(number, str(compiled)).replace("%%", "%")
    return Prepared(text.encode(), tuple(order), tuple(encoder(compiled.binds[name].type, dialect) for name in order))


def encoder(kind: TypeEngine, dialect: Dialect) -> Encoder:
    """JSON as its text (as SQLAlchemy's JSON sends it, None as `null`;
    psycopg's own processor wraps the value for psycopg's adapter), other
    types through SQLAlchemy's bind processor (UTC datetimes made naive),
    plain integers and strings directly. A type it does not know stops the
    app at start rather than sending something unexpected."""
    if isinstance(kind, JSON):
        return lambda value: json.dumps(value).encode()
    processor = kind.dialect_impl(dialect).bind_processor(dialect)
    if processor is not None:
        return lambda value: as_text(processor(value))
    if isinstance(kind, String):
        return lambda value: None if value is None else _text(value)
    if isinstance(kind, (Integer, Boolean, NullType)):
        return as_text
    raise TypeError(f"no text encoding for {kind!r}")


def _text(value: str) -> bytes:
    # libpq sends text parameters as C strings: a NUL would cut the value short unseen.
    if "\x00" in value:
        raise ValueError("a NUL character cannot be stored")
    return value.encode()


def as_text(value: Any) -> bytes | None:
    """A parameter in PostgreSQL's text input format."""
    if value is None:
        return None
    if isinstance(value, bool):
        return b"t" if value else b"f"
    if isinstance(value, datetime):
        return value.isoformat().encode()
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, (int, float)):
        return str(value).encode()
    raise TypeError(f"no text encoding for {type(value).__name__}")


# Connections this statement is prepared on; one closed is dropped by itself.
_ready: weakref.WeakSet = weakref.WeakSet()


def _prepare(conn, prepared: Prepared) -> None:
    result = conn.pgconn.prepare(NAME, prepared.sql)
    if result.status != pq.ExecStatus.COMMAND_OK:
        raise _error(conn, result)
    _ready.add(conn)


def _error(conn, result) -> psycopg.Error:
    if conn.pgconn.status != pq.ConnStatus.OK:  # the server went away: psycopg says so the same way
        return psycopg.OperationalError(result.get_error_message(conn.info.encoding) or "connection lost")
    return psycopg.errors.error_from_result(result, encoding=conn.info.encoding)


def run(conn: psycopg.Connection, prepared: Prepared, values: dict[str, Any]) -> int | None:
    """Runs the INSERT … RETURNING id on a connection in autocommit (so it
    commits) and answers the id, or None when it inserted nothing. Raises
    psycopg's errors as its cursor would (a UniqueViolation for a duplicate)."""
    params = [encode(values[name]) for name, encode in zip(prepared.names, prepared.encoders)]
    if conn not in _ready:
        _prepare(conn, prepared)
    result = conn.pgconn.exec_prepared(NAME, params)
    if result.status != pq.ExecStatus.TUPLES_OK and result.error_field(pq.DiagnosticField.SQLSTATE) == NO_SUCH_STATEMENT:
        _prepare(conn, prepared)
        result = conn.pgconn.exec_prepared(NAME, params)
    if result.status != pq.ExecStatus.TUPLES_OK:
        raise _error(conn, result)
    return int(result.get_value(0, 0)) if result.ntuples else None
