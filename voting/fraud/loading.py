"""Ballot records for the fraud rules, read straight from SQL in bounded memory.

`load_records(contest_id)` builds what `services.load_records` builds (one
`BallotRecord` per ballot of the contest), for a contest of a million ballots
and more:

- **Only the columns the rules read**, no ORM objects: the ballots' columns in
  one streamed query, the voters' (account creation, mail domain, country) in
  a second query, once per voter, shared by all of that voter's records. On
  PostgreSQL the rows come from a binary server-side cursor of the session's
  own connection, in batches, without SQLAlchemy's work per row (`batches`).
- **Repeated values are interned** per load: a voter's ten ballots share one
  address, prefix, device and user-agent string, one category id, one
  `entries` tuple (at most one per entry for single and approval ballots), one
  flags tuple and one creation datetime, instead of ten copies of each.
- **Selections and flags are parsed once per distinct text**: the JSON column
  is read as text (`CAST … AS VARCHAR`, so neither psycopg nor SQLAlchemy
  parses it per row) and turned into entries with
  `voting.ballots.domain.selection.increments`, as the services do, once per
  (method, text): a WSIS contest of 1.3 million single-choice ballots has
  about 1,300 distinct selections.
- **The collector is paused** while the records are built (they are all kept:
  collecting them young would only walk them again and again), and each
  record is built positionally.

For the periodic tick, `cast_from` reads only the ballots cast at or after
it, plus (`voters_of_recent`) every other ballot of the voters and devices
behind them, which the voter- and device-level rules read whenever those were
cast. The caller chooses `cast_from`: to judge the ballots cast since `t0`
exactly as a full sweep would, `cast_from = tick_from(t0, thresholds)`
(`rules.lookback_seconds` before it), and `voters_from` may narrow whose other
ballots are added (see `load_records`). The records come in no particular
order: the rules sort them (`rules_common.cast`).
"""

from __future__ import annotations

import gc
import itertools
import json
from dataclasses import fields
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Iterator

from sqlalchemy import String, and_, cast, func, null, or_, select, union_all
from sqlalchemy.sql import ColumnElement

from voting.accounts.domain import email_domain
from voting.accounts.models import User
from voting.ballots.domain.selection import increments
from voting.ballots.models import Ballot
from voting.extensions import db
from voting.fraud.domain import rules
from voting.fraud.domain.records import BallotRecord
from voting.fraud.domain.thresholds import Thresholds

# Rows fetched from the server-side cursor at a time: 5,000 rows of about
# 300 bytes, a megabyte and a half in flight.
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

# The record's fields in the order this loader supplies them; built positionally
# while BallotRecord's fields begin with these (faster than by keyword), else by keyword.
ORDER = ("id", "category_id", "entries", "voter_id", "voter_created_at", "voter_email_domain", "voter_country",
         "ip", "prefix", "device_id", "user_agent_hash", "cast_at", "status", "flags", "page_seconds")
POSITIONAL = tuple(f.name for f in fields(BallotRecord))[:len(ORDER)] == ORDER


def has_page_ms() -> bool:
    """Whether the ballots carry the page time yet (migration 0013 adds `page_ms`)."""
    return "page_ms" in BALLOT.c


def tick_from(first_new: datetime, t: Thresholds | None = None) -> datetime:
    """The `cast_from` that lets the rules judge every ballot cast at or after
    `first_new` as a full sweep would: as far back as any rule looks."""
    return first_new - timedelta(seconds=rules.lookback_seconds(t))


def parts(contest_id: int, cast_from: datetime | None = None, voters_of_recent: bool = True,
          voters_from: datetime | None = None) -> list[ColumnElement[bool]]:
    """WHERE clauses (on `ballots`) of the ballots `load_records` reads, each
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


def ballot_statement(where: list[ColumnElement[bool]]):
    """The ballots' columns the rules read, selections and flags as text."""
    columns = [BALLOT.c.id, BALLOT.c.category_id, BALLOT.c.voter_id, BALLOT.c.method,
               cast(BALLOT.c.selection, String), BALLOT.c.status, cast(BALLOT.c.flags, String),
               BALLOT.c.client_ip, BALLOT.c.ip_prefix, BALLOT.c.device_id, BALLOT.c.user_agent_hash,
               BALLOT.c.cast_at, BALLOT.c.page_ms if has_page_ms() else null()]
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


