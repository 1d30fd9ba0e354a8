"""Who may change a contest, what is recorded when they do, and which rules no
one may move under the voters' feet (issue: trust, part 1)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.support.api import Api, assert_error
from tests.support.factories import PASSWORD, iso, spec
from tests.support.voting import cast, voter_api
from voting.accounts.models import User
from voting.extensions import db


def window(start_days: float, end_days: float) -> dict:
    now = datetime.now(timezone.utc)
    return {"opens_at": iso(now + timedelta(days=start_days)), "closes_at": iso(now + timedelta(days=end_days))}


IN_VOTING = {"submission": window(-10, -5), "voting": window(-1, 5)}
BEFORE_VOTING = {"submission": window(-1, 5), "voting": window(6, 10)}
AFTER_VOTING = {"submission": window(-20, -10), "voting": window(-5, -1)}


def signed_in(app, make, email: str, role: str = "voter", **kwargs) -> Api:
    make.user(email, role=role, **kwargs)
    api = Api(app.test_client())
    api.login(email, PASSWORD)
    return api


@pytest.fixture
def alice(app, make) -> Api:
    """A global organiser: she creates her own contests."""
    return signed_in(app, make, "alice@example.org", role="organiser")


@pytest.fixture
def bob(app, make) -> Api:
    """Another global organiser, of none of Alice's contests."""
    return signed_in(app, make, "bob@example.org", role="organiser")


def create(api: Api, **overrides) -> dict:
    resp = api.post("/api/v1/contests", json=spec(**overrides))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def audit(api: Api, slug: str) -> list[dict]:
    resp = api.get(f"/api/v1/contests/{slug}/audit")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["entries"]


# --- per-contest organisers -----------------------------------------------------------------------------

def test_another_organiser_cannot_change_or_manage_a_contest(alice, bob, client):
    contest = create(alice, phases=IN_VOTING)
    url = f"/api/v1/contests/{contest['slug']}"
    for method, path, body in [
            ("patch", url, {"title": "Hijacked", "voting": {"require_verified_email": False}}),
            ("post", url + "/organisers", {"email": "bob@example.org"}),
            ("get", url + "/audit", None), ("get", url + "/leaderboard", None),
            ("post", url + "/counters/rebuild", None), ("get", url + "/fraud/clusters", None),
            ("post", url + "/fraud/sweep", None), ("get", url + "/entries?status=pending", None)]:
        resp = getattr(bob, method)(path, **({"json": body} if body is not None else {}))
        assert_error(resp, 403, "forbidden")
    assert client.get(url).get_json()["title"] == contest["title"]
    assert [e["action"] for e in audit(alice, contest["slug"])] == ["contest.created"]


def test_the_creator_adds_organisers_who_may_add_more(app, make, alice, bob):
    contest = create(alice, phases=IN_VOTING)
    url = f"/api/v1/contests/{contest['slug']}"
    carol = signed_in(app, make, "carol@example.org")  # no global role at all
    assert_error(alice.post(url + "/organisers", json={"email": "nobody@example.org"}), 404, "not_found")
    resp = alice.post(url + "/organisers", json={"email": "carol@example.org"})
    assert resp.status_code == 201 and resp.get_json()["organiser"]["email"] == "carol@example.org"
    assert carol.patch(url, json={"title": "By Carol"}).status_code == 200
    assert carol.post(url + "/organisers", json={"email": "bob@example.org"}).status_code == 201
    assert bob.patch(url, json={"title": "By Bob"}).status_code == 200
    names = [o["email"] for o in alice.get(url + "/organisers").get_json()["organisers"]]
    assert names == ["alice@example.org", "carol@example.org", "bob@example.org"]
    # Carol manages this contest only: creating one needs the global organiser role.
    assert_error(carol.post("/api/v1/contests", json=spec(slug="carols-own")), 403, "forbidden")

    entries = audit(alice, contest["slug"])
    added = [e for e in entries if e["action"] == "organiser.added"]
    assert [e["details"]["email"] for e in added] == ["carol@example.org", "bob@example.org"]
    assert added[0]["actor"].endswith("<alice@example.org>") and added[1]["actor"].endswith("<carol@example.org>")
    changes = [e for e in entries if e["action"] == "contest.updated"]
    assert changes[0]["details"]["changes"] == {"title": {"before": contest["title"], "after": "By Carol"}}
    assert changes[1]["details"]["changes"]["title"] == {"before": "By Carol", "after": "By Bob"}


