"""The one place the app reads the wall clock; pure code takes `now` as an
argument. (Monotonic timers for measuring how long something took are not
the wall clock: time.monotonic and time.perf_counter are used where they are.)
tests/unit/test_purity.py keeps every other module from reading it."""

from __future__ import annotations

from datetime import datetime, timezone


def now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(timezone.utc)