class Interner:
    """One shared object per distinct value, for the length of one load."""

    def __init__(self) -> None:
        self.strings: dict[Any, Any] = {}
        self.entries: dict[str, dict[str, tuple[int, ...]]] = {}  # per method: selection text -> entries
        self.flags: dict[Any, tuple[str, ...]] = {}
        self.seconds: dict[Any, float | None] = {None: None}

    def entries_of(self, method: str, text: Any) -> tuple[int, ...]:
        """The entries a ballot supports, as `services.load_records` computes them."""
        parsed = self.entries.setdefault(method, {})
        if len(parsed) >= MAX_PARSED:
            parsed.clear()
        value = json.loads(text) if isinstance(text, str) else text
        found = tuple(sorted(increments(method, value)))
        found = parsed[text] = self.strings.setdefault(("entries", found), found)
        return found

    def flags_of(self, text: Any) -> tuple[str, ...]:
        value = json.loads(text) if isinstance(text, str) else text
        found = self.flags[text] = tuple(self.strings.setdefault(f, f) for f in value or ())
        return found

    def page_seconds(self, ms: Any) -> float | None:
        if len(self.seconds) >= MAX_PARSED:
            self.seconds.clear()
            self.seconds[None] = None
        found = self.seconds[ms] = ms / 1000
        return found


def load_voters(statement, intern: Interner) -> dict[int, tuple]:
    """Per voter id: (id, created_at, email domain, country), each value shared."""
    same = intern.strings.setdefault
    voters = {}
    for rows in batches(statement):
        for uid, created, email, country in rows:
            domain = email_domain(email)
            voters[uid] = (uid, utc(created), same(domain, domain), None if country is None else same(country, country))
    return voters


def build(batches: Iterable[list[tuple]], voters: dict[int, tuple], intern: Interner) -> list[BallotRecord]:
    """The records, every repeated value shared. The loop runs once per ballot:
    the caches are read inline, the slow paths only for a value not seen yet."""
    same = intern.strings.setdefault
    by_method, flag_cache, seconds = intern.entries, intern.flags, intern.seconds
    make: Callable[..., BallotRecord] = (BallotRecord if POSITIONAL
                                         else lambda *values: BallotRecord(**dict(zip(ORDER, values))))
    out: list[BallotRecord] = []
    append = out.append
    last_method, parsed = None, {}
    convert = None
    for rows in batches:
        if convert is None and rows:
            stamp = rows[0][11]
            # Naive datetimes (PostgreSQL through psycopg): only the zone to add.
            convert = ((lambda v: v.replace(tzinfo=UTC)) if isinstance(stamp, datetime) and stamp.tzinfo is None
                       else utc)
        for bid, category, voter, method, text, status, flags, ip, prefix, device, ua, cast_at, ms in rows:
            if method != last_method:
                last_method, parsed = method, by_method.setdefault(method, {})
            entries = parsed.get(text)
            if entries is None:
                entries = intern.entries_of(method, text)
                parsed = by_method[method]
            flag_tuple = flag_cache.get(flags)
            if flag_tuple is None:
                flag_tuple = intern.flags_of(flags)
            page = seconds.get(ms, False)
            if page is False:
                page = intern.page_seconds(ms)
            known = voters.get(voter)
            if known is None:  # a new voter's ballot committed after the voters' query: the next sweep's
                continue
            uid, created, domain, country = known
            append(make(bid, same(category, category), entries, uid, created, domain, country, same(ip, ip),
                        same(prefix, prefix), same(device, device), same(ua, ua), convert(cast_at),
                        same(status, status), flag_tuple, page))
    return out


def load_records(contest_id: int, cast_from: datetime | None = None, voters_of_recent: bool = True, *,
                 voters_from: datetime | None = None) -> list[BallotRecord]:
    """The records the rules judge, as `services.load_records` builds them (in
    no particular order).

    Without `cast_from`: every ballot of the contest (a full sweep). With it:
    the ballots cast at or after `cast_from` and, with `voters_of_recent`,
    every other ballot (whenever cast) of their voters and of their devices.
    `voters_from` (default `cast_from`) narrows the voters and devices whose
    other ballots are added to those behind the ballots cast since then: a
    tick reads the rules' whole lookback (`tick_from`) but needs the other
    ballots only of the voters the rules can still flag, those of the last
    day or so (the longest window that flags voters or devices).

    Runs in the caller's session (and transaction): the reads see one state
    of the ballots only if that transaction's isolation gives one."""
    where = parts(contest_id, cast_from, voters_of_recent, voters_from)
    intern = Interner()
    session = db.session
    postgres = session.get_bind().dialect.name == "postgresql"
    before = configure(READ_SETTINGS) if postgres else {}
    paused = gc.isenabled()
    gc.disable()
    try:
        voters = load_voters(voter_statement(where), intern)
        return build(batches(ballot_statement(where)), voters, intern)
    finally:
        if paused:
            gc.enable()
        if before:
            configure(before)


def configure(settings: dict[str, str]) -> dict[str, str]:
    """Set PostgreSQL settings for the rest of the transaction (SET LOCAL);
    answers what they were."""
    was = {}
    for name, value in settings.items():
        was[name] = db.session.scalar(select(func.current_setting(name)))
        db.session.execute(select(func.set_config(name, value, True)))
    return was