def test_an_admin_manages_every_contest(app, make, alice):
    contest = create(alice, phases=IN_VOTING)
    admin = signed_in(app, make, "root@example.org", role="admin")
    url = f"/api/v1/contests/{contest['slug']}"
    assert admin.patch(url, json={"title": "Fixed by the admin"}).status_code == 200
    assert "fraud" in admin.get(url).get_json()  # the full CONTEST
    assert admin.get("/api/v1/session").get_json()["user"]["roles"] == ["admin", "voter"]


def test_every_change_to_a_contest_is_audited_with_before_and_after(alice):
    contest = create(alice, phases=BEFORE_VOTING)
    url = f"/api/v1/contests/{contest['slug']}"
    assert alice.patch(url, json={"voting": {"max_choices": 3, "method": "approval"}}).status_code == 200
    assert alice.patch(url, json={"voting": {"max_choices": 3}}).status_code == 200  # no change: no entry
    entries = audit(alice, contest["slug"])
    assert [e["action"] for e in entries] == ["contest.created", "contest.updated"]
    assert entries[0]["details"]["spec"]["slug"] == contest["slug"]
    assert entries[1]["details"]["changes"] == {
        "voting.max_choices": {"before": 1, "after": 3}, "voting.method": {"before": "single", "after": "approval"}}
    assert entries[1]["actor"].endswith("<alice@example.org>")


def test_entries_and_their_moderation_are_audited(app, make, alice):
    contest = create(alice, phases={"submission": window(-1, 5)})
    url = f"/api/v1/contests/{contest['slug']}"
    participant = signed_in(app, make, "team@example.org")
    entry = participant.post(url + "/entries", json={"category": "c1", "title": "Ours"}).get_json()
    assert entry["status"] == "pending"
    resp = alice.post(url + f"/entries/{entry['id']}/moderation", json={"status": "rejected", "reason": "off topic"})
    assert resp.status_code == 200
    assert alice.post(url + f"/entries/{entry['id']}/moderation", json={"status": "approved"}).status_code == 200
    found = [e for e in audit(alice, contest["slug"]) if e["action"].startswith("entry.")]
    assert [(e["action"], e["details"]["before"], e["details"].get("reason")) for e in found] == [
        ("entry.added", None, None), ("entry.moderated", "pending", "off topic"),
        ("entry.moderated", "rejected", "")]
    assert found[0]["actor"].endswith("<team@example.org>")
    assert [e["details"]["after"] for e in found[1:]] == ["rejected", "approved"]


def test_an_organiser_of_another_contest_submits_as_a_participant(app, make, alice, bob):
    contest = create(alice, phases={"submission": window(-1, 5)})
    resp = bob.post(f"/api/v1/contests/{contest['slug']}/entries", json={"category": "c1", "title": "Bob's"})
    assert resp.status_code == 201 and resp.get_json()["status"] == "pending"


def test_has_role_without_a_contest_means_a_global_grant(app, make):
    contest = make.contest()
    judge = make.user("judge@example.org", role="judge", contest_id=contest.id)
    with app.app_context():
        user = db.session.get(User, judge.id)
        assert user.has_role("judge", contest.id) and not user.has_role("judge")
        assert not user.has_role("judge", contest.id + 1)
        db.session.remove()


def test_job_status_is_for_the_organisers_of_its_contest(alice, bob):
    contest = create(alice, phases=IN_VOTING)
    job = alice.post(f"/api/v1/contests/{contest['slug']}/counters/rebuild").get_json()["job_id"]
    assert alice.get(f"/api/v1/jobs/{job}").status_code == 200
    assert_error(bob.get(f"/api/v1/jobs/{job}"), 403, "forbidden")


