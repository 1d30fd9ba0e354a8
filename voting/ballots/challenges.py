"""Handing out proof-of-work challenges and render-time tokens."""

from __future__ import annotations

import secrets
from datetime import datetime, timezone

import redis
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from voting.ballots import live, pow
from voting.ballots.contest_view import ContestView
from voting.ballots.intake import pow_key


def current_bits(contest: ContestView, now: datetime) -> int:
    settings = contest.voting
    try:
        recent = live.recent_intake(contest.id, int(now.timestamp() * 1000))
    except redis.RedisError:
        recent = 0  # without Redis there is no spike to measure; the base still applies
    return pow.difficulty(settings["pow_bits"], recent, settings["pow_spike_per_minute"])


def issue(contest: ContestView, now: datetime) -> pow.Challenge:
    ttl = current_app.config["VOTING"].challenge_ttl
    return pow.issue(pow_key(), contest.id, current_bits(contest, now), now, ttl, secrets.token_hex(8))


def _render_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="voting.rendered")


def render_token(contest: ContestView, now: datetime) -> str:
    """Signed time at which a ballot page was rendered, for the timing check."""
    return _render_serializer().dumps([contest.id, int(now.timestamp())])


def rendered_at(contest: ContestView, token: object) -> datetime | None:
    if not isinstance(token, str) or len(token) > 200:
        return None
    try:
        contest_id, stamp = _render_serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if contest_id != contest.id or not isinstance(stamp, int):
        return None
    return datetime.fromtimestamp(stamp, timezone.utc)
