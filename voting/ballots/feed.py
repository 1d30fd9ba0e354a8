"""Counter updates after the commit, sent in batches.

A voter's answer waits for the ballot's commit, not for the live counters.
The intake hands each committed ballot's counter update to this process's
feed; one thread sends whatever has gathered every `interval` seconds as a
single pipeline of the same idempotent `APPLY_SCRIPT` calls (a batch that
finds the script gone from Redis loads it and goes again, which that
idempotence makes safe). Under load that is one Redis round trip for many
ballots instead of one each.

What this can lose is what Redis can lose anyway: if the process dies, or
Redis is down when a batch goes, those increments are missing from the live
counters until the next rebuild recounts them from SQL. Readers that want the
counters to include this process's own ballots (the leaderboard, the rebuild,
tests) call `flush()` first.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections import deque
from dataclasses import dataclass

import redis

from voting.ballots import held_redis

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Update:
    script: object  # a registered redis-py Script (it knows its client)
    keys: list[str]
    args: list[object]


class Feed:
    def __init__(self, interval: float):
        self.interval = interval
        self._queue: deque[Update] = deque()
        self._wake = threading.Event()
        self._send_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()

    def put(self, update: Update) -> None:
        self._ensure_thread()
        self._queue.append(update)
        if not self._wake.is_set():
            self._wake.set()

    def flush(self) -> None:
        """Send everything queued so far, now, in the caller's thread."""
        with self._send_lock:
            self._send_queued()

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._pid == os.getpid():
            return
        with self._send_lock:
            if self._thread is None or self._pid != os.getpid():  # first use, or first in a forked child
                self._pid = os.getpid()
                self._queue.clear()
                self._thread = threading.Thread(target=self._run, name="counter-feed", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            # Let a batch gather: under load many ballots arrive in one interval.
            time.sleep(self.interval)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # the feed must outlive any one bad batch
                log.exception("counter feed batch failed")

    def _send_queued(self) -> None:
        batch: list[Update] = []
        while self._queue:
            batch.append(self._queue.popleft())
        by_script: dict[int, list[Update]] = {}
        for update in batch:
            by_script.setdefault(id(update.script), []).append(update)
        for updates in by_script.values():
            try:
                held_redis.run_batch(updates[0].script, [(u.keys, u.args) for u in updates])
            except redis.RedisError:
                log.warning("live counters behind by %d ballots until the next rebuild", len(updates),
                            exc_info=True)


_feed: Feed | None = None
_feed_lock = threading.Lock()


def feed(interval: float) -> Feed:
    global _feed
    if _feed is None:
        with _feed_lock:
            if _feed is None:
                _feed = Feed(interval)
                atexit.register(_feed.flush)
    return _feed


def flush() -> None:
    if _feed is not None:
        _feed.flush()
