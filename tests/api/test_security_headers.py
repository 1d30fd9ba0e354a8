"""Every response carries the security headers (voting/security_headers.py),
whoever wrote it: API answers and errors, pages and error pages, redirects,
static and media files, and ballots at both doors (the ballot route's own 201
and what the API view answers). In production the app insists on HTTPS:
it refuses an http:// base URL unless plain HTTP is waived, its cookies are
Secure however the base URL is spelled, and browsers are told to keep to
HTTPS (HSTS)."""

from __future__ import annotations

import io

import pytest
from flask import request_started
from PIL import Image

from voting.config import ConfigError, Settings

from tests.pages.support import add_entry, page
from tests.support.api import Api, assert_error
from tests.support.factories import PASSWORD
from tests.support.voting import cast, open_contest, proof, voter_api

HTTPS_BASE = "https://vote.example.org"


def policy(resp) -> dict[str, list[str]]:
    (header,) = resp.headers.getlist("Content-Security-Policy")  # one policy, not two to intersect
    directives = [d.split() for d in header.split(";") if d.strip()]
    assert len({d[0] for d in directives}) == len(directives), header  # browsers ignore a repeated directive
    return {d[0]: d[1:] for d in directives}


def assert_secured(resp, hsts: bool = False) -> None:
    assert resp.headers.getlist("X-Content-Type-Options") == ["nosniff"], resp.headers
    assert resp.headers.getlist("Referrer-Policy") == ["strict-origin-when-cross-origin"], resp.headers
    directives = policy(resp)
    assert directives["frame-ancestors"] == ["'none'"] and directives["default-src"] == ["'none'"]
    assert ("Strict-Transport-Security" in resp.headers) is hsts, resp.headers


def flask_requests(app) -> list[str]:
    seen: list[str] = []
    request_started.connect(lambda sender, **extra: seen.append("flask"), app, weak=False)
    return seen


def jpeg_entry(app, make) -> int:
    organiser = make.organiser()
    make.contest(slug="photos", kind="photo")
    image = io.BytesIO()
    Image.new("RGB", (8, 6), "green").save(image, "PNG")
    return add_entry(app, "photos", organiser.id, image=image.getvalue(), title="Sunrise")


# --- every kind of response ----------------------------------------------------------------------------------

def test_api_answers_and_api_errors(app, client):
    resp = client.get("/api/v1/session")
    assert resp.status_code == 200 and resp.is_json
    assert_secured(resp)
    for resp, status, code in (
            (client.get("/api/v1/contests/nope"), 404, "not_found"),
            (client.get("/api/v1/no-such-thing"), 404, "not_found"),
            (client.delete("/api/v1/session"), 403, "csrf_failed"),  # the session's cookie, no token
            (app.test_client().delete("/api/v1/session"), 405, "method_not_allowed"),
            (app.test_client().post("/api/v1/auth/login", data=b"{", content_type="application/json"), 400,
             "malformed_json"),
            (app.test_client().post("/api/v1/auth/login", json={"email": 1}), 422, "validation_error")):
        assert_error(resp, status, code)
        assert_secured(resp)


def test_pages_error_pages_and_redirects(app, client, make):
    home = client.get("/")
    assert home.status_code == 200 and home.mimetype == "text/html"
    assert_secured(home)
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert_secured(missing)
    slug, _ = open_contest(app)
    to_login = client.get(f"/contests/{slug}/vote/c1")  # signed out: off to the login page
    assert to_login.status_code == 302 and "/login" in to_login.headers["Location"]
    assert_secured(to_login)
    make.user("pages@example.org")
    form = page(client.get("/login")).form("/login")
    signed_in = client.post("/login", data={**form["fields"], "email": "pages@example.org", "password": PASSWORD})
    assert signed_in.status_code == 303
    assert_secured(signed_in)


