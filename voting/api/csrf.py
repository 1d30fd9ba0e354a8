"""The API's CSRF rule: a state-changing request that carries the session cookie
must carry X-CSRFToken too. Requests without the cookie carry no ambient
authority, so they need no token.

The API's token is an HMAC of the session's own secret token (the one
Flask-WTF keeps for the pages' forms) under a key derived from SECRET_KEY:
checking it is one HMAC, which matters on the ballot path, and a token of one
session is worthless in another.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Flask, current_app, request, session
from flask_wtf.csrf import generate_csrf

from voting.errors import ApiError

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
KEY_EXTENSION = "voting_api_csrf_key"


def key_for(app: Flask) -> bytes:
    key = app.extensions.get(KEY_EXTENSION)
    if key is None:
        key = app.extensions[KEY_EXTENSION] = hashlib.sha256(
            b"voting.api-csrf:" + app.config["SECRET_KEY"].encode()).digest()
    return key


def _sign(key: bytes, raw: str) -> str:
    return hmac.new(key, raw.encode(), hashlib.sha256).hexdigest()


def matches(key: bytes, raw: object, token: str) -> bool:
    """Whether `token` is the API token of the session secret `raw`."""
    return isinstance(raw, str) and hmac.compare_digest(token.encode(), _sign(key, raw).encode())


def api_token() -> str:
    """The token `GET /api/v1/session` hands out (creating the session's secret if need be)."""
    generate_csrf()
    return _sign(key_for(current_app), session["csrf_token"])


def check_api_csrf() -> None:
    if request.method not in UNSAFE or not request.path.startswith("/api/"):
        return
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return
    token = request.headers.get("X-CSRFToken", "")
    if not token:
        raise ApiError("csrf_failed", "The X-CSRFToken header is missing.", 403)
    if not matches(key_for(current_app), session.get("csrf_token"), token):
        raise ApiError("csrf_failed", "The X-CSRFToken header does not match this session.", 403)


def install(app: Flask) -> None:
    app.before_request(check_api_csrf)
