"""Session and account endpoints of the public API."""

from __future__ import annotations

from typing import Annotated

from flask import Blueprint, current_app, jsonify, request
from flask_login import login_user, logout_user
from flask_wtf.csrf import generate_csrf
from pydantic import BaseModel, ConfigDict, StrictStr, StringConstraints

from voting.accounts import services
from voting.accounts.domain import normalise_email
from voting.api.request import parse_body
from voting.auth import actor, require_user
from voting.extensions import limiter
from voting.netutil import client_ip

bp = Blueprint("accounts_api", __name__, url_prefix="/api/v1")

Short = Annotated[StrictStr, StringConstraints(max_length=1000)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterBody(Body):
    email: Short
    password: Short
    display_name: Short
    country: Annotated[StrictStr, StringConstraints(max_length=2)] | None = None


class LoginBody(Body):
    email: Short
    password: Short


class TokenBody(Body):
    token: Short


class EmailBody(Body):
    email: Short


class ResetBody(Body):
    token: Short
    password: Short


def _login_account_key() -> str:
    data = request.get_json(silent=True) if request.is_json else request.form
    email = data.get("email") if isinstance(data, dict) or hasattr(data, "get") else None
    return normalise_email(email)[:320] if isinstance(email, str) and email else "-"


def _failed(response) -> bool:
    return response.status_code == 401


def _setting(name: str):
    return lambda: getattr(current_app.config["VOTING"], name)


login_limits = [
    limiter.limit(_setting("login_limit_ip"), key_func=client_ip, scope="login-ip", deduct_when=_failed),
    limiter.limit(_setting("login_limit_account"), key_func=_login_account_key, scope="login-account",
                  deduct_when=_failed),
]


def with_login_limits(view):
    for decorate in login_limits:
        view = decorate(view)
    return view


@bp.get("/session")
def session_info():
    user = actor()
    return jsonify({"user": services.serialise(user) if user else None, "csrf_token": generate_csrf()})


@bp.post("/auth/register")
@limiter.limit(_setting("register_limit_ip"), key_func=client_ip, scope="register-ip")
def register():
    body = parse_body(RegisterBody)
    user = services.register(body.email, body.password, body.display_name, body.country)
    return jsonify({"user": services.serialise(user)}), 201


@bp.post("/auth/verify")
def verify():
    body = parse_body(TokenBody)
    return jsonify({"user": services.serialise(services.verify(body.token))})


@bp.post("/auth/verify/resend")
def resend_verification():
    user = require_user()
    if not user.verified:
        services.send_verification(user)
    return "", 202


@bp.post("/auth/login")
@with_login_limits
def login():
    body = parse_body(LoginBody)
    user = services.authenticate(body.email, body.password)
    login_user(user)
    return jsonify({"user": services.serialise(user)})


@bp.post("/auth/logout")
def logout():
    logout_user()
    return "", 204


@bp.post("/auth/password/forgot")
@limiter.limit(_setting("login_limit_ip"), key_func=client_ip, scope="forgot-ip")
def forgot_password():
    body = parse_body(EmailBody)
    services.request_password_reset(body.email)
    return "", 202


@bp.post("/auth/password/reset")
def reset_password():
    body = parse_body(ResetBody)
    user = services.reset_password(body.token, body.password)
    return jsonify({"user": services.serialise(user)})