def test_static_and_media_files(app, client, make):
    for name in ("site.css", "pow.js"):
        resp = client.get(f"/static/{name}")
        assert resp.status_code == 200
        assert_secured(resp)
        again = client.get(f"/static/{name}", headers={"If-None-Match": resp.headers["ETag"]})
        assert again.status_code == 304
        assert_secured(again)
        resp.close()
    photo = client.get(f"/media/entries/{jpeg_entry(app, make)}.jpg", follow_redirects=True)
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert_secured(photo)
    photo.close()
    assert_secured(client.get("/media/entries/999999.jpg"))


def test_the_ballot_route_s_own_answer_and_the_view_s(make_app, make):
    """The route writes its 201 itself: it must send what Flask's answers get."""
    app = make_app()
    slug, ids = open_contest(app)
    api = voter_api(app, make)
    challenge = proof(api, slug)
    seen = flask_requests(app)
    served = api.post(f"/api/v1/contests/{slug}/ballots",
                      json={"category": "c1", "selection": [ids["c1"][0]], "pow": challenge})
    assert served.status_code == 201 and seen == []  # the route served it: Flask never saw it
    assert_secured(served)

    refused = cast(api, slug, "c1", [ids["c1"][1]])  # the route began it, the view renders the refusal
    assert_error(refused, 409, "already_voted")
    assert_secured(refused)
    no_token = api.client.post(f"/api/v1/contests/{slug}/ballots",
                               json={"category": "c2", "selection": [ids["c2"][0]], "pow": proof(api, slug)})
    assert_error(no_token, 403, "csrf_failed")  # never taken by the route
    assert_secured(no_token)

    view = make_app(ballot_route=False)
    by_view = cast(voter_api(view, make, "view@example.org"), slug, "c1", [ids["c1"][0]])
    assert by_view.status_code == 201
    security = ("X-Content-Type-Options", "Referrer-Policy", "Content-Security-Policy", "Strict-Transport-Security")
    assert [(k, v) for k, v in served.headers if k in security] == [(k, v) for k, v in by_view.headers if k in security]


def test_the_ballot_page_loads_nothing_its_policy_refuses(app, make):
    """No inline script or style, no event-handler attribute: every script,
    style sheet, image, fetch and form is our own origin's."""
    slug, _ = open_contest(app, pow_bits=8)
    api = voter_api(app, make)
    resp = api.client.get(f"/contests/{slug}/vote/c1")
    assert resp.status_code == 200
    assert_secured(resp)
    directives = policy(resp)
    for directive in ("script-src", "style-src", "img-src", "connect-src", "form-action"):
        assert directives[directive] == ["'self'"], directive
    doc = page(resp)
    scripts = doc.find("script")
    assert scripts and all(s.get("src", "").startswith("/static/") for s in scripts)
    assert "<script>" not in doc.html and "<style" not in doc.html
    assert [link["href"] for link in doc.find("link", rel="stylesheet")] == ["/static/site.css"]
    for tag, attrs in doc.elements:
        assert "style" not in attrs and not any(name.startswith("on") for name in attrs), (tag, attrs)
        for name in ("src", "href", "action", "data-challenge-url"):
            assert not attrs.get(name, "").startswith(("http:", "https:", "//", "javascript:")), (tag, attrs)


