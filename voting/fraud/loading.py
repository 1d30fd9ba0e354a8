"""The ballots for the fraud rules, read straight from SQL into columns
(`voting/fraud/domain/columns.py`), in bounded memory.

`load_ballots(contest_id)` reads every ballot of the contest, for a contest of
a million ballots and more:

- **Only the columns the rules read**, no ORM objects: the ballots' columns in
  one streamed query, the voters' (account creation, mail domain, country) in
  a second query, once per voter. On PostgreSQL the rows come from a binary
  server-side cursor of the session's own connection, in batches, without
  SQLAlchemy's work per row (`batches`), and the cast time comes as integer
  microseconds since the epoch (no datetime object per ballot).
- **A batch at a time into columns**: each batch of rows is turned into
  numpy arrays (strings into codes of a `Table` per column, selections and
  flags parsed once per distinct text: a WSIS contest of 1.3 million
  single-choice ballots has about 1,300 distinct selections), so nothing per
  ballot outlives its batch but its numbers, about 90 bytes.

`load_ballots(contest_id, cast_from=...)` reads only the ballots cast at or
after `cast_from`, plus (`voters_of_recent`) every other ballot of the voters
and devices behind those cast since `voters_from` (default `cast_from`),
which the voter- and device-level rules read whenever they were cast. The
incremental sweep (`voting/fraud/incremental.py`) chooses them. The ballots
come in no particular order: the rules sort them (`columns.cast`).
`load_records` answers the same as `BallotRecord`s (for the tests: the ORM
reference in tests/support/fraud_records.py builds those).
"""

from __future__ import annotations

import ctypes
import itertools
import json
import math
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import numpy as np
from sqlalchemy import BigInteger, String, and_, cast, func, literal_column, null, or_, select, union_all
from sqlalchemy.sql import ColumnElement

from voting.accounts.domain import email_domain
from voting.accounts.models import User
from voting.ballots.domain.selection import increments
from voting.ballots.models import Ballot
from voting.extensions import db
from voting.fraud.domain import rules
from voting.fraud.domain.columns import CLIENT_BITS, CODED, Ballots, Table, flag_bits, ints, stamp
from voting.fraud.domain.records import BallotRecord
from voting.fraud.domain.thresholds import Thresholds

# Rows fetched from the server-side cursor at a time: 5,000 rows of about
# 250 bytes, a megabyte and a quarter in flight.
BATCH = 5000
# Distinct selection texts kept parsed. A single-choice contest has one per
# entry; ranked and score contests can have tens of thousands (each still
# parsed once while the cache holds them). Past this the cache starts again.
MAX_PARSED = 200_000
BALLOT = Ballot.__table__
USER = User.__table__
UTC = timezone.utc
_cursors = itertools.count(1)
# PostgreSQL settings for the loader's reads, restored after: plan the cursor
# for all of its rows (by default a cursor is planned for its first tenth:
# index scans in the key's order), and let the tick's subplans over the
# recent voters and devices be hashed (work_mem bounds the hash tables the
# planner may build from its estimates, which count every recent ballot; the
# tables themselves hold the distinct voters and devices, a few MB).
READ_SETTINGS = {"cursor_tuple_fraction": "1", "work_mem": "256MB"}


def has_page_ms() -> bool:
    """Whether the ballots carry the page time yet (migration 0013 adds `page_ms`)."""
    return "page_ms" in BALLOT.c


def tick_from(first_new: datetime, t: Thresholds | None = None) -> datetime:
    """The `cast_from` that gives the rules every ballot they look back at to
    judge the ballots cast at or after `first_new`: as far back as any rule
    looks (`rules.lookback_seconds`)."""
    return first_new - timedelta(seconds=rules.lookback_seconds(t))


