"""The ballot route (voting/ballots/route.py) serves plain ballots in front of
Flask and hands everything else to the API view: whichever door a ballot
takes, the answer is the same. Each scenario runs against an app with the
route and one without it (VOTING_BALLOT_ROUTE=off), with voters of its own,
and the two answers must agree in status, error code and message, headers
and the cookies they set."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from flask import request_started
from sqlalchemy import select

from voting.ballots.models import Ballot
from voting.ballots.route import cookies_named
from voting.extensions import db

from tests.support.api import Api, assert_error
from tests.support.factories import iso
from tests.support.voting import cast, open_contest, proof, voter_api

SLUG = "wsis-prizes-test"


@pytest.fixture
def doors(make_app):
    return {"route": make_app(), "view": make_app(ballot_route=False)}


@pytest.fixture
def contests(app):
    return {"open": open_contest(app),
            "limited": open_contest(app, slug="limited", rate_limits={"account": "1/hour"}),
            "closed": closed_contest(app)}


def closed_contest(app):
    slug, ids = open_contest(app, slug="closed")
    now = datetime.now(timezone.utc)
    with app.app_context():
        from voting.contests.services import get_contest, update_contest
        update_contest(get_contest(slug), {"phases": {"voting": {"closes_at": iso(now - timedelta(seconds=1))}}},
                       None, now)
        db.session.commit()
        db.session.remove()
    return slug, ids


def answer(resp) -> dict:
    """What must agree between the two doors (not the receipt itself)."""
    body = resp.get_json(silent=True)
    error = body.get("error") if isinstance(body, dict) else None
    return {"status": resp.status_code, "error": error, "fields": sorted(body) if isinstance(body, dict) else None,
            "body_status": body.get("status") if isinstance(body, dict) else None,
            "content_type": resp.headers.get("Content-Type"), "vary": resp.headers.get("Vary"),
            "retry_after": "Retry-After" in resp.headers,
            "cookies": sorted(c.split("=", 1)[0] for c in resp.headers.getlist("Set-Cookie"))}


def post_raw(api: Api, slug: str, data, content_type="application/json", headers=None):
    """A ballot request as sent; a Cookie header given here replaces the client's cookies."""
    client = api.client.application.test_client(use_cookies=False) if "Cookie" in (headers or {}) else api.client
    return client.post(f"/api/v1/contests/{slug}/ballots", data=data, content_type=content_type,
                       headers={"X-CSRFToken": api.csrf, **(headers or {})})


def ballot(api, slug, ids, category="c1", **extra):
    return {"category": category, "selection": [ids[category][0]], "pow": proof(api, slug), **extra}


def forget_verified(api):
    with api.client.session_transaction() as session:
        session.pop("voter_verified", None)