def test_a_response_s_own_header_is_kept_and_none_is_sent_twice(app):
    """A view that needs a policy of its own (a future page with a widget) sets it; the rest are added."""
    from voting.security_headers import SecurityHeaders, of

    def own_policy(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain"), ("content-security-policy", "default-src 'self'")])
        return [b"ok"]

    sent = []
    body = SecurityHeaders(own_policy, of(app))({}, lambda status, headers, exc_info=None: sent.extend(headers))
    assert list(body) == [b"ok"]
    names = [name.lower() for name, _ in sent]
    assert len(names) == len(set(names)) and ("content-security-policy", "default-src 'self'") in sent
    assert ("X-Content-Type-Options", "nosniff") in sent
    assert ("Referrer-Policy", "strict-origin-when-cross-origin") in sent


# --- production: HTTPS only ----------------------------------------------------------------------------------

def production_env(**extra: str) -> dict[str, str]:
    return {"VOTING_ENV": "production", "VOTING_SECRET_KEY": "a-production-secret-key", **extra}


def test_production_refuses_an_http_base_url(make_app, base_settings):
    for base_url in ("http://vote.example.org", "HTTP://vote.example.org", "http://localhost:5000"):
        with pytest.raises(ConfigError, match="VOTING_BASE_URL.*VOTING_ALLOW_INSECURE_HTTP"):
            make_app(env="production", base_url=base_url)
    with pytest.raises(ConfigError, match="VOTING_BASE_URL"):
        Settings.from_env(production_env())  # the default base URL is http://localhost:5000
    with pytest.raises(ConfigError, match="VOTING_BASE_URL"):
        make_app(env="production", base_url="vote.example.org")  # no scheme at all: mail links would be broken
    with pytest.raises(ConfigError, match="VOTING_BASE_URL"):  # settings built directly are checked too
        from voting import create_app
        create_app(Settings(**{**base_settings, "env": "production", "base_url": "http://vote.example.org"}))
    # Development (scripts/run) and tests keep plain HTTP.
    assert not Settings.from_env({"VOTING_ENV": "development"}).secure_cookies
    assert not make_app(env="testing", base_url="http://localhost").config["SESSION_COOKIE_SECURE"]


def test_the_waiver_lets_production_serve_plain_http(make_app, make):
    settings = Settings.from_env(production_env(VOTING_BASE_URL="http://vote.internal",
                                                VOTING_ALLOW_INSECURE_HTTP="true"))
    assert settings.allow_insecure_http and not settings.secure_cookies
    app = make_app(env="production", base_url="http://vote.internal", allow_insecure_http=True)
    make.user("plain@example.org")
    resp = Api(app.test_client()).login("plain@example.org", PASSWORD)
    # Browsers would drop Secure cookies over plain HTTP, and ignore HSTS there.
    assert "secure" not in cookie_attributes(resp)["session"]
    assert_secured(resp, hsts=False)


def cookie_attributes(resp) -> dict[str, set[str]]:
    found = {}
    for header in resp.headers.getlist("Set-Cookie"):
        name = header.split("=", 1)[0]
        found[name] = {part.strip().split("=", 1)[0].lower() for part in header.split(";")[1:]}
    return found


@pytest.mark.parametrize("base_url", [HTTPS_BASE, "HTTPS://Vote.Example.org", " https://vote.example.org/ "])
def test_production_cookies_are_secure_however_the_base_url_is_spelled(make_app, make, base_url):
    app = make_app(env="production", base_url=base_url)
    slug, _ = open_contest(app)
    make.user("secure@example.org")
    api = Api(app.test_client())  # plain HTTP to the app, as behind a TLS-terminating proxy
    login = api.login("secure@example.org", PASSWORD)
    assert {"secure", "httponly"} <= cookie_attributes(login)["session"]
    challenge = api.get(f"/api/v1/challenge?contest={slug}")
    assert challenge.status_code == 200
    assert {"secure", "httponly"} <= cookie_attributes(challenge)["vdid"]
    assert app.config["REMEMBER_COOKIE_SECURE"]


def test_production_over_https_tells_browsers_to_keep_to_https(make_app, make):
    app = make_app(env="production", base_url=HTTPS_BASE)
    slug, ids = open_contest(app)
    client = app.test_client()
    for resp in (client.get("/"), client.get("/static/site.css"), client.get("/api/v1/contests/nope")):
        assert_secured(resp, hsts=True)
        assert resp.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        resp.close()
    api = voter_api(app, make, "hsts@example.org")
    challenge = proof(api, slug)
    seen = flask_requests(app)
    served = api.post(f"/api/v1/contests/{slug}/ballots",
                      json={"category": "c1", "selection": [ids["c1"][0]], "pow": challenge})
    assert served.status_code == 201 and seen == []
    assert_secured(served, hsts=True)
