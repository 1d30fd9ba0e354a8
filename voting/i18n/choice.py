"""Which language a request reads, first found wins:

1. `?lang=xx` in the address (the switcher's links), which is then remembered
   in the `lang` cookie for the pages that follow;
2. that cookie;
3. the signed-in account's language (the account page sets it, registration
   records the language the person registered in);
4. the browser's `Accept-Language`;
5. the default (`VOTING_DEFAULT_LOCALE`).

The API follows the same choice, so an error message reads as the pages do.
Outside a request (a job, a command) the default speaks; mails choose their
recipient's language themselves (voting/mail.py)."""

from __future__ import annotations

from typing import Callable

from flask import Flask, Response, current_app, has_request_context, request
from flask_login import current_user

from voting.i18n.domain import SOURCE, parse

COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600  # a reader's language outlives sessions; a year, then the browser asks again
# Pages, whose words depend on the language chosen. (Not the API's JSON: its successes say no words,
# its errors are not for caching, and the ballot route's fast 201 must answer as the view does.)
WORDED = {"text/html"}


def asked() -> str | None:
    """The language the address asks for (`?lang=`), if we speak it."""
    return parse(request.args.get("lang"))


def _account() -> str | None:
    # current_user loads the account only when the session names one (API calls without it load nothing).
    return parse(current_user.locale) if current_user and current_user.is_authenticated else None


def _accepted(available: list[str]) -> str | None:
    for tag, _quality in request.accept_languages:  # best first
        found = parse(tag)
        if found in available:
            return found
    return None


def fallback(default: str, available: list[str]) -> str:
    """The default setting as a locale we speak (`zh` → `zh_Hans`); English if it names none."""
    found = parse(default)
    return found if found in available else SOURCE


def selector(available: list[str], default: str) -> Callable[[], str]:
    """Flask-Babel's locale selector over the languages that have a catalogue."""
    default = fallback(default, available)

    def select() -> str:
        if not has_request_context():
            return default
        for found in (asked(), parse(request.cookies.get(COOKIE)), _account()):
            if found in available:
                return found
        return _accepted(available) or default
    return select


def remember(locale: str | None, response: Response) -> None:
    """Keep the reader's language for the pages that follow."""
    if locale is None:
        response.delete_cookie(COOKIE)
        return
    response.set_cookie(COOKIE, locale, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True,
                        secure=current_app.config["SESSION_COOKIE_SECURE"])


def install(app: Flask) -> None:
    @app.after_request
    def _remember_asked(response: Response) -> Response:
        locale = asked()
        if locale is not None and request.cookies.get(COOKIE) != locale:
            remember(locale, response)
        if response.mimetype in WORDED:  # a cache must keep one copy per language
            response.vary.update(("Accept-Language", "Cookie"))
        return response
