"""RQ entry points of the fraud review. They take ids; running one twice is harmless."""

from __future__ import annotations

from voting import clock, queues
from voting.ballots import counters
from voting.fraud import services


def fraud_sweep(contest_id: int) -> dict:
    summary = services.sweep(contest_id, clock.now())
    # Held ballots leave the live counters at once rather than at the next repair.
    counters.rebuild(contest_id, clock.now())
    return summary


def enqueue_sweep(contest_id: int):
    return queues.enqueue_once("fraud", fraud_sweep, f"fraud-sweep-{contest_id}", contest_id, timeout=1800,
                                contest_id=contest_id)
