"""Signed, expiring tokens for mail links. Stateless: a verification token
names the address it verifies; a reset token names the session version, which
a reset bumps, so each reset link works once."""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from voting.i18n.domain import N_


class TokenInvalid(Exception):
    pass


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"voting.{purpose}")


def make_token(purpose: str, payload: dict[str, Any]) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: object, max_age: int) -> dict[str, Any]:
    if not isinstance(token, str) or not token or len(token) > 1000:
        raise TokenInvalid(N_("the token is missing or malformed"))
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise TokenInvalid(N_("the token has expired")) from None
    except BadSignature:
        raise TokenInvalid(N_("the token is not valid")) from None
    if not isinstance(data, dict):
        raise TokenInvalid(N_("the token is not valid"))
    return data
