"""Live counters: the organisers' leaderboard, and rebuilding the counters
from SQL (after a Redis restart, a missed update, or on the schedule)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, select

from voting.ballots import backends, feed, live
from voting.ballots.domain import selection
from voting.ballots.models import Ballot
from voting.contests.models import Contest, Entry
from voting.extensions import db

# Ballots cast this recently may still be committing; the rebuild adds them
# one by one (idempotently) instead of from the snapshot.
SETTLE = timedelta(seconds=10)
CHUNK = 5000


def rebuild(contest_id: int, now: datetime) -> dict[str, int]:
    contest = db.session.get(Contest, contest_id)
    if contest is None:
        return {"ballots": 0}
    feed.flush()  # nothing of this process's still on its way while the counts are swapped
    watermark = db.session.scalar(select(func.max(Ballot.id)).where(
        Ballot.contest_id == contest_id, Ballot.cast_at <= now - SETTLE)) or 0
    boards, totals = _tally(contest_id, Ballot.id <= watermark)
    for category in contest.categories:  # categories without ballots are emptied too
        boards.setdefault(category.id, {})
    live.replace_counters(contest_id, boards, totals, watermark)
    counted = sum(totals.values())

    late = db.session.scalars(select(Ballot).where(Ballot.contest_id == contest_id, Ballot.id > watermark)
                              .order_by(Ballot.id))
    for ballot in late:
        counted += ballot.status == "counted"
        live.apply(backends.current().scripts.apply, contest_id, ballot.category_id, ballot.voter_id, ballot.id, ballot.status == "counted",
                   selection.increments(ballot.method, ballot.selection))

    voters: dict[int, list[int]] = defaultdict(list)
    rows = db.session.execute(select(Ballot.category_id, Ballot.voter_id).where(Ballot.contest_id == contest_id)
                              .execution_options(yield_per=CHUNK))
    for category_id, voter_id in rows:
        voters[category_id].append(voter_id)
        if len(voters[category_id]) >= CHUNK:
            live.mark_voted(contest_id, category_id, voters.pop(category_id))
    for category_id, ids in voters.items():
        live.mark_voted(contest_id, category_id, ids)
    return {"ballots": counted, "watermark": watermark}


def _tally(contest_id: int, *conditions) -> tuple[dict[int, dict[int, int]], dict[int, int]]:
    """Counted ballots from SQL: (per category, what they add per entry; per category, how many)."""
    boards: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    totals: dict[int, int] = defaultdict(int)
    rows = db.session.execute(
        select(Ballot.category_id, Ballot.method, Ballot.selection)
        .where(Ballot.contest_id == contest_id, Ballot.status == "counted", *conditions)
        .execution_options(yield_per=CHUNK))
    for category_id, method, chosen in rows:
        totals[category_id] += 1
        for entry_id, amount in selection.increments(method, chosen).items():
            boards[category_id][entry_id] += amount
    return {c: dict(b) for c, b in boards.items()}, dict(totals)


def sql_counts(contest_id: int) -> dict[int, dict[int, int]]:
    """Counted-ballot totals per category and entry, straight from SQL."""
    return _tally(contest_id)[0]


def leaderboard(contest: Contest) -> list[dict]:
    approved: dict[int, list[int]] = defaultdict(list)
    for category_id, entry_id in db.session.execute(
            select(Entry.category_id, Entry.id).where(Entry.contest_id == contest.id, Entry.status == "approved")):
        approved[category_id].append(entry_id)
    result = []
    for category in contest.categories:
        counts = live.board(contest.id, category.id)
        ids = set(approved[category.id]) | set(counts)
        ranked = sorted(ids, key=lambda e: (-counts.get(e, 0), e))
        result.append({"slug": category.slug,
                       "entries": [{"entry_id": e, "votes": counts.get(e, 0)} for e in ranked]})
    return result
