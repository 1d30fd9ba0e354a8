"""The API's CSRF rule: a state-changing request that carries the session cookie
must carry X-CSRFToken too. Requests without the cookie carry no ambient
authority, so they need no token."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from voting.errors import ApiError

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def check_api_csrf() -> None:
    if request.method not in UNSAFE or not request.path.startswith("/api/"):
        return
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return
    token = request.headers.get("X-CSRFToken", "")
    try:
        validate_csrf(token)
    except ValidationError as exc:
        raise ApiError("csrf_failed", f"Missing or invalid X-CSRFToken header: {exc}", 403) from None


def install(app: Flask) -> None:
    app.before_request(check_api_csrf)
