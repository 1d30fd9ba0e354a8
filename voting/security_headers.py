"""The security headers every response carries, HTML or JSON, through either
door (API.md, "Conventions").

- `X-Content-Type-Options: nosniff`: a browser takes a response for what its
  Content-Type says, never for what it guesses from the bytes (an uploaded
  photo, a JSON answer echoing what a user typed).
- `Referrer-Policy: strict-origin-when-cross-origin`: other sites learn at most
  our origin, never a path or query (receipt codes, mail-link tokens), and
  nothing over a downgrade to HTTP. Not `no-referrer`: with it browsers send
  `Origin: null` on our own form posts, which defeats origin checks at a proxy.
- `Content-Security-Policy`: the pages load their scripts, styles, images and
  `fetch` calls from our own origin only, with no inline code at all (the
  templates have none; keep it so: put scripts in voting/static/, read data
  from data- attributes), post forms only to us, and may not be framed
  (clickjacking a ballot form). Everything else is refused.
- `Strict-Transport-Security` in production over HTTPS: browsers come back
  only over HTTPS for a year, so a network attacker cannot strip TLS. Not in
  development, where it would pin `localhost` to HTTPS for every other
  project on the machine; not with `VOTING_ALLOW_INSECURE_HTTP`.

The list is computed once per app. Flask's responses get it from a WSGI
middleware around Flask (errors, static and media files, redirects: every
response Flask writes, whatever wrote it); the ballot route, which writes its
own 201 in front of Flask, adds the same list itself, so the ballot path pays
one list concatenation and no extra call.
"""

from __future__ import annotations

from typing import Callable, Iterable

from flask import Flask

from voting.config import Settings

Header = tuple[str, str]
EXTENSION = "voting.security_headers"

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",  # pow.js fetches its challenge
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
))
REFERRER_POLICY = "strict-origin-when-cross-origin"
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def for_settings(settings: Settings) -> list[Header]:
    """The headers every response of an app with these settings carries."""
    headers = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", REFERRER_POLICY),
               ("Content-Security-Policy", CONTENT_SECURITY_POLICY)]
    if settings.env == "production" and settings.https:
        headers.append(("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY))
    return headers


def of(app: Flask) -> list[Header]:
    """The app's list, as `install` computed it."""
    return app.extensions[EXTENSION]


class SecurityHeaders:
    """WSGI middleware adding the headers to every response of the app it wraps.

    A header the response already has (a view that needs a policy of its own)
    is left as the view set it, so nothing is ever sent twice.
    """

    def __init__(self, wsgi_app: Callable, headers: list[Header]):
        self.wsgi_app = wsgi_app
        self.headers = headers
        self.names = frozenset(name.lower() for name, _ in headers)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        def start(status: str, response_headers: list[Header], exc_info=None):
            for name, _ in response_headers:
                if name.lower() in self.names:  # rare: keep the response's own, add the rest
                    present = {n.lower() for n, _ in response_headers}
                    extra = [h for h in self.headers if h[0].lower() not in present]
                    return start_response(status, response_headers + extra, exc_info)
            return start_response(status, response_headers + self.headers, exc_info)

        return self.wsgi_app(environ, start)


def install(app: Flask) -> None:
    """Compute the app's list and wrap Flask's WSGI app (before the ballot route wraps it in turn)."""
    headers = for_settings(app.config["VOTING"])
    app.extensions[EXTENSION] = headers
    app.wsgi_app = SecurityHeaders(app.wsgi_app, headers)  # type: ignore[method-assign]
