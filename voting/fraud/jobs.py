"""RQ entry points of the fraud review. They take ids; running one twice is harmless."""

from __future__ import annotations

from voting import clock, queues
from voting.ballots import counters
from voting.fraud import increments, services

SWEEP_TIMEOUT = 1800


def fraud_sweep(contest_id: int, final: bool = False, full: bool = False) -> dict:
    """The periodic tick's sweep: incremental (voting/fraud/increments.py),
    unless `final` or `full` (an organiser's: everything judged again)."""
    queues.report_progress("judging")
    if final or full:
        summary = services.sweep(contest_id, clock.now(), final=final)
    else:
        summary = increments.sweep(contest_id, clock.now())
    # Held ballots leave the live counters at once rather than at the next repair.
    if summary.get("held") or not summary.get("incremental"):
        queues.report_progress("recounting")
        counters.rebuild(contest_id, clock.now())
    return summary


def fraud_final_sweep(contest_id: int) -> dict:
    """The sweep at the close, once: nothing if a final sweep has run already."""
    queues.report_progress("judging")
    summary = services.sweep(contest_id, clock.now(), final=True, once=True)
    if not summary.get("skipped"):
        queues.report_progress("recounting")
        counters.rebuild(contest_id, clock.now())
    return summary


def enqueue_sweep(contest_id: int, final: bool = False, full: bool = False):
    """A sweep now: the tick's while voting is open (incremental), or an
    organiser's (the button, the API: `full`, everything judged again). After
    the close it is a final one: nothing more will come for the rules to wait for."""
    if final:
        return queues.enqueue_once("fraud", fraud_sweep, f"fraud-sweep-{contest_id}-final", contest_id, True,
                                   timeout=SWEEP_TIMEOUT, contest_id=contest_id)
    if full:
        return queues.enqueue_once("fraud", fraud_sweep, f"fraud-sweep-{contest_id}-full", contest_id, False, True,
                                   timeout=SWEEP_TIMEOUT, contest_id=contest_id)
    return queues.enqueue_once("fraud", fraud_sweep, f"fraud-sweep-{contest_id}", contest_id,
                               timeout=SWEEP_TIMEOUT, contest_id=contest_id)


def enqueue_final_sweep(contest_id: int):
    """The periodic tick's, once voting has closed (until one has run)."""
    return queues.enqueue_once("fraud", fraud_final_sweep, f"fraud-final-sweep-{contest_id}", contest_id,
                               timeout=SWEEP_TIMEOUT, contest_id=contest_id)