SCENARIOS = {
    "plain": lambda api, c: cast(api, c["open"][0], "c1", [c["open"][1]["c1"][0]]),
    "form signals": lambda api, c: cast(api, c["open"][0], "c1", [c["open"][1]["c1"][0]],
                                        form={"website": "", "rendered": "not-a-token"}),
    "twice": lambda api, c: (cast(api, c["open"][0], "c1", [c["open"][1]["c1"][0]]),
                             cast(api, c["open"][0], "c1", [c["open"][1]["c1"][1]]))[1],
    "entry of another category": lambda api, c: cast(api, c["open"][0], "c1", [c["open"][1]["c2"][0]]),
    "unknown category": lambda api, c: cast(api, c["open"][0], "c9", [c["open"][1]["c1"][0]]),
    "bad nonce": lambda api, c: api.post(f"/api/v1/contests/{SLUG}/ballots", json={
        **ballot(api, SLUG, c["open"][1]), "pow": {**proof(api, SLUG), "nonce": "x"}}),
    "no proof": lambda api, c: cast(api, c["open"][0], "c1", [c["open"][1]["c1"][0]], with_proof=False),
    "reused proof": lambda api, c: (lambda p: (
        api.post(f"/api/v1/contests/{SLUG}/ballots", json={"category": "c1", "selection": [c["open"][1]["c1"][0]],
                                                           "pow": p}),
        api.post(f"/api/v1/contests/{SLUG}/ballots", json={"category": "c2", "selection": [c["open"][1]["c2"][0]],
                                                           "pow": p}))[1])(proof(api, SLUG)),
    "rate limited": lambda api, c: (cast(api, "limited", "c1", [c["limited"][1]["c1"][0]]),
                                    cast(api, "limited", "c2", [c["limited"][1]["c2"][0]]))[1],
    "phase closed": lambda api, c: cast(api, "closed", "c1", [c["closed"][1]["c1"][0]]),
    "unknown contest": lambda api, c: cast(api, "nope", "c1", [1], with_proof=False),
    "no csrf header": lambda api, c: api.client.post(f"/api/v1/contests/{SLUG}/ballots",
                                                     json=ballot(api, SLUG, c["open"][1])),
    "wrong csrf header": lambda api, c: api.post(f"/api/v1/contests/{SLUG}/ballots", json=ballot(
        api, SLUG, c["open"][1]), headers={"X-CSRFToken": "0" * 64}),
    "no device cookie": lambda api, c: (lambda body: (api.client.delete_cookie("vdid"), api.post(
        f"/api/v1/contests/{SLUG}/ballots", json=body))[1])(ballot(api, SLUG, c["open"][1])),
    "session that must learn verification": lambda api, c: (
        forget_verified(api), cast(api, SLUG, "c1", [c["open"][1]["c1"][0]]))[1],
    "plain, cookies as sent": lambda api, c: post_raw(api, SLUG, json.dumps(ballot(api, SLUG, c["open"][1])).encode(),
                                                      headers={"Cookie": cookie_header(api)}),
    "malformed json": lambda api, c: post_raw(api, SLUG, b'{"category": '),
    "form encoded": lambda api, c: post_raw(api, SLUG, b"category=c1", "application/x-www-form-urlencoded"),
    "list body": lambda api, c: post_raw(api, SLUG, b"[1, 2]"),
    "unknown field": lambda api, c: post_raw(api, SLUG, json.dumps({**ballot(api, SLUG, c["open"][1]),
                                                                    "extra": 1}).encode()),
    "NUL in text": lambda api, c: post_raw(api, SLUG, json.dumps({**ballot(api, SLUG, c["open"][1]),
                                                                  "category": "c\u0000"}).encode()),
    "UTF-16 body": lambda api, c: post_raw(api, SLUG, json.dumps(ballot(api, SLUG, c["open"][1])).encode("utf-16")),
    "vendor json type": lambda api, c: post_raw(api, SLUG, json.dumps(ballot(api, SLUG, c["open"][1])).encode(),
                                                "application/vnd.ballot+json; charset=utf-8"),
    "quoted cookie": lambda api, c: post_raw(api, SLUG, json.dumps(ballot(api, SLUG, c["open"][1])).encode(),
                                             headers={"Cookie": 'other="a; session=x"; ' + cookie_header(api)}),
    "empty session cookie first": lambda api, c: post_raw(
        api, SLUG, json.dumps(ballot(api, SLUG, c["open"][1])).encode(),
        headers={"Cookie": "session; " + cookie_header(api)}),
    "tampered session": lambda api, c: post_raw(api, SLUG, json.dumps(ballot(api, SLUG, c["open"][1])).encode(),
                                                headers={"Cookie": cookie_header(api, tamper=True)}),
    "spaces in the session cookie": lambda api, c: post_raw(
        api, SLUG, json.dumps(ballot(api, SLUG, c["open"][1])).encode(),
        headers={"Cookie": cookie_header(api).replace("session=", "session=", 1).replace(".", ".   ", 1)}),
    "vertical tab before the session cookie": lambda api, c: post_raw(
        api, SLUG, json.dumps(ballot(api, SLUG, c["open"][1])).encode(),
        headers={"Cookie": "\x0b" + cookie_header(api)}),
    "form feed in the session cookie": lambda api, c: post_raw(
        api, SLUG, json.dumps(ballot(api, SLUG, c["open"][1])).encode(),
        headers={"Cookie": cookie_header(api).replace("session=", "session=\x0c", 1)}),
}


def cookie_header(api: Api, tamper: bool = False) -> str:
    jar = {c.key: c.value for c in api.client._cookies.values()}
    if tamper:
        jar["session"] = jar["session"][:-2] + ("AA" if not jar["session"].endswith("AA") else "BB")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_both_doors_answer_alike(doors, make, contests, scenario):
    answers = {}
    for door, app in doors.items():
        api = voter_api(app, make, f"{door}-{re.sub('[^a-z0-9]+', '-', scenario.lower())}@example.org")
        answers[door] = answer(SCENARIOS[scenario](api, contests))
    assert answers["route"] == answers["view"]
    assert answers["route"]["status"] < 500


def test_an_unverified_account_is_refused_at_both_doors(doors, make, contests):
    for door, app in doors.items():
        api = voter_api(app, make, f"{door}@example.org", verified=False)
        assert_error(cast(api, SLUG, "c1", [contests["open"][1]["c1"][0]]), 403, "email_unverified")


def test_anonymous_ballots_are_refused_at_both_doors(doors, contests):
    for app in doors.values():
        anon = Api(app.test_client())
        assert_error(anon.post(f"/api/v1/contests/{SLUG}/ballots", json={"category": "c1", "selection": [1]}),
                     401, "login_required")


def flask_requests(app) -> list[str]:
    seen: list[str] = []
    request_started.connect(lambda sender, **extra: seen.append("flask"), app, weak=False)
    return seen


