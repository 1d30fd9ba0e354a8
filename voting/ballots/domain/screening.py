"""Checks on how a ballot was sent, as opposed to what it says. Pure.

A tripped check does not refuse the ballot: the intake answers exactly as for
any other, and the ballot waits `under_review` for the fraud review, so a bot
learns nothing from the answer."""

from __future__ import annotations

from datetime import datetime

HOLDING_FLAGS = frozenset({"honeypot", "too_fast"})
# A page's render-time token sent again, or after its lifetime: recorded for
# the fraud sweeps but never holding. Such a token counts for what no token
# does (the ballot's timing is judged by its challenge instead), so a bot
# gains nothing by sending one; holding for it would catch only people (a tab
# left open overnight), since a bot would simply send no token.
RENDER_NOTES = frozenset({"render_reused", "render_expired"})


def flags_for(honeypot: str | None, rendered_at: datetime | None, now: datetime, min_seconds: int,
              has_device: bool, redis_ok: bool, render_note: str | None = None) -> list[str]:
    """`rendered_at` is the time the timing check measures from: the page's
    render time when its token was good, else the challenge's issue time."""
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
    if render_note in RENDER_NOTES:
        flags.append(render_note)
    return flags


def status_for(flags: list[str]) -> str:
    return "under_review" if HOLDING_FLAGS.intersection(flags) else "counted"


def holding_reason(flags: list[str]) -> str | None:
    """The check that held the ballot, named in the invalidation report."""
    return next((f for f in flags if f in HOLDING_FLAGS), None)
