from __future__ import annotations

import pytest
from flask_limiter.util import get_qualified_name

from voting.accounts.limits import LIMITED, unlimited
from voting.extensions import limiter

from tests.support.api import Api, assert_error, remembers_verified
from tests.support.factories import PASSWORD


@pytest.fixture
def api(client):
    return Api(client)


def register(api, email="ada@example.org", password=PASSWORD, **extra):
    body = {"email": email, "password": password, "display_name": "Ada", **extra}
    return api.post("/api/v1/auth/register", json=body)


def test_session_without_user_gives_csrf_token(api):
    resp = api.get("/api/v1/session")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["user"] is None
    assert isinstance(body["csrf_token"], str) and len(body["csrf_token"]) > 20


def test_register_verify_login_logout(api, mailbox):
    resp = register(api, country="CH")
    assert resp.status_code == 201, resp.get_json()
    user = resp.get_json()["user"]
    assert user["email"] == "ada@example.org" and user["verified"] is False
    assert user["roles"] == ["voter"] and user["display_name"] == "Ada"

    token = mailbox.last_token("ada@example.org")
    resp = api.post("/api/v1/auth/verify", json={"token": token})
    assert resp.status_code == 200
    assert resp.get_json()["user"]["verified"] is True

    api.login("ada@example.org", PASSWORD)
    assert api.get("/api/v1/session").get_json()["user"]["email"] == "ada@example.org"
    assert api.post("/api/v1/auth/logout").status_code == 204
    assert api.get("/api/v1/session").get_json()["user"] is None


@pytest.mark.parametrize("alias", ["A.d.a+votes@gmail.com", "ADA@googlemail.com", "ada+x@GMAIL.com"])
def test_gmail_aliases_are_taken(api, alias):
    assert register(api, email="ada@gmail.com").status_code == 201
    err = assert_error(register(api, email=alias), 409, "email_taken")
    assert "email" in err["fields"]


def test_outlook_plus_tags_are_taken_but_dots_are_not(api):
    assert register(api, email="ada.l@outlook.com").status_code == 201
    assert_error(register(api, email="Ada.L+prizes@Outlook.com"), 409, "email_taken")
    assert register(api, email="adal@outlook.com").status_code == 201


def test_disposable_domain_is_rejected(api):
    err = assert_error(register(api, email="bot@mailinator.com"), 422, "email_rejected")
    assert err["fields"] == {"email": "is on a disposable-mail domain"}
    assert_error(register(api, email="bot@sub.mailinator.com"), 422, "email_rejected")


def test_register_reports_every_bad_field(api):
    resp = api.post("/api/v1/auth/register",
                    json={"email": "not-an-address", "password": "short", "display_name": " ", "country": "XX"})
    err = assert_error(resp, 422, "validation_error")
    assert set(err["fields"]) == {"email", "password", "display_name", "country"}


def test_register_rejects_unknown_fields_and_wrong_types(api):
    err = assert_error(api.post("/api/v1/auth/register", json={"email": 5, "password": PASSWORD,
                                                                "display_name": "A", "admin": True}),
                       422, "validation_error")
    assert err["fields"]["email"] and err["fields"]["admin"] == "is not a known field"


def test_bad_verification_token(api):
    err = assert_error(api.post("/api/v1/auth/verify", json={"token": "nonsense"}), 422, "validation_error")
    assert "token" in err["fields"]


def test_login_wrong_password_and_unknown_account(api, make):
    make.user("grace@example.org")
    api.refresh_csrf()
    assert_error(api.post("/api/v1/auth/login", json={"email": "grace@example.org", "password": "wrong password"}),
                 401, "invalid_credentials")
    assert_error(api.post("/api/v1/auth/login", json={"email": "nobody@example.org", "password": PASSWORD}),
                 401, "invalid_credentials")


def test_login_is_rate_limited_per_account(api, make):
    make.user("grace@example.org")
    api.refresh_csrf()
    for _ in range(5):
        resp = api.post("/api/v1/auth/login", json={"email": "grace@example.org", "password": "wrong password!"})
        assert resp.status_code == 401
    resp = api.post("/api/v1/auth/login", json={"email": "Grace@Example.org", "password": PASSWORD})
    assert_error(resp, 429, "rate_limited")
    assert int(resp.headers["Retry-After"]) >= 1
    # Another account from the same address is not blocked by this one's limit.
    make.user("alan@example.org")
    assert api.post("/api/v1/auth/login", json={"email": "alan@example.org", "password": PASSWORD}).status_code == 200


