"""RQ entry points of the intake. They take ids, and running one twice is harmless."""

from __future__ import annotations

from sqlalchemy import select

from voting import clock, queues
from voting.ballots import counters
from voting.contests import phases
from voting.contests.models import Contest
from voting.extensions import db


def rebuild_counters(contest_id: int) -> dict:
    return counters.rebuild(contest_id, clock.now())


def enqueue_rebuild(contest_id: int):
    return queues.enqueue_once("counters", rebuild_counters, f"rebuild-counters-{contest_id}", contest_id)


def periodic_tick(interval: int) -> int:
    """Repair counter drift of every contest in its voting phase, then book the next tick."""
    now = clock.now()
    started = 0
    for contest in db.session.scalars(select(Contest).where(Contest.voting_opens_at <= now)):
        window = contest.windows()["voting"]
        # A little past the close too, so the last ballots' counters are repaired.
        if window and (phases.is_open(contest.windows(), "voting", now) or
                       (now - window.closes_at).total_seconds() < 2 * interval):
            enqueue_rebuild(contest.id)
            started += 1
    slot, at = queues.next_slot(now, interval)
    queues.schedule_once("default", periodic_tick, f"voting-tick-{slot}", at, interval)
    return started
