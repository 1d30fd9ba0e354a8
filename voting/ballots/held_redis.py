"""The Redis connection each thread keeps for the intake's scripts.

The gate is one EVALSHA per ballot, and the counter feed one pipeline of
them per batch. Through the client, each call also checks a connection out
of the pool and back (a lock, a poll of the socket, bookkeeping), runs under
a retry wrapper and encodes every argument in Python, which together cost
more than the command itself. A thread keeps one connection instead and
packs commands with hiredis in one C call: the connection still pings after
the client's health-check interval and reconnects after an error, and it
goes back to the pool when the thread ends or the app's client changes.
"""

from __future__ import annotations

import os
import threading
from typing import Sequence

import hiredis
import redis

_local = threading.local()


class _Held:
    def __init__(self, client: redis.Redis):
        self.client = client
        self.pid = os.getpid()
        self.conn = client.connection_pool.get_connection()

    def release(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None and self.pid == os.getpid():
            self.client.connection_pool.release(conn)

    def __del__(self):
        try:
            self.release()
        except Exception:  # a thread ending, or the interpreter: nothing to tell
            pass


def _held(client: redis.Redis) -> _Held:
    held: _Held | None = getattr(_local, "held", None)
    if held is not None and held.client is client and held.conn is not None and held.pid == os.getpid():
        return held
    if held is not None:
        held.release()
    _local.held = None
    _local.held = _Held(client)
    return _local.held


def _exchange(conn, payload: bytes, replies: int) -> list:
    """Sends packed commands and reads their replies; an error reply raises
    after the replies before it were read (the caller disconnects, so none
    left unread can answer a later call)."""
    conn.send_packed_command([payload])
    return [conn.read_response() for _ in range(replies)]


def _evalsha(sha: str, keys: Sequence[object], args: Sequence[object]) -> bytes:
    return hiredis.pack_command(("EVALSHA", sha, len(keys), *keys, *args))


def run_script(script, keys: list[str], args: list[object]):
    """EVALSHA a registered script on this thread's connection; loads it if
    Redis has lost it. A broken connection is retried once on a new one, as
    the client itself would. Should the first call have run before the
    connection broke, the retry counts against the rate limits twice, and
    with a proof it answers that the proof was used: the voter asks for a new
    challenge. No ballot is lost or counted twice either way."""
    conn = _held(script.registered_client).conn
    try:
        return _run(conn, script, [(keys, args)])[0]
    except BaseException:
        conn.disconnect()  # whatever is left unread must not answer the next call
        raise


def run_batch(script, calls: list[tuple[Sequence[object], Sequence[object]]]) -> list:
    """Many calls of one script in one round trip (a pipeline without
    MULTI) on a connection borrowed from the pool for the batch, with the
    same retry and reload as `run_script`: the script must be safe to run
    twice."""
    pool = script.registered_client.connection_pool
    conn = pool.get_connection()
    try:
        return _run(conn, script, calls)
    except BaseException:
        conn.disconnect()
        raise
    finally:
        pool.release(conn)


def _run(conn, script, calls) -> list:
    payload = b"".join(_evalsha(script.sha, keys, args) for keys, args in calls)
    try:
        try:
            return _exchange(conn, payload, len(calls))
        except redis.ConnectionError:
            conn.disconnect()
            return _exchange(conn, payload, len(calls))  # send_packed_command connects again
    except redis.exceptions.NoScriptError:
        conn.disconnect()  # the other calls' replies may still be on their way
        sha = _exchange(conn, hiredis.pack_command(("SCRIPT", "LOAD", script.script)), 1)[0]
        script.sha = sha.decode() if isinstance(sha, bytes) else sha
        payload = b"".join(_evalsha(script.sha, keys, args) for keys, args in calls)
        return _exchange(conn, payload, len(calls))


def release() -> None:
    held: _Held | None = getattr(_local, "held", None)
    _local.held = None
    if held is not None:
        held.release()
