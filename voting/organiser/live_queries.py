"""Read-only queries behind the live view (voting/organiser/live.py): ballots
per hour, the ballots by status, the last ledger seal, and the live counters'
totals beside SQL's. Each reads an index-sized slice: the hours are grouped in
the database over a bounded window, never fetched ballot by ballot."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select

from voting import redis_keys as keys
from voting.ballots import feed
from voting.ballots.models import Ballot
from voting.extensions import db, get_redis
from voting.ledger.models import LedgerBatch


def _hour_of_cast():
    """The hour a ballot was cast in, computed by the database (cast_at is
    stored as naive UTC on both backends, so no time zone comes into it)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date_trunc("hour", Ballot.cast_at)
    return func.strftime("%Y-%m-%d %H:00:00", Ballot.cast_at)


def _as_hour(value) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=timezone.utc)


def ballots_per_hour(contest_id: int, start: datetime, end: datetime) -> dict[datetime, int]:
    """Ballots cast in each hour from `start` up to `end` (every status: the
    chart shows the vote's pace, held ballots included), grouped in SQL."""
    hour = _hour_of_cast().label("hour")
    rows = db.session.execute(
        select(hour, func.count()).where(Ballot.contest_id == contest_id, Ballot.cast_at >= start,
                                         Ballot.cast_at < end).group_by(hour))
    return {_as_hour(at): n for at, n in rows}


def by_status(contest_id: int) -> dict[str, int]:
    """How many of the contest's ballots are counted, under review, invalidated."""
    return dict(db.session.execute(select(Ballot.status, func.count()).where(Ballot.contest_id == contest_id)
                                   .group_by(Ballot.status)).all())


def last_seal(contest_id: int) -> dict | None:
    """The newest ledger batch (its number, time, size) and how many ballots the ledger holds in all."""
    batch = db.session.execute(select(LedgerBatch.seq, LedgerBatch.sealed_at, LedgerBatch.size)
                               .where(LedgerBatch.contest_id == contest_id)
                               .order_by(LedgerBatch.seq.desc()).limit(1)).first()
    if batch is None:
        return None
    sealed = db.session.scalar(select(func.sum(LedgerBatch.size)).where(LedgerBatch.contest_id == contest_id))
    return {"seq": batch.seq, "sealed_at": batch.sealed_at, "size": batch.size, "ballots": sealed or 0}


def live_counted(contest_id: int) -> int:
    """The counted ballots the live counters hold (the sum of their per-category
    totals). Raises redis.RedisError while Redis cannot be reached."""
    feed.flush()  # this process's own recent ballots included, as the leaderboard does
    return sum(int(v) for v in get_redis().hvals(keys.totals(contest_id)))