def parts(contest_id: int, cast_from: datetime | None = None, voters_of_recent: bool = True,
          voters_from: datetime | None = None) -> list[ColumnElement[bool]]:
    """WHERE clauses (on `ballots`) of the ballots `load_ballots` reads, each
    ballot in exactly one: cast since `cast_from`; or before it, by a voter
    who cast a ballot since `voters_from` or on a device used since then.
    PostgreSQL reads the second in one scan with two hashed subplans (see
    `READ_SETTINGS`): a join would be planned from estimates that go wrong
    here, and an anti-join by a nested loop (minutes)."""
    in_contest = BALLOT.c.contest_id == contest_id
    if cast_from is None:
        return [in_contest]
    recent = and_(in_contest, BALLOT.c.cast_at >= cast_from)
    if not voters_of_recent:
        return [recent]
    since = cast_from if voters_from is None else voters_from
    other = BALLOT.alias("recent")
    since_then = [other.c.contest_id == contest_id, other.c.cast_at >= since]
    voters = select(other.c.voter_id).where(*since_then).distinct()
    devices = select(other.c.device_id).where(*since_then, other.c.device_id != "").distinct()
    before = and_(in_contest, BALLOT.c.cast_at < cast_from,
                  or_(BALLOT.c.voter_id.in_(voters), and_(BALLOT.c.device_id != "", BALLOT.c.device_id.in_(devices))))
    return [recent, before]


def postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def cast_time(column=None):
    """The cast time as the rows carry it: on PostgreSQL integer microseconds
    since the epoch (exact: EXTRACT gives a numeric), elsewhere the datetime."""
    column = BALLOT.c.cast_at if column is None else column
    if postgres():
        return cast(func.extract(literal_column("'epoch'"), column) * 1_000_000, BigInteger)
    return column


def ballot_statement(where: list[ColumnElement[bool]]):
    """The ballots' columns the rules read, selections and flags as text."""
    columns = [BALLOT.c.id, BALLOT.c.category_id, BALLOT.c.voter_id, BALLOT.c.method,
               cast(BALLOT.c.selection, String), cast(BALLOT.c.flags, String), BALLOT.c.ip_prefix,
               BALLOT.c.device_id, BALLOT.c.user_agent_hash, cast_time(),
               BALLOT.c.page_ms if has_page_ms() else null()]
    selects = [select(*columns).where(w) for w in where]
    return selects[0] if len(selects) == 1 else union_all(*selects)


def voter_statement(where: list[ColumnElement[bool]]):
    """The voters of those ballots: account creation, address, country."""
    ids = [select(BALLOT.c.voter_id).where(w) for w in where]
    return (select(USER.c.id, USER.c.created_at, USER.c.email_normalised, USER.c.country)
            .where(USER.c.id.in_(ids[0] if len(ids) == 1 else union_all(*ids))))


def batches(statement) -> Iterator[list[tuple]]:
    """The statement's rows in batches, streamed. On PostgreSQL through
    psycopg: a server-side cursor of the session's own connection (and
    transaction), binary, without SQLAlchemy's work per row (half the time of
    a million rows); timestamps come naive (see `utc`). Elsewhere through
    SQLAlchemy."""
    connection = db.session.connection()
    dialect = connection.dialect
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        raw = connection.connection.driver_connection
        with raw.cursor(name=f"fraud_records_{next(_cursors)}", binary=True) as cursor:
            cursor.execute(sql)
            while rows := cursor.fetchmany(BATCH):
                yield rows
        return
    result = db.session.execute(statement.execution_options(stream_results=True, max_row_buffer=BATCH))
    try:
        yield from iter(lambda: result.fetchmany(BATCH), [])
    finally:
        result.close()


