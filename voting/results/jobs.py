"""RQ entry points of the results, on the `tallies` queue. They take ids and
are safe to run twice: a tally of unchanged data finds its snapshot already
stored (same hash) and stores nothing; a booked publication that already
happened does nothing."""

from __future__ import annotations

from datetime import datetime, timezone

from rq.job import Job
from sqlalchemy import select

from voting import clock, queues
from voting.extensions import db
from voting.results.models import ResultSnapshot

TALLY_TIMEOUT = 1800  # a WSIS-sized tally takes seconds; the margin is for a loaded machine


def tally_contest(contest_id: int, preview: bool, user_id: int | None) -> dict:
    from voting.results import tally  # the job's code, loaded in the worker only

    return tally.run(contest_id, preview, user_id, clock.now(), progress=queues.report_progress)


def publish_booked(snapshot_id: int, booked_for: float | None = None) -> bool:
    from voting.results import services

    at = datetime.fromtimestamp(booked_for, timezone.utc) if booked_for is not None else None
    return services.publish_due(snapshot_id, at, clock.now())


def enqueue_tally(contest_id: int, preview: bool, user_id: int | None) -> Job:
    kind = "preview" if preview else "final"
    return queues.enqueue_once("tallies", tally_contest, f"tally-{contest_id}-{kind}", contest_id, preview, user_id,
                               timeout=TALLY_TIMEOUT, contest_id=contest_id)


def enqueue_due(now: datetime) -> int:
    """Publish every booked result whose time has passed (the periodic tick's
    net under the scheduled jobs: a lost one must not keep a result hidden)."""
    due = list(db.session.scalars(select(ResultSnapshot.id).where(
        ResultSnapshot.publish_at <= now, ResultSnapshot.published_at.is_(None))))
    for snapshot_id in due:
        queues.enqueue_once("tallies", publish_booked, f"publish-results-{snapshot_id}-due", snapshot_id, None)
    return len(due)


def schedule_publication(snapshot_id: int, at: datetime) -> None:
    queues.schedule_once("tallies", publish_booked, f"publish-results-{snapshot_id}-{int(at.timestamp())}", at,
                         snapshot_id, at.timestamp())
