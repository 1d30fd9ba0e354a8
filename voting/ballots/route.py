"""`POST /api/v1/contests/<slug>/ballots`, served in front of Flask.

Every ballot of a campaign's last hour comes this way, and Flask's request
machinery (a request context, the session interface, before- and
after-request hooks, the rate limiter's filter, routing, a response object)
cost as much CPU as the intake's own work. This WSGI route takes a plain
ballot straight to the same intake service and answers 201 exactly as the
API view would (the same body and headers, security headers included). A
plain ballot is a JSON body that parses into a ballot, within the JSON size
limit, sent with a valid session cookie naming a signed-in account, the
session's CSRF token, a device cookie, and, where the contest asks for a
verified address, a session that already knows its account is verified.

Everything else goes to Flask as it came: other requests, and ballots the
route does not take as they are (no session, a bad token, a body that does
not parse, a new device, a session that must learn its account is verified,
...), which the API view then serves, refusals included. Up to that point the
route has only read. Once the intake has begun, it may have used the proof
or counted against a rate limit, so the route never hands the ballot over to
be cast again: it hands over what the intake raised, and the view raises
it, so that Flask's error handlers render it as they render everything else.
A fault of the route's own before the intake begins is logged, and the view
serves that ballot.

With `VOTING_BALLOT_ROUTE=off`, or in debug mode, every ballot goes through
the view; the answers are the same.
"""

from __future__ import annotations

import io
import logging
from typing import Callable, Iterable

from flask import Flask

from werkzeug.sansio.http import parse_cookie

from voting import clock, security_headers
from voting.api import csrf as api_csrf
from voting.api.request import decode_json, validate
from voting.auth import SessionUser, user_in
from voting.ballots import backends as intake_backends
from voting.ballots import contest_view, intake, wire
from voting.ballots.contest_view import ContestView

log = logging.getLogger(__name__)
WsgiApp = Callable[[dict, Callable], Iterable[bytes]]
Plain = tuple[ContestView, SessionUser, intake.Client, intake.BallotInput]
HANDED_OVER = "voting.ballot_route.handed_over"
PREFIX, SUFFIX = "/api/v1/contests/", "/ballots"


def handed_over(environ: dict) -> BaseException | None:
    """What the intake raised for a ballot the route began: the view raises it."""
    return environ.pop(HANDED_OVER, None)


def ballot_slug(environ: dict) -> str | None:
    """The contest's slug when the request is a POST to a contest's ballots."""
    if environ.get("REQUEST_METHOD") != "POST":
        return None
    path = environ.get("PATH_INFO", "")
    if not (path.startswith(PREFIX) and path.endswith(SUFFIX)):
        return None
    # As werkzeug decodes PATH_INFO for routing.
    slug = path[len(PREFIX):-len(SUFFIX)].encode("latin-1").decode("utf-8", "replace")
    return slug if slug and "/" not in slug else None


def cookies_named(header: str, names: tuple[str, ...]) -> dict[str, str]:
    """The first value of each named cookie, exactly as werkzeug parses the
    header for `request.cookies`."""
    parsed = parse_cookie(header)
    return {name: parsed[name] for name in names if name in parsed}


def is_json(content_type: str) -> bool:
    """What Flask's `request.is_json` answers for this Content-Type."""
    mimetype = content_type.split(";", 1)[0].strip().lower()
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


class BallotRoute:
    def __init__(self, app: Flask, flask_wsgi: WsgiApp):
        self.app = app
        self.flask_wsgi = flask_wsgi
        self.backends = intake_backends.of(app)
        # The headers Flask's answers get from the middleware around it (security_headers.py), once per app.
        self.security_headers = security_headers.of(app)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        slug = ballot_slug(environ)
        if slug is None or self.app.debug:
            return self.flask_wsgi(environ, start_response)
        try:
            body = self._body(environ)
            plain = self._plain(environ, slug, body) if body is not None else None
        except Exception:  # a fault of the route's own, before anything happened: the view serves the ballot
            log.exception("the ballot route could not read a ballot; the API view serves it")
            plain = None
        if plain is None:
            return self.flask_wsgi(environ, start_response)
        try:
            result = intake.cast(self.backends, *plain, clock.now())
        except Exception as exc:  # the intake began: Flask renders what it raised, and nothing runs twice
            environ[HANDED_OVER] = exc
            return self.flask_wsgi(environ, start_response)
        # As the view's jsonify writes it (a receipt is base32 and dashes: nothing to escape).
        payload = f'{{"receipt":"{result.receipt}","status":"received"}}\n'.encode()
        start_response("201 CREATED", [("Content-Type", "application/json"), ("Content-Length", str(len(payload))),
                                       ("Vary", "Cookie"), *self.security_headers])
        return [payload]

    def _body(self, environ: dict) -> bytes | None:
        """The JSON body, read whole (and left for Flask to read again), or
        None when there is none within the JSON size limit."""
        if not is_json(environ.get("CONTENT_TYPE", "")):
            return None
        length = environ.get("CONTENT_LENGTH", "")
        if not (length.isascii() and length.isdigit() and len(length) <= 12) or \
                not 0 < int(length) <= self.backends.settings.max_json_bytes:
            return None
        raw = environ["wsgi.input"].read(int(length))
        environ["wsgi.input"] = io.BytesIO(raw)
        return raw if len(raw) == int(length) else None

    def _plain(self, environ: dict, slug: str, raw: bytes) -> Plain | None:
        """What the intake needs to cast a plain ballot, or None (see above)."""
        session_cookie = self.app.config["SESSION_COOKIE_NAME"]
        cookies = cookies_named(environ.get("HTTP_COOKIE", ""), (session_cookie, wire.DEVICE_COOKIE))
        read = getattr(self.app.session_interface, "read", None)  # a session interface of our own
        session = read(self.app, cookies.get(session_cookie)) if read is not None else None
        if session is None:
            return None
        token = environ.get("HTTP_X_CSRFTOKEN", "")
        if not token or not api_csrf.matches(api_csrf.key_for(self.app), session.get("csrf_token"), token):
            return None
        voter, device = user_in(session), wire.device_id(cookies.get(wire.DEVICE_COOKIE))
        if voter is None or not device:
            return None
        try:
            body = validate(wire.BallotBody, decode_json(raw))
            contest = contest_view.get(slug, self.app)
        except Exception:  # a bad body or an unknown contest: the view meets the same and answers it
            return None
        if contest.voting["require_verified_email"] and not voter.verified:
            return None  # the view looks the account up, and the session remembers it
        client = wire.client(environ.get("REMOTE_ADDR") or "0.0.0.0", environ.get("HTTP_USER_AGENT", ""), device)
        return contest, voter, client, wire.ballot_input(self.backends, contest, body)


def install(app: Flask) -> None:
    app.wsgi_app = BallotRoute(app, app.wsgi_app)  # type: ignore[method-assign]
