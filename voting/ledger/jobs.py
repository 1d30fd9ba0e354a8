"""RQ entry points of the ledger. They take ids, and running one twice is harmless."""

from __future__ import annotations

from voting import clock, queues
from voting.contests.models import Contest
from voting.extensions import db
from voting.ledger import export, head, publish, sealing

# One job seals at most this many batches (a million ballots); the next tick goes on.
MAX_BATCHES_PER_JOB = 100
# An export reads and compresses every leaf the first time (about 10 s a million ballots; a re-export only
# checks the files it keeps); the margin is for a slow store.
EXPORT_TIMEOUT = 1800


def seal_ledger(contest_id: int) -> dict:
    """Seal everything the contest has to seal, batch after batch; its
    progress is the ballots sealed of those it found waiting (more may come)."""
    batches = ballots = 0
    waiting = head.unsealed(contest_id)
    db.session.rollback()  # only counted: each seal takes its own transaction
    queues.report_progress("sealing", 0, waiting)
    while batches < MAX_BATCHES_PER_JOB:
        batch = sealing.seal(contest_id, clock.now())
        if batch is None:  # nothing left, or another seal is at it: it will take the rest
            break
        batches += 1
        ballots += batch.size
        queues.report_progress("sealing", ballots, max(waiting, ballots))
    return {"batches": batches, "ballots": ballots}


def enqueue_seal(contest_id: int):
    return queues.enqueue_once("ledger", seal_ledger, f"seal-ledger-{contest_id}", contest_id,
                                contest_id=contest_id)


def enqueue_pending() -> int:
    """For the periodic tick: a seal job for every contest with ballots to seal."""
    contest_ids = sealing.pending_contests()
    for contest_id in contest_ids:
        enqueue_seal(contest_id)
    return len(contest_ids)


def export_ledger(contest_id: int) -> dict:
    """Write the contest's static export (voting/ledger/export.py) of what is
    sealed now; nothing before voting has closed, since until then amendments
    show only their hashes. It does not seal: the seal job does, and the next
    tick exports again what it adds."""
    now = clock.now()
    contest = db.session.get(Contest, contest_id)
    if contest is None or not publish.voting_over(contest, now):
        return {"exported": False}
    queues.report_progress("exporting")
    return {"exported": True, **export.write(contest, now)}


def enqueue_export(contest_id: int):
    return queues.enqueue_once("ledger", export_ledger, f"export-ledger-{contest_id}", contest_id,
                               timeout=EXPORT_TIMEOUT, contest_id=contest_id)
