"""Handing out proof-of-work challenges and render-time tokens."""

from __future__ import annotations

import secrets
from datetime import datetime, timezone

import redis
from itsdangerous import BadSignature

from voting.ballots import live, pow
from voting.ballots.backends import Backends
from voting.ballots.contest_view import ContestView


def current_bits(contest: ContestView, now: datetime) -> int:
    settings = contest.voting
    try:
        recent = live.recent_intake(contest.id, int(now.timestamp() * 1000))
    except redis.RedisError:
        recent = 0  # without Redis there is no spike to measure; the base still applies
    return pow.difficulty(settings["pow_bits"], recent, settings["pow_spike_per_minute"])


def issue(backends: Backends, contest: ContestView, now: datetime) -> pow.Challenge:
    ttl = backends.settings.challenge_ttl
    return pow.issue(backends.pow_key, contest.id, current_bits(contest, now), now, ttl, secrets.token_hex(8))


def render_token(backends: Backends, contest: ContestView, now: datetime) -> str:
    """Signed time at which a ballot page was rendered, for the timing check."""
    return backends.render_serializer.dumps([contest.id, int(now.timestamp())])


def rendered_at(backends: Backends, contest: ContestView, token: object) -> datetime | None:
    if not isinstance(token, str) or len(token) > 200:
        return None
    try:
        contest_id, stamp = backends.render_serializer.loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if contest_id != contest.id or not isinstance(stamp, int):
        return None
    return datetime.fromtimestamp(stamp, timezone.utc)
