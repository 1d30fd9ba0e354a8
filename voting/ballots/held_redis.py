"""The Redis connection each thread keeps for the intake's gate.

The gate is one EVALSHA per ballot. Through the client, each call also checks
a connection out of the pool and back (a lock, a poll of the socket,
bookkeeping) and runs under a retry wrapper, which together cost more than
the command itself. A thread keeps one connection instead: the connection
still pings after the client's health-check interval and reconnects after an
error, and it goes back to the pool when the thread ends or the app's client
changes.
"""

from __future__ import annotations

import os
import threading

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


def _call(conn, *args):
    conn.send_command(*args)
    return conn.read_response()


def run_script(script, keys: list[str], args: list[object]):
    """EVALSHA a registered script on this thread's connection; loads it if
    Redis has lost it. A broken connection is retried once on a new one, as
    the client itself would. Should the first call have run before the
    connection broke, the retry counts against the rate limits twice, and
    with a proof it answers that the proof was used: the voter asks for a new
    challenge. No ballot is lost or counted twice either way."""
    held = _held(script.registered_client)
    command = ("EVALSHA", script.sha, len(keys), *keys, *args)
    try:
        try:
            return _call(held.conn, *command)
        except redis.ConnectionError:
            held.conn.disconnect()
            return _call(held.conn, *command)  # send_command connects again
    except redis.exceptions.NoScriptError:
        sha = _call(held.conn, "SCRIPT", "LOAD", script.script)
        script.sha = sha.decode() if isinstance(sha, bytes) else sha
        return _call(held.conn, *command)
    except BaseException:
        held.conn.disconnect()  # whatever is left unread must not answer the next call
        raise


def release() -> None:
    held: _Held | None = getattr(_local, "held", None)
    _local.held = None
    if held is not None:
        held.release()
