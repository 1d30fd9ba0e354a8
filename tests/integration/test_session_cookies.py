"""Session cookies: signed with the app's key, readable after the key is
rotated into the fallbacks, and refused once tampered with or signed by
another key. The signer is built once per set of keys, not per request."""

from __future__ import annotations

from tests.support.api import Api
from tests.support.factories import PASSWORD


def signed_in(app, cookie: str) -> bool:
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client.get("/api/v1/session").get_json()["user"] is not None


def session_cookie(app, make) -> str:
    make.user("grace@example.org")
    client = app.test_client()
    Api(client).login("grace@example.org", PASSWORD)
    return client.get_cookie("session").value


def test_a_cookie_opens_with_its_key_and_with_the_key_in_the_fallbacks(app, make, make_app):
    cookie = session_cookie(app, make)
    assert signed_in(app, cookie)
    rotated = make_app(secret_key="a-new-secret-key-for-the-rotation-test")
    assert not signed_in(rotated, cookie)
    rotated.config["SECRET_KEY_FALLBACKS"] = [app.secret_key]
    assert signed_in(rotated, cookie)


def test_a_tampered_cookie_opens_an_empty_session(app, make):
    cookie = session_cookie(app, make)
    payload, _, signature = cookie.rpartition(".")
    forged = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    assert not signed_in(app, forged)
