"""Every RQ queue, and the helpers that enqueue on them, in one place.

Queues are named by purpose so that operators can give each its own workers.
"""

from __future__ import annotations

from rq import Queue

from voting.extensions import get_redis

QUEUE_NAMES = ("counters", "fraud", "ledger", "tallies", "default")
DEFAULT_TIMEOUT = 600


def queue(name: str) -> Queue:
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=get_redis(), default_timeout=DEFAULT_TIMEOUT)


def all_queues() -> list[Queue]:
    return [queue(name) for name in QUEUE_NAMES]