def test_the_route_serves_a_plain_ballot_and_flask_renders_what_the_intake_refuses(make_app, make, contests):
    app = make_app()
    api = voter_api(app, make)
    ids = contests["open"][1]
    seen = flask_requests(app)
    challenge = proof(api, SLUG)
    seen.clear()
    body = {"category": "c1", "selection": [ids["c1"][0]], "pow": challenge}
    assert api.post(f"/api/v1/contests/{SLUG}/ballots", json=body).status_code == 201
    assert seen == []  # Flask never saw it
    assert_error(cast(api, SLUG, "c1", [ids["c1"][1]]), 409, "already_voted")
    assert seen.count("flask") == 2  # the challenge, and the refusal the route handed over


def test_a_new_device_and_a_session_learning_verification_go_through_flask(make_app, make, contests):
    app = make_app()
    ids = contests["open"][1]
    api = voter_api(app, make)
    forget_verified(api)
    api.client.delete_cookie("vdid")
    challenge = proof(api, SLUG)
    api.client.delete_cookie("vdid")
    seen = flask_requests(app)
    resp = api.post(f"/api/v1/contests/{SLUG}/ballots",
                    json={"category": "c1", "selection": [ids["c1"][0]], "pow": challenge})
    assert resp.status_code == 201 and seen == ["flask"]
    assert {c.split("=", 1)[0] for c in resp.headers.getlist("Set-Cookie")} == {"session", "vdid"}
    seen.clear()
    assert cast(api, SLUG, "c2", [ids["c2"][0]]).status_code == 201
    assert seen == ["flask"]  # the challenge only: the ballot itself was plain now


def test_the_route_records_the_address_the_trusted_proxy_names(make_app, make, contests):
    ids = contests["open"][1]
    for proxies, email, expected in ((0, "direct@example.org", "127.0.0.1"), (1, "proxied@example.org", "203.0.113.9")):
        app = make_app(trusted_proxies=proxies)
        api = voter_api(app, make, email)
        body = {"category": "c1", "selection": [ids["c1"][0]], "pow": proof(api, SLUG)}
        assert api.post(f"/api/v1/contests/{SLUG}/ballots", json=body,
                        headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 201
    with make_app().app_context():
        stored = {b.client_ip for b in db.session.scalars(select(Ballot))}
        db.session.remove()
    assert stored == {"127.0.0.1", "203.0.113.9"}


def test_a_session_cookie_past_its_lifetime_opens_no_session_at_either_door(doors, make, contests, time_machine):
    when = datetime.now(timezone.utc)
    time_machine.move_to(when)
    answers = {}
    for door, app in doors.items():
        api = voter_api(app, make, f"{door}-old@example.org")
        body = {"category": "c1", "selection": [contests["open"][1]["c1"][0]], "pow": proof(api, SLUG)}
        when += app.permanent_session_lifetime + timedelta(minutes=1)
        time_machine.move_to(when)
        answers[door] = answer(api.post(f"/api/v1/contests/{SLUG}/ballots", json=body))
    # The session is empty, so its CSRF secret is gone: the token cannot match.
    assert answers["route"] == answers["view"] and answers["route"]["error"]["code"] == "csrf_failed"


@pytest.mark.parametrize("header", [
    "session=abc; vdid=x", "session; session=abc", " session = abc ;vdid=1=2", 'other="a; session=f"; session=real',
    'session="quoted"; vdid=2', "a=1", "", "vdid=1; vdid=2; session=", ";;session=s;;",
    "session=a b c", "\x0bsession=abc", "session=\x0cabc", "session=a b; session=c",
])
def test_cookies_are_read_as_werkzeug_reads_them(header):
    from werkzeug.sansio.http import parse_cookie
    parsed = parse_cookie(header)
    assert cookies_named(header, ("session", "vdid")) == {k: parsed[k] for k in ("session", "vdid") if k in parsed}


def test_debug_mode_sends_every_ballot_through_flask(make_app, make, contests):
    app = make_app()
    app.debug = True
    api = voter_api(app, make)
    challenge = proof(api, SLUG)
    seen = flask_requests(app)
    resp = api.post(f"/api/v1/contests/{SLUG}/ballots",
                    json={"category": "c1", "selection": [contests["open"][1]["c1"][0]], "pow": challenge})
    assert resp.status_code == 201 and seen == ["flask"]



def test_a_fault_of_the_route_s_own_leaves_the_ballot_to_the_view(make_app, make, contests, monkeypatch):
    app = make_app()
    api = voter_api(app, make)
    body = {"category": "c1", "selection": [contests["open"][1]["c1"][0]], "pow": proof(api, SLUG)}

    def broken(*_args):
        raise RuntimeError("a bug in the route")

    monkeypatch.setattr("voting.ballots.route.cookies_named", broken)
    seen = flask_requests(app)
    assert api.post(f"/api/v1/contests/{SLUG}/ballots", json=body).status_code == 201
    assert seen == ["flask"]
