"""RQ entry points of the intake. They take ids, and running one twice is harmless."""

from __future__ import annotations

from voting import clock, queues
from voting.ballots import counters


def rebuild_counters(contest_id: int) -> dict:
    # One stage: the recount is a single pass over SQL and one swap in Redis,
    # with no point in between where the job could say how far it has gone.
    queues.report_progress("recounting")
    return counters.rebuild(contest_id, clock.now())


def enqueue_rebuild(contest_id: int):
    return queues.enqueue_once("counters", rebuild_counters, f"rebuild-counters-{contest_id}", contest_id,
                                contest_id=contest_id)