def utc(value: Any) -> datetime:
    """A stored UTC time as the models give it (voting.types.UTCDateTime)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Voters:
    """Per voter id: account creation (a stamp), mail domain and country (codes)."""

    def __init__(self, tables: dict[str, Table]):
        self.tables = tables
        self.ids = np.zeros(0, dtype=np.int64)
        self.created = np.zeros(0)
        self.domain = self.country = np.zeros(0, dtype=np.int32)

    def read(self, statement) -> "Voters":
        ids, created, domains, countries = [], [], [], []
        for rows in batches(statement):
            for uid, made, email, country in rows:
                ids.append(uid)
                created.append(stamp(utc(made)))
                domains.append(email_domain(email))
                countries.append(country)
        order = np.argsort(np.array(ids, dtype=np.int64), kind="stable")
        self.ids = np.array(ids, dtype=np.int64)[order]
        self.created = np.array(created, dtype=np.float64)[order]
        self.domain = self.tables["domain"].encode(domains)[order]
        self.country = self.tables["country"].encode(countries)[order]
        return self

    def index(self, voter: np.ndarray) -> np.ndarray:
        """Where each voter id is (-1: not read, a voter newer than the read)."""
        if not len(self.ids):
            return np.full(len(voter), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.ids, voter), len(self.ids) - 1)
        return np.where(self.ids[at] == voter, at, -1)


class Builder:
    """Columns built a batch of rows at a time; selections and flags parsed once per distinct text."""

    def __init__(self, tables: dict[str, Table]):
        self.tables = tables
        self.parsed: dict[tuple[str, Any], tuple[int, ...]] = {}
        self.flags: dict[Any, int] = {}
        self.chunks: dict[str, list[np.ndarray]] = {k: [] for k in
                                                    ("ids", "category", "voter", "stamps", "page", "flags",
                                                     "prefix", "device", "ua", "counts", "entries")}

    def entries_of(self, method: str, text: Any) -> tuple[int, ...]:
        if len(self.parsed) >= MAX_PARSED:
            self.parsed.clear()
        value = json.loads(text) if isinstance(text, str) else text
        found = self.parsed[(method, text)] = tuple(sorted(set(increments(method, value))))
        return found

    def flag_bits(self, text: Any) -> int:
        found = self.flags[text] = flag_bits(json.loads(text) if isinstance(text, str) else (text or ()))
        return found

    def add(self, rows: list[tuple]) -> None:
        ids, category, voter, method, selection, flags, prefix, device, ua, cast_at, page = zip(*rows)
        c = self.chunks
        c["ids"].append(np.array(ids, dtype=np.int64))
        c["category"].append(np.array(category, dtype=np.int64))
        c["voter"].append(np.array(voter, dtype=np.int64))
        get = self.parsed.get
        entries = [get((m, s)) for m, s in zip(method, selection)]
        if None in entries:
            entries = [e if e is not None else self.entries_of(m, s) for e, m, s in zip(entries, method, selection)]
        c["counts"].append(np.fromiter(map(len, entries), dtype=np.int64, count=len(entries)))
        c["entries"].append(np.fromiter(itertools.chain.from_iterable(entries), dtype=np.int64))
        bits = [self.flags.get(f) for f in flags]
        if None in bits:
            bits = [b if b is not None else self.flag_bits(f) for b, f in zip(bits, flags)]
        c["flags"].append(np.array(bits, dtype=np.uint8))
        for name, column in (("prefix", prefix), ("device", device), ("ua", ua)):
            c[name].append(self.tables[name].encode(column))
        if isinstance(cast_at[0], int):  # microseconds (PostgreSQL): exactly datetime.timestamp()
            c["stamps"].append(np.array(cast_at, dtype=np.int64) / 1_000_000)
        else:
            c["stamps"].append(np.array([stamp(utc(v)) for v in cast_at], dtype=np.float64))
        c["page"].append(np.array([math.nan if ms is None else ms for ms in page], dtype=np.float64) / 1000)

    def finish(self, voters: Voters) -> Ballots:
        """The columns, each voter's values joined in; ballots of a voter the
        voters' read did not see (committed between the two reads) left for
        the next sweep."""
        columns: dict[str, np.ndarray] = {}
        for name, chunks in self.chunks.items():
            columns[name] = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
            chunks.clear()
        for name in ("ids", "category", "voter"):
            columns[name] = ints(columns[name])
        for name in ("prefix", "device", "ua"):
            columns[name] = columns[name].astype(np.int32)
        columns["flags"] = columns["flags"].astype(np.uint8)
        columns["stamps"], columns["page"] = columns["stamps"].astype(np.float64), columns["page"].astype(np.float64)
        counts = columns.pop("counts")
        start = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=start[1:])
        flat = ints(columns.pop("entries"))
        at = voters.index(columns["voter"])
        known = at >= 0
        if not known.all():
            keep_entries = np.repeat(known, counts)
            flat, counts = flat[keep_entries], counts[known]
            start = np.zeros(len(counts) + 1, dtype=np.int64)
            np.cumsum(counts, out=start[1:])
            columns = {name: value[known] for name, value in columns.items()}
            at = at[known]
        columns["created"], columns["domain"], columns["country"] = (voters.created[at], voters.domain[at],
                                                                     voters.country[at])
        return Ballots(columns, ints(start), flat, self.tables)


def load_ballots(contest_id: int, cast_from: datetime | None = None, voters_of_recent: bool = True, *,
                 voters_from: datetime | None = None) -> Ballots:
    """The ballots the rules judge, as columns (in no particular order).

    Without `cast_from`: every ballot of the contest (a full sweep). With it:
    the ballots cast at or after `cast_from` and, with `voters_of_recent`,
    every other ballot (whenever cast) of their voters and of their devices.
    `voters_from` (default `cast_from`) narrows the voters and devices whose
    other ballots are added to those behind the ballots cast since then.

    Runs in the caller's session (and transaction): the reads see one state
    of the ballots only if that transaction's isolation gives one."""
    return read(parts(contest_id, cast_from, voters_of_recent, voters_from))


