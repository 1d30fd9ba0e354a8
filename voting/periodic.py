"""The periodic tick: one scheduled job that books the contests' upkeep and
then books the next tick. Its id names its time slot, so several workers
booking the same tick book it once."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from voting import clock, queues
from voting.ballots import jobs as ballot_jobs
from voting.contests.domain import phases
from voting.contests.models import Contest
from voting.extensions import db
from voting.fraud import jobs as fraud_jobs
from voting.fraud.models import FraudSweep
from voting.ledger import export as ledger_export
from voting.ledger import jobs as ledger_jobs
from voting.ledger import publish as ledger_publish
from voting.results import jobs as result_jobs
from voting.results.models import ResultSnapshot

log = logging.getLogger(__name__)


def awaiting_final_sweep(now: datetime) -> list[Contest]:
    """Contests whose vote has closed, unpublished, with no final sweep yet and
    no final tally either (a contest tallied before final sweeps existed keeps
    the review its tally saw: a sweep now could change what it counted)."""
    swept = select(FraudSweep.id).where(FraudSweep.contest_id == Contest.id, FraudSweep.final.is_(True)).exists()
    tallied = select(ResultSnapshot.id).where(ResultSnapshot.contest_id == Contest.id,
                                              ResultSnapshot.preview.is_(False)).exists()
    found = db.session.scalars(select(Contest).where(Contest.voting_closes_at <= now,
                                                     Contest.published_at.is_(None), ~swept, ~tallied)
                               .order_by(Contest.id))
    return [c for c in found if c.settings["voting"]["method"] != "none"]


def awaiting_export(now: datetime) -> list[Contest]:
    """Contests whose vote has closed and whose ledger export is missing or
    behind the ledger (a late seal, an amendment): the export is written at
    the close, ready for the moment the results are published, and follows
    the ledger from then on."""
    found = db.session.scalars(select(Contest).where(Contest.voting_closes_at <= now).order_by(Contest.id))
    return [c for c in found if c.settings["voting"]["method"] != "none" and ledger_publish.voting_over(c, now)
            and _export_behind(c)]


def _export_behind(contest: Contest) -> bool:
    try:
        return ledger_export.stale(contest)
    except Exception:  # the store out of reach: no export booked now, but the tick must go on to book the next
        log.exception("could not read the ledger export of contest %s", contest.id)
        return False


def periodic_tick(interval: int) -> dict[str, int]:
    """During voting (and a little after, to catch the last ballots): repair
    the counters and, while voting is open, sweep for fraud (the sweep then
    rebuilds the counters too); once voting has closed: the final sweep, once
    (a final tally runs it itself should this one be lost); for every contest
    with ballots to seal: seal them; and publish booked results whose time has
    come, should their own scheduled job be lost; once voting has closed:
    write the ledger's export, and again whenever the ledger changes."""
    now = clock.now()
    active = 0
    for contest in db.session.scalars(select(Contest).where(Contest.voting_opens_at <= now)):
        window = contest.windows()["voting"]
        if not window:
            continue
        if phases.is_open(contest.windows(), "voting", now):
            ballot_jobs.enqueue_rebuild(contest.id)
            fraud_jobs.enqueue_sweep(contest.id)
            active += 1
        elif (now - window.closes_at).total_seconds() < 2 * interval:
            ballot_jobs.enqueue_rebuild(contest.id)
            active += 1
    finals = 0
    for contest in awaiting_final_sweep(now):
        fraud_jobs.enqueue_final_sweep(contest.id)
        finals += 1
    sealing = ledger_jobs.enqueue_pending()
    exports = 0
    for contest in awaiting_export(now):
        ledger_jobs.enqueue_export(contest.id)
        exports += 1
    booked = result_jobs.enqueue_due(now)
    slot, at = queues.next_slot(now, interval)
    queues.schedule_once("default", periodic_tick, f"voting-tick-{slot}", at, interval)
    return {"voting": active, "final_sweeps": finals, "sealing": sealing, "exports": exports,
            "publishing": booked}
