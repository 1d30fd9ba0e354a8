"""RQ entry points of the fraud review. They take ids; running one twice is harmless."""

from __future__ import annotations

from voting import clock, queues
from voting.ballots import counters
from voting.fraud import services

SWEEP_TIMEOUT = 1800


def fraud_sweep(contest_id: int, final: bool = False) -> dict:
    summary = services.sweep(contest_id, clock.now(), final=final)
    # Held ballots leave the live counters at once rather than at the next repair.
    counters.rebuild(contest_id, clock.now())
    return summary


def fraud_final_sweep(contest_id: int) -> dict:
    """The sweep at the close, once: nothing if a final sweep has run already."""
    summary = services.sweep(contest_id, clock.now(), final=True, once=True)
    if not summary.get("skipped"):
        counters.rebuild(contest_id, clock.now())
    return summary


def enqueue_sweep(contest_id: int, final: bool = False):
    """A sweep now (the button, the API, the tick while voting is open). After
    the close it is a final one: nothing more will come for the rules to wait for."""
    if final:
        return queues.enqueue_once("fraud", fraud_sweep, f"fraud-sweep-{contest_id}-final", contest_id, True,
                                   timeout=SWEEP_TIMEOUT, contest_id=contest_id)
    return queues.enqueue_once("fraud", fraud_sweep, f"fraud-sweep-{contest_id}", contest_id,
                               timeout=SWEEP_TIMEOUT, contest_id=contest_id)


def enqueue_final_sweep(contest_id: int):
    """The periodic tick's, once voting has closed (until one has run)."""
    return queues.enqueue_once("fraud", fraud_final_sweep, f"fraud-final-sweep-{contest_id}", contest_id,
                               timeout=SWEEP_TIMEOUT, contest_id=contest_id)
