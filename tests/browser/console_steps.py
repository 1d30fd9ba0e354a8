"""Steps of the organiser console's browser tests (test_console.py): signing
in by keyboard, a voter's ballot through the API, the text of a page's parts,
and a burst RQ worker that runs one contest's counter rebuild while the
world's own queued rebuild (which the page survey reads as queued) waits
aside."""

from __future__ import annotations

from contextlib import contextmanager

from rq.job import Job

from tests.support.api import Api
from tests.support.factories import PASSWORD
from tests.support.voting import proof
from voting import queues
from voting.extensions import get_redis
from voting.worker import run_worker


def cast_ballot(app, email: str, slug: str, category: str, entry: int) -> str:
    """A voter's ballot as the ballot page's script sends it (proof of work included); its receipt."""
    api = Api(app.test_client())
    api.login(email, PASSWORD)
    resp = api.post(f"/api/v1/contests/{slug}/ballots", json={"category": category, "selection": [entry],
                                                               "pow": proof(api, slug)})
    assert resp.status_code == 201, (resp.status_code, resp.get_json())
    return resp.get_json()["receipt"]


def words(locator) -> str:
    """A part's text with its white space squeezed, as a screen reader reads it in a line."""
    return " ".join(locator.inner_text().split())


@contextmanager
def only_job(app, queue_name: str, job_id: str):
    """Take every other job off `queue_name` while the block runs, and put them back in order after it."""
    with app.app_context():
        q = queues.queue(queue_name)
        others = [j for j in q.get_job_ids() if j != job_id]
        for other in others:
            q.remove(other)
    try:
        yield
    finally:
        with app.app_context():
            q = queues.queue(queue_name)
            for other in others:
                q.enqueue_job(Job.fetch(other, connection=get_redis()))


def run_counters(app, job_id: str) -> None:
    """A real worker, in burst mode, in this process, on the live server's Redis: it runs `job_id` only."""
    with only_job(app, "counters", job_id), app.app_context():
        run_worker(["counters"], burst=True)