def read(where: list[ColumnElement[bool]], tables: dict[str, Table] | None = None,
         voters: list[int] | None = None) -> Ballots:
    """The ballots of these WHERE clauses (each ballot in one) and their
    voters (`voters`, when the caller knows them: a superset), as columns."""
    tables = tables or {name: Table() for name in CODED}
    release_memory()
    before = configure(READ_SETTINGS) if postgres() else {}
    try:
        if voters is None:
            voters = load_voters(voter_statement(where), tables)
        else:
            voters = load_voters(select(USER.c.id, USER.c.created_at, USER.c.email_normalised, USER.c.country)
                                 .where(USER.c.id.in_(voters)), tables)
        builder = Builder(tables)
        for rows in batches(ballot_statement(where)):
            builder.add(rows)
        ballots = builder.finish(voters)
    finally:
        if before:
            configure(before)
    del builder, voters
    release_memory()
    return ballots


def release_memory() -> None:
    """Give the memory the load freed back to the system, and keep the
    rules' large temporaries out of the heap. glibc maps a large allocation
    on its own (freed, it goes back at once) until a freed one raises its
    threshold past that size; from then on arrays of a million ballots come
    from the heap and, freed, stay in the process (80 MB of a 1.3-million-
    ballot load, and the rules' temporaries on top). A fixed threshold of
    256 KB keeps every column and temporary mapped on its own. Elsewhere than
    glibc, nothing to do."""
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(M_MMAP_THRESHOLD, 256 * 1024)  # idempotent: the read calls it first too
        libc.malloc_trim(0)
    except (AttributeError, OSError):
        pass


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter (malloc.h)


def load_voters(statement, tables: dict[str, Table]) -> Voters:
    return Voters(tables).read(statement)


def load_records(contest_id: int, cast_from: datetime | None = None, voters_of_recent: bool = True, *,
                 voters_from: datetime | None = None) -> list[BallotRecord]:
    """`load_ballots` as records (what the rules read of each ballot; the
    address and the status, which no rule reads, are not loaded)."""
    return to_records(load_ballots(contest_id, cast_from, voters_of_recent, voters_from=voters_from))


def to_records(ballots: Ballots) -> list[BallotRecord]:
    values = {name: ballots.tables[name].values for name in CODED}
    out = []
    for k in range(len(ballots)):
        page = float(ballots.page[k])
        out.append(BallotRecord(
            id=int(ballots.ids[k]), category_id=int(ballots.category[k]),
            entries=tuple(ballots.entry_ids[ballots.entry_start[k]:ballots.entry_start[k + 1]].tolist()),
            voter_id=int(ballots.voter[k]), voter_created_at=datetime.fromtimestamp(float(ballots.created[k]), UTC),
            voter_email_domain=values["domain"][ballots.domain[k]], voter_country=values["country"][ballots.country[k]],
            ip="", prefix=values["prefix"][ballots.prefix[k]], device_id=values["device"][ballots.device[k]],
            user_agent_hash=values["ua"][ballots.ua[k]],
            cast_at=datetime.fromtimestamp(float(ballots.stamps[k]), UTC),
            flags=tuple(name for name, bit in CLIENT_BITS.items() if ballots.flags[k] & bit),
            page_seconds=None if math.isnan(page) else page))
    return out


def configure(settings: dict[str, str]) -> dict[str, str]:
    """Set PostgreSQL settings for the rest of the transaction (SET LOCAL);
    answers what they were."""
    was = {}
    for name, value in settings.items():
        was[name] = db.session.scalar(select(func.current_setting(name)))
        db.session.execute(select(func.set_config(name, value, True)))
    return was

