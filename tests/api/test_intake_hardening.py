"""The intake's answers to bad input and replays (issue 11), at both doors:
the ballot route (voting/ballots/route.py) and the API view give the same
answer to every ballot here, as tests/api/test_ballot_route.py requires of
every scenario."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from voting import redis_keys as keys
from voting.ballots import backends, challenges, contest_view
from voting.ballots.models import Ballot
from voting.extensions import db

from tests.support.api import Api, assert_error
from tests.support.factories import PASSWORD
from tests.support.voting import cast, open_contest, proof, voter_api


@pytest.fixture
def doors(make_app):
    return {"route": make_app(), "view": make_app(ballot_route=False)}


def post(api: Api, slug: str, body: dict):
    return api.post(f"/api/v1/contests/{slug}/ballots", json=body)


def stored(app) -> dict[str, Ballot]:
    """Ballots by category, detached."""
    with app.app_context():
        rows = {}
        for ballot in db.session.scalars(select(Ballot).order_by(Ballot.id)):
            rows.setdefault(ballot.voter_id, {})[ballot.category_id] = ballot
            db.session.expunge(ballot)
        db.session.remove()
    return rows


def ballots_of(app) -> list[Ballot]:
    with app.app_context():
        found = list(db.session.scalars(select(Ballot).order_by(Ballot.id)))
        for ballot in found:
            db.session.expunge(ballot)
        db.session.remove()
    return found


# --- 1. score selections: malformed keys are 422, before anything is spent ---------------------------------

BAD_SCORE_KEYS = ["²", "٣", "+1", " 1", "1 ", "1_0", "01", "1" * 13, "", "1.0", "0x1", "-1", "１"]


@pytest.mark.parametrize("key", BAD_SCORE_KEYS)
def test_a_malformed_score_key_is_invalid_selection_at_both_doors(doors, make, app, key):
    slug, ids = open_contest(app, method="score", score_max=5)
    for door, door_app in doors.items():
        api = voter_api(door_app, make, f"{door}@example.org")
        resp = cast(api, slug, "c1", {key: 3})
        err = assert_error(resp, 422, "invalid_selection")
        assert "selection" in err["fields"]


def test_a_refused_selection_spends_neither_the_proof_nor_the_rate_limits(doors, make, app):
    slug, ids = open_contest(app, method="score", rate_limits={"account": "1/hour"})
    for door, door_app in doors.items():
        api = voter_api(door_app, make, f"{door}@example.org")
        good = proof(api, slug)
        for bad in ({"²": 3}, {str(ids["c2"][0]): 3}, {str(ids["c1"][0]): 99}):
            assert_error(post(api, slug, {"category": "c1", "selection": bad, "pow": good}), 422, "invalid_selection")
        # The same proof, and the account's one ballot an hour, are still there.
        resp = post(api, slug, {"category": "c1", "selection": {str(ids["c1"][0]): 3}, "pow": good})
        assert resp.status_code == 201, resp.get_json()


def test_a_score_ballot_stores_the_keys_as_sent(app, make):
    slug, ids = open_contest(app, method="score")
    a, b, _c = ids["c1"]
    api = voter_api(app, make)
    assert cast(api, slug, "c1", {str(a): 4, str(b): 0}).status_code == 201
    (ballot,) = ballots_of(app)
    assert ballot.selection == {str(a): 4, str(b): 0}


# --- 3. a challenge carries its difficulty, and the gate asks for the current one ----------------------------

def spike(app, make, slug: str, attempts: int) -> None:
    """Real ballot attempts (without proof: refused, but counted in the intake's per-minute rate)."""
    api = voter_api(app, make, "flood@example.org")
    for _ in range(attempts):
        assert_error(cast(api, slug, "c1", [1], with_proof=False), 400, "challenge_failed")


def test_a_challenge_issued_before_a_spike_is_refused_after_it_at_both_doors(doors, make, app):
    slug, ids = open_contest(app, pow_bits=4, pow_spike_per_minute=5)
    voters = {door: voter_api(door_app, make, f"{door}@example.org") for door, door_app in doors.items()}
    early = {door: api.get(f"/api/v1/challenge?contest={slug}").get_json() for door, api in voters.items()}
    assert {c["bits"] for c in early.values()} == {4}
    spike(app, make, slug, 6)  # above 5 a minute: one more bit
    for door, api in voters.items():
        body = {"category": "c1", "selection": [ids["c1"][0]],
                "pow": {"token": early[door]["token"], "nonce": solve(early[door])}}
        err = assert_error(post(api, slug, body), 400, "challenge_failed")
        assert "pow.token" in err["fields"] and "new challenge" in err["message"]
        fresh = api.get(f"/api/v1/challenge?contest={slug}").get_json()
        assert fresh["bits"] == 5
        resp = post(api, slug, {**body, "pow": {"token": fresh["token"], "nonce": solve(fresh)}})
        assert resp.status_code == 201, resp.get_json()


def solve(challenge: dict) -> str:
    from voting.guards.domain import pow
    return pow.solve(challenge["token"], challenge["bits"])


def test_a_refused_too_easy_challenge_is_not_used_up(app, make, redis_client):
    """Refused as too easy, a proof is not marked used: once the spike has
    passed (here: its counters gone), the same proof is good again."""
    slug, ids = open_contest(app, pow_bits=4, pow_spike_per_minute=5)
    api = voter_api(app, make)
    early = api.get(f"/api/v1/challenge?contest={slug}").get_json()
    spike(app, make, slug, 6)
    body = {"category": "c1", "selection": [ids["c1"][0]], "pow": {"token": early["token"], "nonce": solve(early)}}
    assert_error(post(api, slug, body), 400, "challenge_failed")
    with app.app_context():
        contest_id = contest_view.get(slug).id
    rate_keys = list(redis_client.scan_iter(match=keys.intake_rate(contest_id, 0)[:-1] + "*"))
    assert rate_keys
    redis_client.delete(*rate_keys)
    assert post(api, slug, body).status_code == 201


# --- 4. render-time tokens expire and are single use -------------------------------------------------------

def render_token(app, slug: str, at: datetime) -> str:
    with app.app_context():
        return challenges.render_token(backends.current(), contest_view.get(slug), at)


def test_a_render_token_vouches_for_one_ballot_at_both_doors(doors, make, app):
    slug, ids = open_contest(app, min_render_seconds=30)
    for door, door_app in doors.items():
        api = voter_api(door_app, make, f"{door}@example.org")
        token = render_token(app, slug, datetime.now(timezone.utc) - timedelta(minutes=5))
        for category in ("c1", "c2"):  # the same page's token for a second ballot
            resp = cast(api, slug, category, [ids[category][0]], form={"website": "", "rendered": token})
            assert resp.status_code == 201 and resp.get_json()["status"] == "received"
    for by_category in stored(app).values():
        first, second = by_category.values()
        assert first.status == "counted" and "render_reused" not in first.flags
        # Judged by its challenge, fetched a moment before: too fast, held; answered alike.
        assert second.status == "under_review" and {"render_reused", "too_fast"} <= set(second.flags)


def test_an_expired_render_token_counts_for_nothing(doors, make, app):
    slug, ids = open_contest(app, min_render_seconds=30)
    for door, door_app in doors.items():
        api = voter_api(door_app, make, f"{door}@example.org")
        token = render_token(app, slug, datetime.now(timezone.utc) - timedelta(seconds=challenges.RENDER_TOKEN_SECONDS + 60))
        resp = cast(api, slug, "c1", [ids["c1"][0]], form={"website": "", "rendered": token})
        assert resp.status_code == 201
    for by_category in stored(app).values():
        (ballot,) = by_category.values()
        assert ballot.status == "under_review" and {"render_expired", "too_fast"} <= set(ballot.flags)


def test_a_refused_ballot_does_not_use_up_its_render_token(app, make):
    slug, ids = open_contest(app, min_render_seconds=30)
    api = voter_api(app, make)
    token = render_token(app, slug, datetime.now(timezone.utc) - timedelta(minutes=5))
    form = {"website": "", "rendered": token, "script": {"visible_ms": 300_000, "input": True}}
    assert_error(cast(api, slug, "c1", [ids["c1"][0]], with_proof=False, form=form), 400, "challenge_failed")
    assert_error(cast(api, slug, "c1", [ids["c2"][0]], form=form), 422, "invalid_selection")
    assert cast(api, slug, "c1", [ids["c1"][0]], form=form).status_code == 201
    (ballot,) = ballots_of(app)
    assert ballot.status == "counted" and ballot.flags == []
    assert 300_000 <= ballot.page_ms < 360_000  # the page's five minutes, not the refusals' moments


def test_a_render_token_of_the_old_shape_is_no_render_time(app, make):
    """[contest, time] without an id cannot be used once only: it counts for nothing."""
    slug, ids = open_contest(app, min_render_seconds=30)
    api = voter_api(app, make)
    with app.app_context():
        old = backends.current().render_serializer.dumps(
            [contest_view.get(slug).id, int((datetime.now(timezone.utc) - timedelta(minutes=5)).timestamp())])
    assert cast(api, slug, "c1", [ids["c1"][0]], form={"website": "", "rendered": old}).status_code == 201
    (ballot,) = ballots_of(app)
    assert ballot.status == "under_review" and "too_fast" in ballot.flags


def test_a_render_token_is_marked_for_its_lifetime_only(app, make, redis_client):
    slug, ids = open_contest(app, min_render_seconds=0)
    api = voter_api(app, make)
    rendered = datetime.now(timezone.utc) - timedelta(hours=1)
    token = render_token(app, slug, rendered)
    assert cast(api, slug, "c1", [ids["c1"][0]], form={"website": "", "rendered": token}).status_code == 201
    (key,) = redis_client.keys("*:rendered:*")
    left = redis_client.pttl(key) / 1000
    assert challenges.RENDER_TOKEN_SECONDS - 3600 - 60 < left <= challenges.RENDER_TOKEN_SECONDS - 3600 + 10


# --- 5. account limits per IPv6 /64 --------------------------------------------------------------------------

def failed_login(app, address: str):
    api = Api(app.test_client())
    api.client.environ_base["REMOTE_ADDR"] = address
    api.refresh_csrf()
    return api.post("/api/v1/auth/login", json={"email": "nobody@example.org", "password": "wrong password"})


def test_failed_logins_are_limited_per_ipv6_64(make_app, make):
    app = make_app(login_limit_ip="3/minute", login_limit_account="1000/minute")
    for n in range(1, 4):
        assert_error(failed_login(app, f"2001:db8:1:2::{n:x}"), 401, "invalid_credentials")
    assert_error(failed_login(app, "2001:db8:1:2:ffff:ffff:ffff:ffff"), 429, "rate_limited")  # the same /64
    assert_error(failed_login(app, "2001:db8:1:3::1"), 401, "invalid_credentials")  # the next /64


def test_ipv4_stays_per_address_and_ipv4_mapped_is_ipv4(make_app, make):
    app = make_app(login_limit_ip="2/minute", login_limit_account="1000/minute")
    for address in ("192.0.2.1", "::ffff:192.0.2.1"):
        assert_error(failed_login(app, address), 401, "invalid_credentials")
    assert_error(failed_login(app, "192.0.2.1"), 429, "rate_limited")
    assert_error(failed_login(app, "192.0.2.2"), 401, "invalid_credentials")  # its neighbour has its own


def test_registrations_are_limited_per_ipv6_64(make_app):
    app = make_app(register_limit_ip="2/hour")
    answers = []
    for n in range(1, 4):
        api = Api(app.test_client())
        api.client.environ_base["REMOTE_ADDR"] = f"2001:db8:5:6::{n}"
        api.refresh_csrf()
        answers.append(api.post("/api/v1/auth/register", json={
            "email": f"new{n}@example.org", "password": PASSWORD, "display_name": f"New {n}"}).status_code)
    assert answers[:2] == [201, 201] and answers[2] == 429


# --- 6. receipts: a lookup with the code in the body ---------------------------------------------------------

def test_a_receipt_can_be_looked_up_with_the_code_in_the_body(app, make):
    slug, ids = open_contest(app)
    api = voter_api(app, make)
    code = cast(api, slug, "c1", [ids["c1"][0]]).get_json()["receipt"]
    by_path = api.get(f"/api/v1/receipts/{code}")
    anonymous = app.test_client()  # no session cookie: no CSRF header needed
    by_body = anonymous.post("/api/v1/receipts/lookup", json={"receipt": " " + code.lower()})
    assert by_body.status_code == 200 and by_body.get_json() == by_path.get_json()
    assert api.post("/api/v1/receipts/lookup", json={"receipt": code}).status_code == 200  # with the header
    assert_error(api.client.post("/api/v1/receipts/lookup", json={"receipt": code}), 403, "csrf_failed")
    assert_error(anonymous.post("/api/v1/receipts/lookup", json={"receipt": "AAAA-BBBB"}), 404, "not_found")
    assert_error(anonymous.post("/api/v1/receipts/lookup", json={"receipt": 7}), 422, "validation_error")
    assert_error(anonymous.post("/api/v1/receipts/lookup", json={}), 422, "validation_error")
    resp = anonymous.get("/api/v1/receipts/lookup")  # the lookup's path, not a code
    assert_error(resp, 405, "method_not_allowed")
    assert resp.headers["Allow"] == "POST"