def test_login_is_rate_limited_per_ip(make_app):
    app = make_app(login_limit_ip="3/minute", login_limit_account="100/minute")
    api = Api(app.test_client())
    for i in range(3):
        resp = api.post("/api/v1/auth/login", json={"email": f"u{i}@example.org", "password": "wrong password!"})
        assert resp.status_code == 401
    resp = api.post("/api/v1/auth/login", json={"email": "u9@example.org", "password": "wrong password!"})
    assert_error(resp, 429, "rate_limited")
    # A different client address has its own budget.
    resp = api.client.post("/api/v1/auth/login", json={"email": "u9@example.org", "password": "wrong password!"},
                           environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert resp.status_code == 401


def test_successful_logins_do_not_use_up_the_limit(api, make):
    make.user("grace@example.org")
    for _ in range(8):
        api.login("grace@example.org", PASSWORD)


def test_password_reset_flow_invalidates_old_sessions_and_token(api, client, mailbox, make, app):
    make.user("grace@example.org")
    other = Api(app.test_client())
    other.login("grace@example.org", PASSWORD)

    api.refresh_csrf()
    assert api.post("/api/v1/auth/password/forgot", json={"email": "grace@example.org"}).status_code == 202
    assert api.post("/api/v1/auth/password/forgot", json={"email": "nobody@example.org"}).status_code == 202
    token = mailbox.last_token("grace@example.org")
    resp = api.post("/api/v1/auth/password/reset", json={"token": token, "password": "a brand new secret"})
    assert resp.status_code == 200
    assert_error(api.post("/api/v1/auth/password/reset", json={"token": token, "password": "another new secret"}),
                 422, "validation_error")
    # The session that was signed in before the reset is signed out.
    assert other.get("/api/v1/session").get_json()["user"] is None
    api.login("grace@example.org", "a brand new secret")


def test_csrf_required_with_session_cookie(client):
    client.get("/api/v1/session")  # sets the session cookie
    resp = client.post("/api/v1/auth/login", json={"email": "a@example.org", "password": PASSWORD})
    assert_error(resp, 403, "csrf_failed")
    resp = client.post("/api/v1/auth/login", json={"email": "a@example.org", "password": PASSWORD},
                       headers={"X-CSRFToken": "forged"})
    assert_error(resp, 403, "csrf_failed")


def test_roles_in_user(api, make):
    make.organiser("boss@example.org")
    body = api.login("boss@example.org", PASSWORD).get_json()
    assert body["user"]["roles"] == ["organiser", "voter"]
    assert body["user"]["verified"] is True


def test_page_and_api_logins_share_one_budget(api, make, client):
    make.user("grace@example.org")
    api.refresh_csrf()
    for _ in range(5):
        resp = api.post("/api/v1/auth/login", json={"email": "grace@example.org", "password": "wrong password!"})
        assert resp.status_code == 401
    page = client.get("/login")
    import re
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    resp = client.post("/login", data={"csrf_token": token, "email": "grace@example.org", "password": PASSWORD})
    assert resp.status_code == 429


def test_signing_in_a_verified_account_remembers_it_in_the_session(api, client, make):
    make.user("grace@example.org")
    api.login("grace@example.org", PASSWORD)
    assert remembers_verified(client)


def test_signing_in_an_unverified_account_does_not(api, client, make):
    make.user("grace@example.org", verified=False)
    api.login("grace@example.org", PASSWORD)
    assert not remembers_verified(client)


def test_confirming_the_address_while_signed_in_remembers_it(api, client, mailbox):
    assert register(api).status_code == 201
    api.login("ada@example.org", PASSWORD)
    assert not remembers_verified(client)
    resp = api.post("/api/v1/auth/verify", json={"token": mailbox.last_token("ada@example.org")})
    assert resp.status_code == 200
    assert remembers_verified(client)


def test_confirming_someone_elses_address_does_not_mark_this_session(api, client, make, mailbox):
    make.user("grace@example.org", verified=False)
    assert register(api).status_code == 201
    token = mailbox.last_token("ada@example.org")
    api.login("grace@example.org", PASSWORD)
    assert api.post("/api/v1/auth/verify", json={"token": token}).status_code == 200
    assert not remembers_verified(client)


def test_every_limited_view_is_marked_so_the_limiter_never_skips_it(app):
    """Requests to unmarked views skip the limiter; a limit added without the
    mark would silently never apply."""
    limited = {endpoint for endpoint, view in app.view_functions.items()
               if get_qualified_name(view) in limiter._marked_for_limiting}
    marked = {endpoint for endpoint, view in app.view_functions.items() if getattr(view, LIMITED, False)}
    assert limited == marked
    assert {"accounts_api.login", "accounts_pages.login_submit", "accounts_api.register"} <= marked
    assert "ballots_api.cast_ballot" not in marked and "health.health" not in marked


def test_with_limits_for_every_view_no_request_skips_the_limiter(make_app):
    app = make_app()
    app.config["RATELIMIT_DEFAULT"] = "100/minute"
    with app.test_request_context("/api/v1/health"):
        assert unlimited() is False
    app.config["RATELIMIT_DEFAULT"] = None
    with app.test_request_context("/api/v1/health"):
        assert unlimited() is True
    with app.test_request_context("/api/v1/auth/login", method="POST"):
        assert unlimited() is False
