"""Registering from a busy address (accounts/registration.py): the first
accounts an hour from an address need only the form; beyond, a proof of work
that gets harder with the hour's accounts, through the API and the page.
Real Redis: the hour's count and the tokens' single use live there."""

from __future__ import annotations

import pytest

from voting.guards.domain import pow

from tests.pages.support import page
from tests.pages.test_page_quality import check_page
from tests.support.api import Api, assert_error
from tests.support.factories import PASSWORD

ROOM = "203.0.113.77"


@pytest.fixture
def small(make_app):
    """Three free accounts an hour, then 6 bits: cheap proofs for tests."""
    return make_app(register_free_per_hour=3, register_pow_bits=6)


def on(app, ip: str = ROOM) -> Api:
    api = Api(app.test_client())
    api.client.environ_base["REMOTE_ADDR"] = ip
    api.refresh_csrf()
    return api


def body(n: int, **extra) -> dict:
    return {"email": f"person{n}@example.org", "password": PASSWORD, "display_name": f"Person {n}", **extra}


def solved(api: Api) -> dict:
    issued = api.get("/api/v1/auth/register/challenge").get_json()
    return {"token": issued["token"], "nonce": pow.solve(issued["token"], issued["bits"])}


def test_the_first_accounts_need_no_proof_and_the_next_ones_a_rising_one(small, redis_client):
    api = on(small)
    asked = []
    for n in range(12):
        issued = api.get("/api/v1/auth/register/challenge")
        assert issued.headers["Cache-Control"] == "no-store"
        asked.append(issued.get_json()["bits"])
        proof = {"token": issued.get_json()["token"], "nonce": pow.solve(issued.get_json()["token"], asked[-1])}
        if asked[-1] == 0:
            resp = api.post("/api/v1/auth/register", json=body(n))  # no proof needed
        else:
            err = assert_error(api.post("/api/v1/auth/register", json=body(n)), 400, "challenge_failed")
            assert "pow" in err["fields"] and "new challenge" in err["message"]
            resp = api.post("/api/v1/auth/register", json=body(n, pow=proof))
        assert resp.status_code == 201, resp.get_json()
    # 3 free; then 6 bits from 3 accounts, 7 from 6, 8 from 12 (not reached here).
    assert asked == [0, 0, 0, 6, 6, 6, 7, 7, 7, 7, 7, 7]
    (key,) = redis_client.keys("voting:register:n:*")
    assert ROOM in key.decode() and 3600 < redis_client.ttl(key) <= 7200
    assert on(small, "203.0.113.78").get("/api/v1/auth/register/challenge").get_json()["bits"] == 0  # its own


def test_a_registration_proof_is_used_once_and_must_be_as_hard_as_asked_now(small):
    api = on(small)
    for n in range(3):
        assert api.post("/api/v1/auth/register", json=body(n)).status_code == 201
    proof = solved(api)
    assert api.post("/api/v1/auth/register", json=body(3, pow=proof)).status_code == 201
    err = assert_error(api.post("/api/v1/auth/register", json=body(4, pow=proof)), 400, "challenge_failed")
    assert "used" in err["fields"]["pow"]
    early = solved(api)  # 6 bits, asked with 4 accounts in the hour
    for n in (4, 5):
        assert api.post("/api/v1/auth/register", json=body(n, pow=solved(api))).status_code == 201
    err = assert_error(api.post("/api/v1/auth/register", json=body(6, pow=early)), 400, "challenge_failed")
    assert "easier" in err["fields"]["pow"]  # 6 accounts now: 7 bits
    forged = {"token": early["token"].replace(".6.", ".7.", 1), "nonce": early["nonce"]}
    err = assert_error(api.post("/api/v1/auth/register", json=body(6, pow=forged)), 400, "challenge_failed")
    assert "not issued by this server" in err["fields"]["pow"]
    assert api.post("/api/v1/auth/register", json=body(6, pow=solved(api))).status_code == 201


def test_a_ballot_challenge_is_no_registration_proof(small, make):
    from tests.support.voting import open_contest
    slug, _ids = open_contest(small, pow_bits=6)
    api = on(small)
    for n in range(3):
        assert api.post("/api/v1/auth/register", json=body(n)).status_code == 201
    ballot = api.get(f"/api/v1/challenge?contest={slug}").get_json()
    proof = {"token": ballot["token"], "nonce": pow.solve(ballot["token"], ballot["bits"])}
    assert_error(api.post("/api/v1/auth/register", json=body(3, pow=proof)), 400, "challenge_failed")


def test_a_refused_registration_is_not_counted(small):
    api = on(small)
    for n in range(5):  # weak passwords: refused, nothing made
        assert api.post("/api/v1/auth/register", json=body(n, password="short")).status_code == 422
    assert api.get("/api/v1/auth/register/challenge").get_json()["bits"] == 0


def test_a_malformed_proof_is_a_validation_error(small):
    api = on(small)
    for bad in ({"token": "t"}, {"token": "t", "nonce": "1", "extra": 1}, {"token": 5, "nonce": "1"}):
        err = assert_error(api.post("/api/v1/auth/register", json=body(0, pow=bad)), 422, "validation_error")
        assert any(path.startswith("pow") for path in err["fields"])


def test_without_redis_no_proof_is_asked(make_app):
    app = make_app(register_free_per_hour=1, register_pow_bits=6, redis_url="redis://127.0.0.1:1/0")
    api = Api(app.test_client())
    api.client.environ_base["REMOTE_ADDR"] = ROOM
    api.refresh_csrf()
    for n in range(3):
        assert api.post("/api/v1/auth/register", json=body(n)).status_code == 201
    assert api.get("/api/v1/auth/register/challenge").get_json()["bits"] == 0


# --- the registration page -------------------------------------------------------------------------------------

def register_page(client, n: int, **extra):
    form = page(client.get("/register")).form("/register")
    data = {**form["fields"], "email": f"page{n}@example.org", "password": PASSWORD, "display_name": f"Page {n}",
            **extra}
    return client.post("/register", data=data)


def test_the_register_page_asks_its_script_for_a_proof_once_the_address_is_busy(small):
    client = small.test_client()
    client.environ_base["REMOTE_ADDR"] = ROOM
    first = client.get("/register")
    check_page(first)
    doc = page(first)
    (form,) = doc.find("form", action="/register")
    assert form["data-pow-bits"] == "6" and form["data-challenge-url"] == "/api/v1/auth/register/challenge"
    assert doc.find("script", src="/static/pow.js", defer="") and "<noscript>" not in doc.html  # none needed yet
    for n in range(3):  # without JavaScript: the form as it is
        assert register_page(client, n).status_code == 303
    busy = client.get("/register")
    check_page(busy)
    assert "<noscript>" in busy.get_data(as_text=True)
    refused = register_page(client, 3)
    check_page(refused, 400)
    assert "Check that JavaScript is turned on" in page(refused).text
    assert page(refused).form("/register")["fields"]["pow_token"] == ""
    api = Api(client)
    resp = register_page(client, 3, **{f"pow_{k}": v for k, v in solved(api).items()})  # as pow.js does
    assert resp.status_code == 303 and resp.headers["Location"] == "/login"
