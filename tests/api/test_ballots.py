from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from voting.ballots.models import Ballot
from voting.extensions import db

from tests.support.api import Api, assert_error
from tests.support.factories import PASSWORD
from tests.support.voting import cast, open_contest, proof, voter_api


@pytest.fixture
def contest(app):
    return open_contest(app)


def test_single_ballot_is_counted_with_a_receipt(app, make, contest):
    slug, ids = contest
    api = voter_api(app, make)
    resp = cast(api, slug, "c1", [ids["c1"][0]])
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "received" and len(body["receipt"]) >= 20
    receipt = api.get(f"/api/v1/receipts/{body['receipt']}").get_json()
    assert receipt["status"] == "received" and receipt["contest"] == slug and receipt["category"] == "c1"
    assert set(receipt) == {"receipt", "contest", "category", "cast_at", "status", "ledger"}
    with app.app_context():
        ballot = db.session.scalar(select(Ballot))
        assert ballot.status == "counted" and ballot.selection == [ids["c1"][0]]


def test_second_ballot_in_category_is_refused_but_other_category_works(app, make, contest):
    slug, ids = contest
    api = voter_api(app, make)
    assert cast(api, slug, "c1", [ids["c1"][0]]).status_code == 201
    assert_error(cast(api, slug, "c1", [ids["c1"][1]]), 409, "already_voted")
    assert cast(api, slug, "c2", [ids["c2"][1]]).status_code == 201


def test_already_voted_is_enforced_by_the_database_without_redis_precheck(app, make, contest, redis_client):
    slug, ids = contest
    api = voter_api(app, make)
    assert cast(api, slug, "c1", [ids["c1"][0]]).status_code == 201
    redis_client.flushdb()  # the dedupe set is gone; SQL still says no
    assert_error(cast(api, slug, "c1", [ids["c1"][0]]), 409, "already_voted")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1


def test_login_required_and_unverified(app, make, contest):
    slug, ids = contest
    anon = Api(app.test_client())
    assert_error(anon.post(f"/api/v1/contests/{slug}/ballots", json={"category": "c1", "selection": [1]}),
                 401, "login_required")
    api = voter_api(app, make, "new@example.org", verified=False)
    assert_error(cast(api, slug, "c1", [ids["c1"][0]]), 403, "email_unverified")


@pytest.mark.parametrize("sign_out_first", [True, False], ids=["after-sign-out", "signing-in-over"])
def test_a_verified_account_does_not_vouch_for_the_next_one_on_the_same_cookie(app, make, contest,
                                                                                  sign_out_first):
    slug, ids = contest
    api = voter_api(app, make, "verified@example.org")
    assert cast(api, slug, "c1", [ids["c1"][0]]).status_code == 201  # verified, and remembered
    if sign_out_first:
        assert api.post("/api/v1/auth/logout").status_code == 204
    make.user("unverified@example.org", verified=False)
    api.login("unverified@example.org", PASSWORD)
    assert_error(cast(api, slug, "c1", [ids["c1"][0]]), 403, "email_unverified")


