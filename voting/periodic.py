"""The periodic tick: one scheduled job that books the contests' upkeep and
then books the next tick. Its id names its time slot, so several workers
booking the same tick book it once."""

from __future__ import annotations

from sqlalchemy import select

from voting import clock, queues
from voting.ballots import jobs as ballot_jobs
from voting.contests.domain import phases
from voting.contests.models import Contest
from voting.extensions import db
from voting.fraud import jobs as fraud_jobs
from voting.ledger import jobs as ledger_jobs
from voting.results import jobs as result_jobs


def periodic_tick(interval: int) -> dict[str, int]:
    """During voting (and a little after, to catch the last ballots): sweep for
    fraud (which then rebuilds the live counters) and repair the counters;
    for every contest with ballots to seal: seal them; and publish booked
    results whose time has come, should their own scheduled job be lost."""
    now = clock.now()
    active = 0
    for contest in db.session.scalars(select(Contest).where(Contest.voting_opens_at <= now)):
        window = contest.windows()["voting"]
        if window and (phases.is_open(contest.windows(), "voting", now) or
                       (now - window.closes_at).total_seconds() < 2 * interval):
            ballot_jobs.enqueue_rebuild(contest.id)
            fraud_jobs.enqueue_sweep(contest.id)
            active += 1
    sealing = ledger_jobs.enqueue_pending()
    booked = result_jobs.enqueue_due(now)
    slot, at = queues.next_slot(now, interval)
    queues.schedule_once("default", periodic_tick, f"voting-tick-{slot}", at, interval)
    return {"voting": active, "sealing": sealing, "publishing": booked}
