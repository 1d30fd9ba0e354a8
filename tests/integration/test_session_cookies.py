"""Session cookies: signed with the app's key, readable after the key is
rotated into the fallbacks, and refused once tampered with or signed by
another key. The signer is built once per set of keys, not per request."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from flask import request

from voting import sessions

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


# The ballot route opens cookies itself (SessionInterface.read): a cookie under
# the current key the fast way, anything else through itsdangerous, and always
# to what Flask's own session interface finds.

def opened_by_flask(app, cookie: str) -> dict:
    with app.test_request_context(headers={"Cookie": f"session={cookie}"}):
        return dict(app.session_interface.open_session(app, request))


def cookie_with(app, **data) -> str:
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.dumps(data)


def test_read_finds_what_flask_finds(app, make):
    cookie = session_cookie(app, make)
    data = app.session_interface.read(app, cookie)
    assert data == opened_by_flask(app, cookie) and data["_user_id"]
    assert sessions._fast_open(signer_of(app), cookie, 3600) == data  # the fast way took it


def signer_of(app):
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.make_signer(serializer.salt)


@pytest.mark.parametrize("value", [("a", "tuple"), b"bytes", " leading space", {" t": "looks tagged"}, "plain"])
def test_tagged_values_are_left_to_flask_s_serializer(app, value):
    cookie = cookie_with(app, _user_id="1:0", value=value)
    assert app.session_interface.read(app, cookie) == opened_by_flask(app, cookie)
    assert app.session_interface.read(app, cookie)["value"] == value


def test_read_opens_a_cookie_of_a_fallback_key_and_refuses_a_forged_or_expired_one(app, make, make_app,
                                                                                  time_machine):
    cookie = session_cookie(app, make)
    rotated = make_app(secret_key="a-new-secret-key-for-the-rotation-test")
    assert rotated.session_interface.read(rotated, cookie) is None
    rotated.config["SECRET_KEY_FALLBACKS"] = [app.secret_key]
    assert rotated.session_interface.read(rotated, cookie) == opened_by_flask(app, cookie)

    payload, _, signature = cookie.rpartition(".")
    for forged in (payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:], cookie + "x",
                   "not a cookie", "é.é.é", ".x.y.z"):
        assert app.session_interface.read(app, forged) is None
    time_machine.move_to(datetime.now(timezone.utc) + app.permanent_session_lifetime + timedelta(minutes=1))
    assert app.session_interface.read(app, cookie) is None
    assert opened_by_flask(app, cookie) == {}
