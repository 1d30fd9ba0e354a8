"""Account rate limits, shared by the API and the pages: the same budget
whichever door a guesser uses."""

from __future__ import annotations

from flask import current_app, request

from voting.accounts.domain import normalise_email
from voting.extensions import limiter
from voting.netutil import client_subject


def _setting(name: str):
    return lambda: getattr(current_app.config["VOTING"], name)


def _login_account_key() -> str:
    try:
        data = request.get_json(silent=True) if request.is_json else request.form
    except RecursionError:  # the view answers malformed_json; the key just needs a value
        return "-"
    email = data.get("email") if hasattr(data, "get") else None
    return normalise_email(email)[:320] if isinstance(email, str) and email else "-"


def _failed(response) -> bool:
    return response.status_code == 401


LIMITED = "voting_rate_limited"


def marking(decorator):
    """The limiter's decorator, also marking the view: requests to views
    without a mark skip the limiter (see `unlimited`)."""
    def apply(view):
        limited = decorator(view)
        setattr(limited, LIMITED, True)
        return limited
    return apply


# "Per address" is per IPv4 address and per IPv6 /64 (netutil.subject_of).
login_ip = marking(limiter.shared_limit(_setting("login_limit_ip"), scope="login-ip", key_func=client_subject,
                                         deduct_when=_failed))
login_account = marking(limiter.shared_limit(_setting("login_limit_account"), scope="login-account",
                                              key_func=_login_account_key, deduct_when=_failed))
register_ip = marking(limiter.shared_limit(_setting("register_limit_ip"), scope="register-ip",
                                            key_func=client_subject))
mail_ip = marking(limiter.shared_limit(_setting("login_limit_ip"), scope="mail-ip", key_func=client_subject))


def with_login_limits(view):
    """Failed logins (401 answers) per client address and per account."""
    return login_ip(login_account(view))


@limiter.request_filter
def unlimited() -> bool:
    """A request filter: the app sets no default limits, so only marked views
    have any, and every other request (a ballot, say) can skip the limiter's
    resolution of limits, which costs more than many a whole view."""
    config = current_app.config
    if config.get("RATELIMIT_DEFAULT") or config.get("RATELIMIT_APPLICATION"):
        return False  # limits for every view: nothing may skip them
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(view, LIMITED, False)