# --- what the public sees -------------------------------------------------------------------------------

def test_public_contest_leaves_out_anti_fraud_settings(alice, client):
    contest = create(alice, phases=IN_VOTING, voting={"rate_limits": {"ip": "5/hour"}, "min_render_seconds": 9},
                     fraud={"thresholds": {}, "countries": ["CH"]})
    public = client.get(f"/api/v1/contests/{contest['slug']}").get_json()
    assert "fraud" not in public
    for knob in ("rate_limits", "min_render_seconds", "pow_spike_per_minute", "pow_bits"):
        assert knob not in public["voting"]
    assert public["voting"]["method"] == "single" and public["voting"]["require_verified_email"] is True
    full = alice.get(f"/api/v1/contests/{contest['slug']}").get_json()
    assert full["voting"]["rate_limits"]["ip"] == "5/hour" and full["fraud"]["countries"] == ["CH"]


def test_drafts_are_invisible_to_the_public(app, make, alice, bob, client):
    draft = create(alice, slug="secret-draft", phases={"voting": window(5, 10)})
    assert draft["phase"] == "draft"
    voter = signed_in(app, make, "voter@example.org")
    for reader in (client, voter.client, bob.client):
        assert reader.get("/api/v1/contests").get_json()["contests"] == []
        for path in ("", "/entries", "/ledger"):
            assert_error(reader.get(f"/api/v1/contests/secret-draft{path}"), 404, "not_found")
        assert reader.get("/contests/secret-draft").status_code == 404
        assert "secret-draft" not in reader.get("/").get_data(as_text=True)
    assert [c["slug"] for c in alice.get("/api/v1/contests").get_json()["contests"]] == ["secret-draft"]
    assert alice.get("/api/v1/contests/secret-draft/entries").status_code == 200


# --- rules that cannot move -----------------------------------------------------------------------------

@pytest.mark.parametrize("change", [{"method": "approval"}, {"ranked_method": "schulze"}, {"max_choices": 2},
                                    {"score_max": 10}])
def test_counting_rules_are_locked_once_voting_opens(alice, client, change):
    contest = create(alice, phases=IN_VOTING)
    url = f"/api/v1/contests/{contest['slug']}"
    err = assert_error(alice.patch(url, json={"voting": change, "title": "Also renamed"}), 409, "locked")
    assert set(err["fields"]) == {f"voting.{key}" for key in change}
    assert client.get(url).get_json()["title"] == contest["title"]  # nothing of the PATCH applied
    # Repeating the current values is no change; difficulty and limits stay adjustable.
    same = {key: contest["voting"][key] for key in change}
    assert alice.patch(url, json={"voting": {**same, "pow_bits": 20, "rate_limits": {"ip": "50/hour"}}}
                       ).status_code == 200
    # Before voting opens, the same change is allowed.
    before = create(alice, slug="later", phases=BEFORE_VOTING)
    assert alice.patch(f"/api/v1/contests/{before['slug']}", json={"voting": change}).status_code == 200


def test_switching_score_to_approval_mid_vote_leaves_the_ledger_alone(app, make, alice):
    contest = create(alice, phases=IN_VOTING, voting={"method": "score", "pow_bits": 0, "min_render_seconds": 0})
    url = f"/api/v1/contests/{contest['slug']}"
    entry = alice.post(url + "/entries", json={"category": "c1", "title": "Starred"}).get_json()
    voter = voter_api(app, make)
    assert cast(voter, contest["slug"], "c1", {str(entry["id"]): 4}, with_proof=False).status_code == 201
    assert_error(alice.patch(url, json={"voting": {"method": "approval"}}), 409, "locked")
    assert alice.get(url).get_json()["voting"]["method"] == "score"
    assert alice.get(url + "/ledger").get_json()["method"] == "score"


