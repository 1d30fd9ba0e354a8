"""Who is asking, and the guards views put in front of services."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Mapping

from flask import Flask, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from voting.accounts.models import User
from voting.errors import ApiError, forbidden, wants_json
from voting.extensions import db, login_manager


# Set once this session's account is seen verified; verification is never
# undone, and the cookie is signed, so it need not be looked up again. It holds
# the account's session token, so that it vouches for that account only, and
# not for the next one signed in with the same cookie.
VERIFIED_KEY = "voter_verified"


@dataclass(frozen=True)
class SessionUser:
    """Who the session cookie says is signed in: the account, the session
    version it was signed in with (a password reset bumps the version), and
    whether it is known to be verified."""
    id: int
    version: int
    verified: bool = False


def parse_user_token(token: str, verified: bool = False) -> SessionUser | None:
    user_id, _sep, version = token.partition(":")
    # ASCII digits only ("²".isdigit() is true, and int() refuses it), and short: ids are INTEGER columns.
    if not (user_id.isascii() and user_id.isdigit() and version.isascii() and version.isdigit()
            and len(user_id) <= 10 and len(version) <= 10):
        return None
    return SessionUser(int(user_id), int(version), verified)


def session_user() -> SessionUser | None:
    """The signed-in account as the session names it, without loading it: the
    intake checks the version (and, until it is known, verification) in SQL."""
    return user_in(session)


def user_in(data: Mapping) -> SessionUser | None:
    """`session_user` of a session's decoded data (the ballot route reads the cookie itself)."""
    token = data.get("_user_id")
    return parse_user_token(token, data.get(VERIFIED_KEY) == token) if isinstance(token, str) else None


def remember_verified() -> None:
    """This session's account is verified (call only once it is known)."""
    token = session.get("_user_id")
    if isinstance(token, str):
        session[VERIFIED_KEY] = token


# Flask-WTF's session secret, of which the pages' and the API's CSRF tokens
# are made (and its per-request cache in `g`).
CSRF_SECRET_KEY = "csrf_token"


def sign_in(user: User) -> None:
    """Signs the account in; a verified account's session says so from the
    start, so that voting never has to look it up or rewrite the cookie.
    The CSRF secret is made anew: a token planted or seen before the sign-in
    is worthless after it."""
    login_user(user)
    session.pop(VERIFIED_KEY, None)
    session.pop(CSRF_SECRET_KEY, None)
    g.pop(CSRF_SECRET_KEY, None)
    if user.verified:
        remember_verified()


def sign_out() -> None:
    """Ends the session on the server too: the account's session version moves
    on, so a copy of this cookie (or any other session of the account) no
    longer signs anyone in. Signing out therefore signs out everywhere: the
    cookie is the only session record, and we keep none per device."""
    user = actor()
    if user is not None:
        user.session_version += 1
        db.session.commit()
    logout_user()
    session.clear()


def note_verified(user: User) -> None:
    """After an address is confirmed: the confirming session, if it is that
    account's, remembers it."""
    if user.verified and current_user.is_authenticated and current_user.id == user.id:
        remember_verified()


def install(app: Flask) -> None:
    login_manager.login_view = "accounts_pages.login"
    login_manager.login_message = None

    @login_manager.user_loader
    def load_user(token: str) -> User | None:
        signed_in = parse_user_token(token)
        if signed_in is None:
            return None
        user = db.session.get(User, signed_in.id)
        # A password reset bumps the version, which signs out every other session.
        return user if user is not None and user.session_version == signed_in.version else None

    @login_manager.unauthorized_handler
    def unauthorized():
        if wants_json():
            raise login_required_error()
        return redirect(url_for("accounts_pages.login", next=request.full_path.rstrip("?")))


def login_required_error() -> ApiError:
    return ApiError("login_required", _("Sign in to do this."), 401)


def actor() -> User | None:
    return current_user if current_user.is_authenticated else None


def require_user() -> User:
    user = actor()
    if user is None:
        raise login_required_error()
    return user


def require_contest_creator() -> User:
    """May create contests: the global organiser role, or admin."""
    user = require_user()
    if not user.can_create_contests:
        raise forbidden()
    return user


def require_manager(contest_id: int) -> User:
    """One of that contest's organisers, or an admin; anyone else 403."""
    user = require_user()
    if not user.manages(contest_id):
        raise forbidden()
    return user


def require_admin() -> User:
    user = require_user()
    if not user.is_admin:
        raise forbidden()
    return user


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if actor() is None:
            return login_manager.unauthorized()
        return view(*args, **kwargs)
    return wrapped


def organiser_pages_required(view):
    """Signed in, with organiser pages to see (creates or manages contests);
    each page still checks the contest it shows with `require_manager`."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        user = actor()
        if user is None:
            return login_manager.unauthorized()
        if not user.is_organiser:
            raise forbidden(_("Only organisers can do this."))
        return view(*args, **kwargs)
    return wrapped
