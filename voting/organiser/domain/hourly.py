"""Which hours the live view's chart shows, and the count of each: pure, on
plain datetimes (the query in voting/organiser/live_queries.py groups the
ballots by hour in the database and hands the counts here)."""

from __future__ import annotations

from datetime import datetime, timedelta

HOUR = timedelta(hours=1)
# The chart's reach: three days of hours is 72 columns, still readable at
# 320 px, and the query reads at most that much of the ballots' index.
MAX_HOURS = 72


def floor_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def window(opens: datetime | None, closes: datetime | None, now: datetime,
           max_hours: int = MAX_HOURS) -> tuple[datetime, datetime] | None:
    """(first hour, end) of the chart: the voting window up to now, its last
    `max_hours` hours at most; None before voting has opened (or without a
    window). `end` is exclusive: the hour after the last one shown."""
    if opens is None or opens > now:
        return None
    last = min(now, closes) if closes is not None else now
    end = floor_hour(last) + HOUR
    start = max(floor_hour(opens), end - max_hours * HOUR)
    return start, end


def series(counts: dict[datetime, int], start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """Every hour from `start` up to `end`, with its count (0 for an hour without ballots)."""
    found = []
    hour = start
    while hour < end:
        found.append((hour, counts.get(hour, 0)))
        hour += HOUR
    return found

