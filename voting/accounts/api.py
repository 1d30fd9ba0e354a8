"""Session and account endpoints of the public API."""

from __future__ import annotations

from typing import Annotated

from flask import Blueprint, jsonify
from flask_babel import get_locale
from pydantic import BaseModel, ConfigDict, StrictStr, StringConstraints

from voting import clock
from voting.accounts import registration, services
from voting.accounts.limits import mail_ip, register_ip, with_login_limits
from voting.api.csrf import api_token
from voting.api.request import parse_body
from voting.auth import actor, note_verified, require_user, sign_in, sign_out
from voting.netutil import client_subject

bp = Blueprint("accounts_api", __name__, url_prefix="/api/v1")

Short = Annotated[StrictStr, StringConstraints(max_length=1000)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Proof(Body):
    token: Annotated[StrictStr, StringConstraints(max_length=500)]
    nonce: Annotated[StrictStr, StringConstraints(max_length=40)]


class RegisterBody(Body):
    email: Short
    password: Short
    display_name: Short
    country: Annotated[StrictStr, StringConstraints(max_length=2)] | None = None
    # Needed once many accounts were registered from the client's address in the last hour
    # (GET /auth/register/challenge says how much work, 0 bits when none).
    pow: Proof | None = None


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


@bp.get("/session")
def session_info():
    user = actor()
    return jsonify({"user": services.serialise(user) if user else None, "csrf_token": api_token()})


@bp.get("/auth/register/challenge")
def register_challenge():
    issued = registration.issue(client_subject(), clock.now())
    response = jsonify({"token": issued.token, "bits": issued.bits, "expires_at": issued.expires_at.isoformat()})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/auth/register")
@register_ip
def register():
    body = parse_body(RegisterBody)
    proof = body.pow
    user = registration.register(client_subject(), proof.token if proof else None, proof.nonce if proof else None,
                                 clock.now(), body.email, body.password, body.display_name, body.country,
                                 str(get_locale()))  # the language this request reads (voting/i18n/choice.py)
    return jsonify({"user": services.serialise(user)}), 201


@bp.post("/auth/verify")
def verify():
    body = parse_body(TokenBody)
    user = services.verify(body.token)
    note_verified(user)
    return jsonify({"user": services.serialise(user)})


@bp.post("/auth/verify/resend")
@mail_ip
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
    sign_in(user)
    # The sign-in made a new CSRF secret: the tokens handed out before it no longer count.
    token = api_token()
    response = jsonify({"user": services.serialise(user), "csrf_token": token})
    response.headers["X-CSRFToken"] = token
    return response


@bp.post("/auth/logout")
def logout():
    sign_out()
    return "", 204


@bp.post("/auth/password/forgot")
@mail_ip
def forgot_password():
    body = parse_body(EmailBody)
    services.request_password_reset(body.email)
    return "", 202


@bp.post("/auth/password/reset")
def reset_password():
    body = parse_body(ResetBody)
    user = services.reset_password(body.token, body.password)
    return jsonify({"user": services.serialise(user)})