def test_phase_closed(app, make):
    slug, ids = open_contest(app)
    api = voter_api(app, make)
    organiser = Api(app.test_client())
    organiser.login("organiser@example.org", "correct horse battery")
    resp = organiser.patch(f"/api/v1/contests/{slug}", json={"phases": {"voting": {
        "closes_at": (datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat()}}})
    assert resp.status_code == 200, resp.get_json()
    assert_error(cast(api, slug, "c1", [ids["c1"][0]]), 409, "phase_closed")


@pytest.mark.parametrize("selection, why", [
    ([], "size"), ([1, 2], "size"), (["x"], "type"), ([999999], "unknown"), ({"1": 2}, "shape")])
def test_invalid_single_selection(app, make, contest, selection, why):
    slug, ids = contest
    api = voter_api(app, make)
    err = assert_error(cast(api, slug, "c1", selection), 422, "invalid_selection")
    assert "selection" in err["fields"]


def test_entry_of_another_category_and_unknown_category(app, make, contest):
    slug, ids = contest
    api = voter_api(app, make)
    assert_error(cast(api, slug, "c1", [ids["c2"][0]]), 422, "invalid_selection")
    assert_error(cast(api, slug, "nope", [ids["c1"][0]]), 422, "invalid_selection")


def test_approval_ballot(app, make):
    slug, ids = open_contest(app, method="approval", max_choices=2)
    api = voter_api(app, make)
    assert_error(cast(api, slug, "c1", ids["c1"][:3]), 422, "invalid_selection")
    assert_error(cast(api, slug, "c1", [ids["c1"][0], ids["c1"][0]]), 422, "invalid_selection")
    assert cast(api, slug, "c1", ids["c1"][:2]).status_code == 201


def test_score_ballot(app, make):
    slug, ids = open_contest(app, method="score", score_max=5)
    api = voter_api(app, make)
    a, b, _ = ids["c1"]
    assert_error(cast(api, slug, "c1", {str(a): 6}), 422, "invalid_selection")
    assert_error(cast(api, slug, "c1", {str(a): True}), 422, "invalid_selection")
    assert_error(cast(api, slug, "c1", [a]), 422, "invalid_selection")
    assert cast(api, slug, "c1", {str(a): 5, str(b): 2}).status_code == 201


def test_ranked_ballot(app, make):
    slug, ids = open_contest(app, method="ranked")
    api = voter_api(app, make)
    a, b, c = ids["c1"]
    assert_error(cast(api, slug, "c1", [a, b, a]), 422, "invalid_selection")
    assert cast(api, slug, "c1", [c, a, b]).status_code == 201


def test_challenge_failures(app, make, contest):
    slug, ids = contest
    api = voter_api(app, make)
    url = f"/api/v1/contests/{slug}/ballots"
    assert_error(api.post(url, json={"category": "c1", "selection": [ids["c1"][0]]}), 400, "challenge_failed")
    good = proof(api, slug)
    wrong = {"token": good["token"], "nonce": "x1"}
    assert_error(api.post(url, json={"category": "c1", "selection": [ids["c1"][0]], "pow": wrong}),
                 400, "challenge_failed")
    forged = {"token": good["token"].replace(".", ".9", 1), "nonce": good["nonce"]}
    assert_error(api.post(url, json={"category": "c1", "selection": [ids["c1"][0]], "pow": forged}),
                 400, "challenge_failed")
    assert api.post(url, json={"category": "c1", "selection": [ids["c1"][0]], "pow": good}).status_code == 201
    # The same proof again, even for another category: used once already.
    assert_error(api.post(url, json={"category": "c2", "selection": [ids["c2"][0]], "pow": good}),
                 400, "challenge_failed")


def test_expired_challenge(app, make, contest):
    from voting.ballots import backends
    from voting.guards.domain import pow as pow_rules
    slug, ids = contest
    api = voter_api(app, make)
    with app.app_context():
        from voting.contests.services import get_contest
        contest_id = get_contest(slug).id
        old = pow_rules.issue(backends.of(app).pow_key, contest_id, 4, datetime.now(timezone.utc) - timedelta(hours=1), 600, "ab")
    nonce = pow_rules.solve(old.token, 4)
    resp = api.post(f"/api/v1/contests/{slug}/ballots",
                    json={"category": "c1", "selection": [ids["c1"][0]], "pow": {"token": old.token, "nonce": nonce}})
    assert_error(resp, 400, "challenge_failed")


def test_challenge_endpoint(app, contest):
    slug, _ = contest
    client = app.test_client()
    resp = client.get(f"/api/v1/challenge?contest={slug}")
    body = resp.get_json()
    assert resp.status_code == 200 and body["bits"] == 4 and body["expires_at"].endswith("+00:00")
    assert "vdid=" in resp.headers.get("Set-Cookie", "")
    assert_error(client.get("/api/v1/challenge?contest=nope"), 404, "not_found")
    assert_error(client.get("/api/v1/challenge"), 422, "validation_error")


def test_rate_limited_per_account(app, make):
    slug, ids = open_contest(app, rate_limits={"account": "1/hour"})
    api = voter_api(app, make)
    assert cast(api, slug, "c1", [ids["c1"][0]]).status_code == 201
    resp = cast(api, slug, "c2", [ids["c2"][0]])
    assert_error(resp, 429, "rate_limited")
    assert int(resp.headers["Retry-After"]) >= 1


def test_rate_limited_per_ip_across_accounts(app, make):
    slug, ids = open_contest(app, rate_limits={"ip": "2/hour"})
    for n in range(2):
        assert cast(voter_api(app, make, f"v{n}@example.org"), slug, "c1", [ids["c1"][0]]).status_code == 201
    assert_error(cast(voter_api(app, make, "v9@example.org"), slug, "c1", [ids["c1"][0]]), 429, "rate_limited")


def test_honeypot_and_fast_ballots_are_held_but_answered_alike(app, make):
    slug, ids = open_contest(app, min_render_seconds=30)
    bot = voter_api(app, make, "bot@example.org")
    resp = cast(bot, slug, "c1", [ids["c1"][0]], form={"website": "http://spam.example"})
    assert resp.status_code == 201 and resp.get_json()["status"] == "received"
    fast = voter_api(app, make, "fast@example.org")
    assert cast(fast, slug, "c1", [ids["c1"][0]]).status_code == 201
    with app.app_context():
        rows = {b.voter_id: (b.status, b.flags) for b in db.session.scalars(select(Ballot))}
    statuses = sorted(s for s, _ in rows.values())
    assert statuses == ["under_review", "under_review"]
    assert any("honeypot" in f for _, f in rows.values()) and any("too_fast" in f for _, f in rows.values())


def test_pow_bits_zero_needs_no_proof(app, make):
    slug, ids = open_contest(app, pow_bits=0)
    api = voter_api(app, make)
    assert cast(api, slug, "c1", [ids["c1"][0]], with_proof=False).status_code == 201


def test_unknown_receipt(client):
    assert_error(client.get("/api/v1/receipts/AAAA-BBBB"), 404, "not_found")


def _bump_session_version(app, email):
    from voting.accounts.models import User
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        user.session_version += 1  # what a password reset does
        db.session.commit()


def test_a_session_signed_out_everywhere_casts_nothing(app, make, contest):
    slug, ids = contest
    api = voter_api(app, make)
    assert cast(api, slug, "c1", [ids["c1"][0]]).status_code == 201  # the session now remembers "verified"
    _bump_session_version(app, "voter@example.org")
    assert_error(cast(api, slug, "c2", [ids["c2"][0]]), 401, "login_required")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1


def test_verification_is_looked_up_until_the_session_knows_it(app, make, contest):
    from voting.accounts.models import User
    slug, ids = contest
    api = voter_api(app, make, "late@example.org", verified=False)
    assert_error(cast(api, slug, "c1", [ids["c1"][0]]), 403, "email_unverified")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "late@example.org"))
        user.verified_at = datetime.now(timezone.utc)  # verified from another browser
        db.session.commit()
    assert cast(api, slug, "c1", [ids["c1"][0]]).status_code == 201
    _bump_session_version(app, "late@example.org")
    assert_error(cast(api, slug, "c2", [ids["c2"][0]]), 401, "login_required")
