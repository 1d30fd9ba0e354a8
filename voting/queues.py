"""Every RQ queue, and the helpers that enqueue on them, in one place.

Queues are named by purpose so that operators can give each its own workers.
Jobs have stable ids, so a job asked for twice while it waits runs once.
"""

from __future__ import annotations

from datetime import datetime, timezone

from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, get_current_job

from voting import clock
from voting.extensions import get_redis

QUEUE_NAMES = ("counters", "fraud", "ledger", "tallies", "default")
DEFAULT_TIMEOUT = 600
PENDING = {"queued", "started", "deferred", "scheduled"}
# RQ has more states than the API shows; everything not yet started reads "queued".
PUBLIC_STATUS = {"started": "started", "finished": "finished", "failed": "failed", "stopped": "failed",
                 "canceled": "failed"}
RETRY = Retry(max=3, interval=[10, 30, 60])


def queue(name: str) -> Queue:
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=get_redis(), default_timeout=DEFAULT_TIMEOUT)


def enqueue_once(queue_name: str, func, job_id: str, *args, timeout: int = DEFAULT_TIMEOUT,
                 contest_id: int | None = None) -> Job:
    """Enqueue unless the same job is still waiting or running; then answer that one.
    A job about one contest says which, so only its organisers may read its status."""
    q = queue(queue_name)
    for _ in range(3):
        try:
            return q.enqueue(func, *args, job_id=job_id, unique=True, job_timeout=timeout, retry=RETRY,
                             result_ttl=3600, failure_ttl=86400, meta={"contest_id": contest_id})
        except DuplicateJobError:
            try:
                existing = Job.fetch(job_id, connection=q.connection)
            except NoSuchJobError:
                continue
            if existing.get_status(refresh=True) in PENDING:
                return existing
            existing.delete()
    raise RuntimeError(f"could not enqueue {job_id}")


def schedule_once(queue_name: str, func, job_id: str, at: datetime, *args) -> None:
    """Schedule a job for `at` unless one with that id exists (several workers may try)."""
    try:
        queue(queue_name).enqueue_at(at, func, *args, job_id=job_id, unique=True, job_timeout=DEFAULT_TIMEOUT,
                                     result_ttl=600)
    except DuplicateJobError:
        pass


def job_status(job_id: str) -> tuple[dict, int | None] | None:
    """(the API's status of the job, the contest it is about), or None when there is no such job."""
    try:
        job = Job.fetch(job_id, connection=get_redis())
    except (NoSuchJobError, ValueError):  # ValueError: not a well-formed job id
        return None
    status = job.get_status(refresh=True)
    status = getattr(status, "value", status)
    public = PUBLIC_STATUS.get(status, "queued")
    body = {"status": public}
    if public == "failed":
        result = job.latest_result()
        lines = (result.exc_string or "").strip().splitlines() if result else []
        body["error"] = lines[-1] if lines else "the job failed"
    if public == "started" and isinstance(job.meta.get("progress"), str):
        body["progress"] = job.meta["progress"]
    contest_id = job.meta.get("contest_id")
    return body, contest_id if isinstance(contest_id, int) else None


def report_progress(stage: str) -> None:
    """From inside a job: the stage it has reached, for its status answer."""
    job = get_current_job()
    if job is not None:
        job.meta["progress"] = stage
        job.save_meta()


def next_slot(now: datetime, interval: int) -> tuple[int, datetime]:
    slot = int(now.timestamp()) // interval + 1
    return slot, datetime.fromtimestamp(slot * interval, timezone.utc)


def ensure_periodic(interval: int) -> None:
    from voting.periodic import periodic_tick

    slot, at = next_slot(clock.now(), interval)
    schedule_once("default", periodic_tick, f"voting-tick-{slot}", at, interval)
