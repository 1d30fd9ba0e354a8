"""The RQ worker: every job runs inside an application context, and its
database session is cleaned up afterwards whatever happened."""

from __future__ import annotations

from flask import current_app
from rq import SimpleWorker

from voting.extensions import db, get_redis
from voting.queues import QUEUE_NAMES, ensure_periodic, queue


class AppWorker(SimpleWorker):
    """Runs jobs in-process (no fork per job) inside the app context that the
    `flask` command pushed; the timeouts of RQ still apply."""

    burst = False

    def work(self, *args, burst: bool = False, **kwargs) -> bool:
        self.burst = burst
        return super().work(*args, burst=burst, **kwargs)

    def subscribe(self) -> None:
        # The command channel (stop a job, shut down) serves long-lived workers.
        # A burst worker stops by itself once the queues are empty, and stopping
        # the channel's listener thread can hold it up to a minute (redis-py waits
        # out its sleep), so a burst worker does without.
        if not self.burst:
            super().subscribe()

    def perform_job(self, *args, **kwargs):
        app = current_app._get_current_object()
        with app.app_context():
            try:
                return super().perform_job(*args, **kwargs)
            finally:
                db.session.remove()


def run_worker(names: list[str] | None = None, burst: bool = False) -> bool:
    if not burst:
        ensure_periodic(current_app.config["VOTING"].counter_rebuild_interval)
    queues = [queue(n) for n in (names or QUEUE_NAMES)]
    worker = AppWorker(queues, connection=get_redis())
    return worker.work(burst=burst, with_scheduler=True)
