"""Running calls at the same moment, to test what the database and Redis do under a race."""

from __future__ import annotations

import threading
from typing import Any, Callable


def run_together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Start every call at once (a barrier), wait for all (60 s each); their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results
