"""Every Redis key name the app uses, in one place.

Keys of one contest share the hash tag `{c:<id>}` so that they live in one
Redis Cluster slot and one Lua script can touch them all.
"""

from __future__ import annotations

LIMITER_PREFIX = "voting:limits"
RQ_PREFIX = "rq:"  # owned by RQ; listed so nobody else writes under it


def contest_tag(contest_id: int) -> str:
    return f"{{c:{contest_id}}}"
