"""Handing out proof-of-work challenges and render-time tokens."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import redis
from itsdangerous import BadSignature

from voting.ballots import live
from voting.guards.domain import pow
from voting.ballots.backends import Backends
from voting.ballots.contest_view import ContestView

# How long a ballot page's render time vouches for it. A signed time that
# never expired could be kept and sent with ballots for weeks to look
# "rendered long ago"; single use (marked in the gate) needs an end, too, for
# its Redis key. Six hours outlasts any sitting spent reading a category's
# entries; a page left open longer still votes, judged by its challenge's time
# instead (docs/intake.md, step 5).
RENDER_TOKEN_SECONDS = 6 * 3600
RENDER_ID = re.compile(r"[A-Za-z0-9_-]{16}\Z")


@dataclass(frozen=True)
class RenderToken:
    """A ballot page's signed render time and the random id that makes it single use."""
    id: str
    rendered_at: datetime

    def expires_at(self) -> datetime:
        return self.rendered_at + timedelta(seconds=RENDER_TOKEN_SECONDS)


def current_bits(contest: ContestView, now: datetime, ip: str = "", prefix: str = "") -> int:
    """The difficulty the gate asks of a ballot from this client address now:
    the contest's base, raised by its intake's spike and by the address's and
    prefix's recent ballots (as the gate computes it, from the same counters)."""
    settings = contest.voting
    if settings["pow_bits"] == 0:
        return 0
    try:
        recent, counts = live.recent_counts(contest.id, int(now.timestamp() * 1000), {"ip": ip, "prefix": prefix},
                                            contest.limits, contest.harder_above)
    except redis.RedisError:
        recent, counts = 0, []  # without Redis there is nothing to measure; the base still applies
    return pow.difficulty(settings["pow_bits"], recent, settings["pow_spike_per_minute"], pow.address_extra(counts))


def issue(backends: Backends, contest: ContestView, now: datetime, ip: str = "", prefix: str = "") -> pow.Challenge:
    ttl = backends.settings.challenge_ttl
    return pow.issue(backends.pow_key, contest.id, current_bits(contest, now, ip, prefix), now, ttl,
                     secrets.token_hex(8))


def render_token(backends: Backends, contest: ContestView, now: datetime) -> str:
    """Signed time at which a ballot page was rendered (in milliseconds), for
    the timing check and the ballot's `page_ms`, with a random id: one rendered
    page vouches for one ballot."""
    return backends.render_serializer.dumps([contest.id, int(now.timestamp() * 1000), secrets.token_urlsafe(12)])


# Tokens signed before the render time was in milliseconds hold seconds:
# below this, a stamp is seconds (10**11 ms is in 1973; 10**11 s in 5138).
SECONDS_BELOW = 10**11


def read_render_token(backends: Backends, contest: ContestView, token: object) -> RenderToken | None:
    """The token's id and time when this server signed it for this contest.
    Whether it has expired or was used is the intake's to judge (it knows `now` and asks Redis)."""
    if not isinstance(token, str) or len(token) > 200:
        return None
    try:
        contest_id, stamp, render_id = backends.render_serializer.loads(token)
    except (BadSignature, ValueError, TypeError):  # tokens of before the id, too: they cannot be used once only
        return None
    if contest_id != contest.id or type(stamp) is not int or not isinstance(render_id, str) \
            or not RENDER_ID.match(render_id):
        return None
    stamp_ms = stamp * 1000 if stamp < SECONDS_BELOW else stamp
    try:
        return RenderToken(render_id, datetime.fromtimestamp(stamp_ms // 1000, timezone.utc)
                           + timedelta(milliseconds=stamp_ms % 1000))
    except (OverflowError, OSError, ValueError):
        return None


def fresh_render_token(token: RenderToken | None, now: datetime) -> bool:
    """Whether a page may keep its render token when it is shown again (after
    a refusal, so that the time since the first showing still counts)."""
    return token is not None and now < token.expires_at()