def test_a_closed_vote_never_reopens(alice, client):
    contest = create(alice, phases=AFTER_VOTING)
    url = f"/api/v1/contests/{contest['slug']}"
    for voting in (window(-5, 3), {"closes_at": window(0, 3)["closes_at"]}, None):
        err = assert_error(alice.patch(url, json={"phases": {"voting": voting}}), 409, "locked")
        assert err["fields"]
    assert client.get(url).get_json()["phase"] == "closed"
    # Judging may still be scheduled after it.
    assert alice.patch(url, json={"phases": {"judging": window(1, 5)}}).status_code == 200


def test_an_open_vote_may_close_early_or_run_longer_but_not_reopen_later(alice):
    contest = create(alice, phases=IN_VOTING)
    url = f"/api/v1/contests/{contest['slug']}"
    assert alice.patch(url, json={"phases": {"voting": {"closes_at": window(0, 8)["closes_at"]}}}).status_code == 200
    assert_error(alice.patch(url, json={"phases": {"voting": {"opens_at": window(1, 8)["opens_at"]}}}), 409, "locked")
    resp = alice.patch(url, json={"phases": {"voting": {"closes_at": iso(datetime.now(timezone.utc))}}})
    assert resp.status_code == 200 and resp.get_json()["phase"] == "closed"
    assert_error(alice.patch(url, json={"phases": {"voting": {"closes_at": window(0, 8)["closes_at"]}}}),
                 409, "locked")


def test_published_results_freeze_what_fed_them(app, alice):
    contest = create(alice, phases=AFTER_VOTING)
    from voting.contests.models import Contest
    with app.app_context():
        row = db.session.scalar(select(Contest).where(Contest.slug == contest["slug"]))
        row.published_at = datetime.now(timezone.utc)
        db.session.commit()
        db.session.remove()
    url = f"/api/v1/contests/{contest['slug']}"
    for change in ({"awards": {"winners_per_category": 2}}, {"judging": {"judges_per_entry": 1}},
                   {"categories": [{"slug": "c1", "title": "Renamed category"}]}):
        assert_error(alice.patch(url, json=change), 409, "locked")
    assert alice.patch(url, json={"title": "WSIS Prizes 2021: the winners"}).status_code == 200


# --- sessions -------------------------------------------------------------------------------------------

def test_signing_out_ends_the_session_on_the_server(app, make):
    voter = signed_in(app, make, "voter@example.org")
    cookie = voter.client.get_cookie("session")
    assert voter.post("/api/v1/auth/logout").status_code == 204
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    assert thief.get("/api/v1/session").get_json()["user"] is None


def test_a_password_set_from_the_command_line_ends_other_sessions(app, make):
    voter = signed_in(app, make, "voter@example.org")
    result = app.test_cli_runner().invoke(args=["users", "create", "voter@example.org", "--password",
                                                "a brand new passphrase"])
    assert result.exit_code == 0, result.output
    assert voter.get("/api/v1/session").get_json()["user"] is None
    # Setting the same password again changes nothing.
    again = signed_in(app, make, "other@example.org")
    app.test_cli_runner().invoke(args=["users", "create", "other@example.org", "--password", PASSWORD])
    assert again.get("/api/v1/session").get_json()["user"] is not None


def test_signing_in_makes_a_new_csrf_secret(app, make):
    make.user("voter@example.org")
    api = Api(app.test_client())
    planted = api.refresh_csrf()  # e.g. a token an attacker fixed in the victim's browser before sign-in
    resp = api.post("/api/v1/auth/login", json={"email": "voter@example.org", "password": PASSWORD})
    fresh = resp.get_json()["csrf_token"]
    assert fresh != planted and resp.headers["X-CSRFToken"] == fresh
    assert api.get("/api/v1/session").get_json()["csrf_token"] == fresh
    api.csrf = planted
    assert_error(api.post("/api/v1/auth/verify/resend"), 403, "csrf_failed")
    api.csrf = fresh
    assert api.post("/api/v1/auth/verify/resend").status_code == 202
