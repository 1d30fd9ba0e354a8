"""Checks on how a ballot was sent, as opposed to what it says. Pure.

A tripped check does not refuse the ballot: the intake answers exactly as for
any other, and the ballot waits `under_review` for the fraud review, so a bot
learns nothing from the answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

HOLDING_FLAGS = frozenset({"honeypot", "too_fast"})
# A page's render-time token sent again, or after its lifetime: recorded for
# the fraud sweeps but never holding. Such a token counts for what no token
# does (the ballot's timing is judged by its challenge instead), so a bot
# gains nothing by sending one; holding for it would catch only people (a tab
# left open overnight), since a bot would simply send no token.
RENDER_NOTES = frozenset({"render_reused", "render_expired"})
# What the client was, for the fraud sweeps (voting/fraud/domain/records.py),
# never holding a ballot by itself (API clients and pages without JavaScript
# are allowed; the sweeps combine these with other evidence):
#   no_page    no ballot page of this server vouched for the ballot: no good
#              render-time token (none, not ours, expired or used before);
#   no_script  a page vouched for it, but the page's script did not run (the
#              ballot lacks what the script adds: `form.script`);
#   no_input   the script ran but saw no input of a person's (pointer, touch,
#              key, click or change) on the page before the ballot left;
#   automated  the client says it is automation: its user agent (a headless
#              browser, an HTTP library) or the page's navigator.webdriver.
CLIENT_FLAGS = ("no_page", "no_script", "no_input", "automated")


@dataclass(frozen=True, slots=True)
class ScriptSeen:
    """What the ballot page's script observed and sent with the ballot."""
    visible_ms: int  # how long the page was visible
    input: bool  # whether a person's input reached the page
    webdriver: bool = False  # navigator.webdriver was true


def page_ms(rendered_at: datetime, now: datetime) -> int:
    """Milliseconds from a page's render to its ballot (never below 0: web
    processes' clocks may differ by a little)."""
    return max(0, (now - rendered_at) // timedelta(milliseconds=1))


def flags_for(honeypot: str | None, rendered_at: datetime | None, now: datetime, min_seconds: int,
              has_device: bool, redis_ok: bool, render_note: str | None = None, *, page: bool,
              script: ScriptSeen | None, automated: bool = False) -> list[str]:
    """`rendered_at` is the time the timing check measures from: the page's
    render time when its token was good, else the challenge's issue time.
    `page` says whether the page's token was good; `script` is what its script sent, if anything."""
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
    if not page:
        flags.append("no_page")
    elif script is None:
        flags.append("no_script")
    elif not script.input:
        flags.append("no_input")
    if automated or (page and script is not None and script.webdriver):
        flags.append("automated")
    return flags


def status_for(flags: list[str]) -> str:
    return "under_review" if HOLDING_FLAGS.intersection(flags) else "counted"


def holding_reason(flags: list[str]) -> str | None:
    """The check that held the ballot, named in the invalidation report."""
    return next((f for f in flags if f in HOLDING_FLAGS), None)
