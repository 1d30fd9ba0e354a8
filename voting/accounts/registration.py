"""Registering from a busy address: slowed, not refused (docs/intake.md,
"Addresses: slowed, not refused").

A room of people behind one address (a class, a conference session on the
venue's Wi-Fi, a campus behind one NAT) must be able to register together,
and a farm creating accounts from one address must pay for each. So the first
`VOTING_REGISTER_FREE_PER_HOUR` accounts an hour from an address (an IPv4
address, an IPv6 /64: `netutil.subject_of`) need only the form; beyond, the
next one needs a proof of work that gets harder with the hour's accounts
(`accounts.domain.registration_bits`). Only a flood far above any room is
refused, by the limiter (`VOTING_REGISTER_LIMIT_IP`, accounts/limits.py).

Challenges are the ballots' tokens (guards/domain/pow.py) with contest 0 and
a key of their own, so neither kind can stand for the other; a token is used
once (marked in Redis before the account is made). The hour's accounts are a
sliding-window count in Redis, counted when an account is made. Without
Redis nothing can be counted: no proof is asked (the limiter still limits).
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime

import redis
from flask import current_app

from voting import redis_keys as keys
from voting.accounts import services
from voting.accounts.domain import address_problem, registration_bits
from voting.accounts.models import User
from voting.guards.domain import pow, ratelimit
from voting.errors import ApiError
from voting.extensions import get_redis
from voting.i18n.domain import N_

log = logging.getLogger(__name__)

HOUR = ratelimit.Limit(1, 3600)  # the window the hour's accounts slide over (its count is not used)
NO_CONTEST = 0  # a registration challenge's contest field


def _settings():
    return current_app.config["VOTING"]


def _key() -> bytes:
    return ("voting.register-pow:" + current_app.config["SECRET_KEY"]).encode()


def _now_ms(now: datetime) -> int:
    return int(now.timestamp() * 1000)


def recent(subject: str, now: datetime) -> int:
    """Accounts registered from this address in the last hour (sliding)."""
    current, previous, weight = ratelimit.windows(HOUR, _now_ms(now))
    values = get_redis().mget([keys.registrations(subject, current), keys.registrations(subject, previous)])
    return ratelimit.recent(int(values[0] or 0), int(values[1] or 0), weight)


def required_bits(subject: str, now: datetime) -> int:
    settings = _settings()
    if settings.register_pow_bits == 0:
        return 0
    try:
        count = recent(subject, now)
    except redis.RedisError:
        log.warning("registration without Redis: no proof of work asked", exc_info=True)
        return 0
    return registration_bits(count, settings.register_free_per_hour, settings.register_pow_bits)


def issue(subject: str, now: datetime) -> pow.Challenge:
    """A challenge of the difficulty registering from this address asks now (0 bits: any nonce will do)."""
    return pow.issue(_key(), NO_CONTEST, required_bits(subject, now), now, _settings().challenge_ttl,
                     secrets.token_hex(8))


def check(subject: str, token: str | None, nonce: str | None, now: datetime) -> None:
    """Raises challenge_failed when this address must prove work and the proof
    does not hold: missing, wrong, expired, used, or easier than asked now."""
    need = required_bits(subject, now)
    if need == 0:
        return
    why = pow.problem(_key(), NO_CONTEST, token, nonce, now)
    if why is None and pow.bits_and_expiry(token)[0] < need:
        why = N_("the challenge is easier than registering from this address now asks")
    if why is None:
        why = _use(token, now)
    if why:
        raise ApiError("challenge_failed", "Many accounts were registered from this network in the last hour, so "
                       "registering needs a proof of work. Ask for a new challenge.", 400, {"pow": why})


def _use(token: str, now: datetime) -> str | None:
    ttl_ms = (pow.expiry_of(token) - int(now.timestamp()) + 5) * 1000
    try:
        fresh = get_redis().set(keys.registration_pow_used(token), "1", nx=True, px=max(1, ttl_ms))
    except redis.RedisError:
        return None  # as `required_bits`: unchecked without Redis
    return None if fresh else N_("the challenge token was used already")


def count(subject: str, now: datetime) -> None:
    """One more account from this address in this hour."""
    current, _previous, _weight = ratelimit.windows(HOUR, _now_ms(now))
    name = keys.registrations(subject, current)
    try:
        pipe = get_redis().pipeline(transaction=False)
        pipe.incr(name)
        pipe.expire(name, 2 * HOUR.window)  # needed until the hour after it ends
        pipe.execute()
    except redis.RedisError:
        log.warning("registration from %s not counted: Redis unavailable", subject, exc_info=True)


def register(subject: str, token: str | None, nonce: str | None, now: datetime, email: str, password: str,
             display_name: str, country: str | None = None, locale: str | None = None) -> User:
    """`services.register` behind this address's proof of work, counted once made.
    A proof is spent once checked, even when the form is then refused (a new one costs a browser a moment)."""
    check(subject, token, nonce, now)
    try:
        user = services.register(email, password, display_name, country, locale)
    except ApiError as err:
        # email_validator's English reason, said in translatable words (`address_problem`); a taken or
        # disposable address is another code, with our own words already.
        if err.code == "validation_error" and err.fields and "email" in err.fields:
            err.fields["email"] = address_problem(err.fields["email"])
        raise
    count(subject, now)
    return user
