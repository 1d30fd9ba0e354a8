"""Checks on how a ballot was sent, as opposed to what it says. Pure.

A tripped check does not refuse the ballot: the intake answers exactly as for
any other, and the ballot waits `under_review` for the fraud review, so a bot
learns nothing from the answer."""

from __future__ import annotations

from datetime import datetime

HOLDING_FLAGS = frozenset({"honeypot", "too_fast"})


def flags_for(honeypot: str | None, rendered_at: datetime | None, now: datetime, min_seconds: int,
              has_device: bool, redis_ok: bool) -> list[str]:
    flags = []
    if honeypot:
        flags.append("honeypot")
    if rendered_at is None:
        flags.append("no_render_time")
    elif (now - rendered_at).total_seconds() < min_seconds:
        flags.append("too_fast")
    if not has_device:
        flags.append("no_device")
    if not redis_ok:
        flags.append("redis_unavailable")
    return flags


def status_for(flags: list[str]) -> str:
    return "under_review" if HOLDING_FLAGS.intersection(flags) else "counted"


def holding_reason(flags: list[str]) -> str | None:
    """The check that held the ballot, named in the invalidation report."""
    return next((f for f in flags if f in HOLDING_FLAGS), None)
