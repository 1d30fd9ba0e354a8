from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.pages.support import page, sign_in, submit
from tests.support.api import remembers_verified
from tests.support.factories import PASSWORD


def test_register_verify_sign_in_and_out(client, mailbox):
    resp = submit(client, "/register", email="ada@example.org", password=PASSWORD,
                  display_name="Ada", country="CH")
    assert resp.status_code == 303 and resp.headers["Location"] == "/login"
    assert "We have sent a link to ada@example.org" in page(client.get("/login")).text

    token = mailbox.last_token("ada@example.org")
    doc = page(client.get(f"/verify?token={token}"))
    assert doc.headings[0] == (1, "Your address is confirmed")

    resp = sign_in(client, "ada@example.org")
    assert resp.headers["Location"] == "/"
    session = client.get("/api/v1/session").get_json()["user"]
    assert session["email"] == "ada@example.org" and session["verified"] is True
    assert remembers_verified(client)  # so voting need not look it up
    assert "Sign out" in page(client.get("/")).text

    home = page(client.get("/"))
    resp = client.post("/logout", data=home.form("/logout")["fields"])
    assert resp.status_code == 303
    assert client.get("/api/v1/session").get_json()["user"] is None
    assert "You are signed out." in page(client.get("/")).text


def test_register_shows_each_problem_next_to_its_field(client):
    resp = submit(client, "/register", email="not-an-address", password="short", display_name=" ", country="XX")
    assert resp.status_code == 422
    doc = page(resp)
    assert "There is a problem" in doc.text
    for name in ("email", "password", "display_name", "country"):
        (control,) = [a for tag, a in doc.elements if a.get("id") == name and tag in {"input", "select"}]
        assert control["aria-invalid"] == "true"
        assert f"{name}-error" in control["aria-describedby"].split()
        assert doc.find("div", id=f"{name}-error")
        assert doc.find("a", href=f"#{name}")  # the summary links to the field
    assert "Must be at least 10 characters." in doc.text
    assert doc.find("input", id="email")[0]["value"] == "not-an-address"  # kept for correcting


def test_register_with_a_taken_address_is_409(client, make):
    make.user("ada@gmail.com")
    resp = submit(client, "/register", email="A.D.A@gmail.com", password=PASSWORD, display_name="Ada")
    assert resp.status_code == 409
    assert "Is already registered." in page(resp).text


def test_verify_with_a_bad_token_explains(client):
    resp = client.get("/verify?token=forged")
    assert resp.status_code == 422
    doc = page(resp)
    assert doc.headings[0] == (1, "This link does not work")
    assert "The verification link is not valid." in doc.text
    assert client.get("/verify").status_code == 422


def test_a_signed_in_user_can_ask_for_a_new_verification_link(client, make, mailbox):
    make.user("grace@example.org", verified=False)
    sign_in(client, "grace@example.org")
    assert not remembers_verified(client)
    resp = submit(client, "/verify/resend")
    assert resp.status_code == 303
    token = mailbox.last_token("grace@example.org")
    assert client.get(f"/verify?token={token}").status_code == 200
    assert remembers_verified(client)


def test_login_failure_is_401_with_a_message(client, make):
    make.user("grace@example.org")
    resp = submit(client, "/login", email="grace@example.org", password="wrong password")
    assert resp.status_code == 401
    doc = page(resp)
    assert "The address or the password is wrong." in doc.text
    assert doc.find("input", id="email")[0]["value"] == "grace@example.org"
    assert client.get("/api/v1/session").get_json()["user"] is None


def test_login_is_rate_limited(client, make):
    make.user("grace@example.org")
    for _ in range(5):
        assert submit(client, "/login", email="grace@example.org", password="wrong password").status_code == 401
    resp = submit(client, "/login", email="grace@example.org", password=PASSWORD)
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) >= 1
    assert page(resp).headings[0] == (1, "Too many attempts")
    assert client.get("/login").status_code == 200  # showing the form is not limited


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example",
                                    "/\t/evil.example", "javascript:alert(1)", "evil.example"])
def test_unsafe_next_is_ignored(client, make, target):
    make.user("grace@example.org")
    query = "?next=" + quote(target, safe="")
    assert page(client.get("/login" + query)).form("/login")["action"] == "/login"
    resp = submit(client, "/login", query=query, email="grace@example.org", password=PASSWORD)
    assert resp.status_code == 303 and resp.headers["Location"] == "/"


def test_safe_next_is_followed(client, make):
    make.organiser("boss@example.org")
    resp = client.get("/organiser/")
    assert resp.status_code == 302
    login_url = resp.headers["Location"]
    resp = submit(client, login_url, "/login", email="boss@example.org", password=PASSWORD)
    assert resp.headers["Location"] == "/organiser/"


def test_forgot_and_reset_password(client, make, mailbox, app):
    make.user("grace@example.org")
    for address in ("grace@example.org", "nobody@example.org"):
        resp = submit(client, "/forgot", email=address)
        assert resp.status_code == 200
        assert page(resp).headings[0] == (1, "Check your mail")  # the same answer for both
    token = mailbox.last_token("grace@example.org")
    assert not mailbox.messages("nobody@example.org")

    resp = submit(client, f"/reset?token={token}", "/reset", password="short")
    assert resp.status_code == 422
    assert "Must be at least 10 characters." in page(resp).text

    resp = submit(client, f"/reset?token={token}", "/reset", password="a brand new secret")
    assert resp.status_code == 303 and resp.headers["Location"] == "/login"
    sign_in(client, "grace@example.org", "a brand new secret")

    resp = submit(app.test_client(), f"/reset?token={token}", "/reset", password="yet another secret")
    assert resp.status_code == 422  # a reset link works once
    assert page(resp).headings[0] == (1, "This link does not work")


def test_reset_without_a_token(client):
    assert client.get("/reset").status_code == 400


def test_forms_need_their_csrf_token(client, make):
    make.user("grace@example.org")
    client.get("/login")
    resp = client.post("/login", data={"email": "grace@example.org", "password": PASSWORD})
    assert resp.status_code == 403
    assert client.get("/api/v1/session").get_json()["user"] is None
