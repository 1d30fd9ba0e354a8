"""Every RQ queue, and the helpers that enqueue on them, in one place.

Queues are named by purpose so that operators can give each its own workers.
Jobs have stable ids, so a job asked for twice while it waits runs once.
"""

from __future__ import annotations

from datetime import datetime, timezone

from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, get_current_job
from rq.registry import DeferredJobRegistry, FailedJobRegistry, FinishedJobRegistry, ScheduledJobRegistry, \
    StartedJobRegistry

from voting import clock
from voting.extensions import get_redis

QUEUE_NAMES = ("counters", "fraud", "ledger", "tallies", "default")
DEFAULT_TIMEOUT = 600
PENDING = {"queued", "started", "deferred", "scheduled"}
# RQ has more states than the API shows; everything not yet started reads "queued".
PUBLIC_STATUS = {"started": "started", "finished": "finished", "failed": "failed", "stopped": "failed",
                 "canceled": "failed"}
RETRY = Retry(max=3, interval=[10, 30, 60])
# How many ids of each queue and registry contest_jobs looks through (newest
# first): the finished and failed registries hold every contest's jobs of the
# last hour and day, and a console page must stay quick however busy the rest is.
REGISTRY_SCAN = 200
REGISTRIES = (StartedJobRegistry, DeferredJobRegistry, ScheduledJobRegistry, FinishedJobRegistry, FailedJobRegistry)


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


def _public_status(job: Job) -> str:
    status = job.get_status(refresh=True)
    return PUBLIC_STATUS.get(getattr(status, "value", status), "queued")


def _error(job: Job) -> str:
    """The last line of a failed job's traceback: the exception and its message."""
    result = job.latest_result()
    lines = (result.exc_string or "").strip().splitlines() if result else []
    return lines[-1] if lines else "the job failed"


def _contest_of(job: Job) -> int | None:
    contest_id = job.meta.get("contest_id")
    return contest_id if isinstance(contest_id, int) and not isinstance(contest_id, bool) else None


def job_status(job_id: str) -> tuple[dict, int | None] | None:
    """(the API's status of the job, the contest it is about), or None when there is no such job."""
    try:
        job = Job.fetch(job_id, connection=get_redis())
    except (NoSuchJobError, ValueError):  # ValueError: not a well-formed job id
        return None
    public = _public_status(job)
    body = {"status": public}
    if public == "failed":
        body["error"] = _error(job)
    if public == "started" and isinstance(job.meta.get("progress"), str):
        body["progress"] = job.meta["progress"]
        # How far through the stage, where the job can tell: the console's page reloads when these move.
        for name in ("done", "total"):
            if (count := _count(job.meta.get(f"progress_{name}"))) is not None:
                body[name] = count
    return body, _contest_of(job)


def _count(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _details(job: Job) -> dict:
    public = _public_status(job)
    found = {"id": job.id, "func": job.func_name, "args": list(job.args or ()), "status": public,
             "contest_id": _contest_of(job), "enqueued_at": job.enqueued_at, "started_at": job.started_at,
             "ended_at": job.ended_at, "progress": None, "done": None, "total": None, "error": None, "result": None,
             "stages": [s for s in job.meta.get("stages", []) if isinstance(s, str)], "retries_left": None}
    if public == "queued" and isinstance(job.retries_left, int) and job.retries_left < RETRY.max:
        found["retries_left"] = job.retries_left  # an attempt failed; RQ runs it again after its interval
    if public == "started" and isinstance(job.meta.get("progress"), str):
        found.update(progress=job.meta["progress"], done=_count(job.meta.get("progress_done")),
                     total=_count(job.meta.get("progress_total")))
    elif public == "failed":
        found["error"] = _error(job)
    elif public == "finished":
        found["result"] = job.return_value(refresh=True)
    return found


def job_details(job_id: str) -> dict | None:
    """What the console's job page shows of a job: its function, status, times,
    progress (the stage, and how far through it where the job can tell), then
    its return value or its error; None when there is no such job."""
    try:
        job = Job.fetch(job_id, connection=get_redis())
    except (NoSuchJobError, ValueError):
        return None
    return _details(job)


def contest_jobs(contest_id: int, limit: int = 20) -> list[dict]:
    """The jobs about one contest (their meta's contest_id) that RQ still
    knows: waiting, running, scheduled, then the finished and failed ones, the
    newest first. Only the newest REGISTRY_SCAN ids of each list are read."""
    redis_conn = get_redis()
    ids: list[str] = []
    for name in QUEUE_NAMES:
        ids += queue(name).get_job_ids(0, REGISTRY_SCAN - 1)
        for registry in REGISTRIES:
            # Read only: cleaning the registries up is the workers' business.
            ids += registry(name, connection=redis_conn).get_job_ids(0, REGISTRY_SCAN - 1, desc=True,
                                                                     cleanup=False)
    found = [_details(job) for job in Job.fetch_many(list(dict.fromkeys(ids)), connection=redis_conn)
             if job is not None and _contest_of(job) == contest_id]
    order = {"started": 0, "queued": 1}
    far = datetime.min.replace(tzinfo=timezone.utc)

    def newest(job: dict) -> float:
        moment = job["ended_at"] or job["started_at"] or job["enqueued_at"]
        return -(moment.replace(tzinfo=moment.tzinfo or timezone.utc) if moment else far).timestamp()
    found.sort(key=lambda j: (order.get(j["status"], 2), newest(j)))
    return found[:limit]


def report_progress(stage: str, done: int | None = None, total: int | None = None) -> None:
    """From inside a job: the stage it has reached, for its status answer, and
    how far through the stage it is where the job can tell (`done` of `total`
    units; `total` None when unknown)."""
    job = get_current_job()
    if job is not None:
        mark_progress(job, stage, done, total)


def mark_progress(job: Job, stage: str, done: int | None = None, total: int | None = None) -> None:
    """Write a job's progress into its meta: the stage, how far through it, and
    the stages reached so far in order (each once: the page shows the path)."""
    stages = [s for s in job.meta.get("stages", []) if isinstance(s, str)]
    if not stages or stages[-1] != stage:
        stages.append(stage)
    job.meta.update(progress=stage, progress_done=done, progress_total=total, stages=stages[-20:])
    job.save_meta()


def next_slot(now: datetime, interval: int) -> tuple[int, datetime]:
    slot = int(now.timestamp()) // interval + 1
    return slot, datetime.fromtimestamp(slot * interval, timezone.utc)


def ensure_periodic(interval: int) -> None:
    from voting.periodic import periodic_tick

    slot, at = next_slot(clock.now(), interval)
    schedule_once("default", periodic_tick, f"voting-tick-{slot}", at, interval)
