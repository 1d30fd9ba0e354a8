"""Hackathon teams through the API, with real mail: forming a team, inviting by
mail, joining with the mailed token (and every way the token is refused),
leaving, reading the members, who may do what; and the rule the submission
service asks about: one entry per team per category, under concurrency too."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.support.api import Api, assert_error
from tests.support.factories import PASSWORD
from tests.support.teams import form_team, hackathon, signed_in
from voting import clock
from voting.accounts.models import User
from voting.audit.models import AuditEntry
from voting.contests.models import Contest, Entry
from voting.errors import ApiError
from voting.extensions import db
from voting.submissions.teams import services as teams
from voting.submissions.teams.models import Team, TeamInvitation


@pytest.fixture
def contest(make):
    make.organiser("boss@example.org")
    return hackathon(make)


@pytest.fixture
def ada(app, make, contest) -> Api:
    return signed_in(app, make, "ada@example.org")


@pytest.fixture
def bob(app, make, contest) -> Api:
    return signed_in(app, make, "bob@example.org")


def invite(api: Api, team_id: int, email: str):
    return api.post(f"/api/v1/teams/{team_id}/invitations", json={"email": email})


def join(api: Api, token: str):
    return api.post("/api/v1/teams/join", json={"token": token})


def names(body: dict) -> list[str]:
    return [m["display_name"] for m in body["members"]]


def test_form_invite_join_read_and_leave(app, make, ada, bob, mailbox):
    team = form_team(ada)
    assert set(team) == {"id", "name", "members"} and team["name"] == "Silver Surfers"
    assert names(team) == ["ada"] and set(team["members"][0]) == {"id", "display_name"}

    resp = invite(ada, team["id"], "Bob@Example.org")
    assert resp.status_code == 201, resp.get_json()
    (mail,) = mailbox.messages("Bob@Example.org")
    body = mail.get_body(("plain",)).get_content()
    assert "ada invites you to join the team Silver Surfers in Ageing Better with ICTs" in body
    assert "http://localhost/teams/join?token=" in body
    token = mailbox.last_token("Bob@Example.org")
    with app.app_context():  # only a hash of the token is stored
        stored = db.session.scalars(select(TeamInvitation)).one()
        assert token not in (stored.token_hash, stored.email) and len(stored.token_hash) == 64
        db.session.remove()

    resp = join(bob, token)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {**team, "members": [*team["members"], resp.get_json()["members"][1]]}
    assert names(resp.get_json()) == ["ada", "bob"]
    for api in (ada, bob):
        got = api.get(f"/api/v1/teams/{team['id']}")
        assert got.status_code == 200 and names(got.get_json()) == ["ada", "bob"]

    assert ada.client.delete(f"/api/v1/teams/{team['id']}/members/me",
                             headers={"X-CSRFToken": ada.csrf}).status_code == 204
    assert names(bob.get(f"/api/v1/teams/{team['id']}").get_json()) == ["bob"]
    assert_error(ada.get(f"/api/v1/teams/{team['id']}"), 403, "forbidden")
    # The last member leaving dissolves the team, and its name is free again.
    assert bob.client.delete(f"/api/v1/teams/{team['id']}/members/me",
                             headers={"X-CSRFToken": bob.csrf}).status_code == 204
    assert_error(bob.get(f"/api/v1/teams/{team['id']}"), 404, "not_found")
    assert form_team(bob)["name"] == "Silver Surfers"

    boss = Api(app.test_client())
    boss.login("boss@example.org", PASSWORD)
    actions = [e["action"] for e in boss.get("/api/v1/contests/hack/audit").get_json()["entries"]]
    assert [a for a in actions if a.startswith("team.")] == ["team.created", "team.invited", "team.joined",
                                                             "team.left", "team.left", "team.created"]
    with app.app_context():
        details = [e.details for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == "team.left"))]
        assert [d["dissolved"] for d in details] == [False, True]
        assert not any("bob@example.org" in str(e.details).lower() for e in db.session.scalars(select(AuditEntry)))
        db.session.remove()


def test_the_token_works_once_for_its_address_while_fresh(app, make, ada, bob, mailbox):
    team = form_team(ada)
    assert invite(ada, team["id"], "bob@example.org").status_code == 201
    token = mailbox.last_token("bob@example.org")

    eve = signed_in(app, make, "eve@example.org")
    err = assert_error(join(eve, token), 403, "forbidden")
    assert "another address" in err["message"]
    err = assert_error(join(bob, "not-a-token"), 422, "validation_error")
    assert set(err["fields"]) == {"token"}

    assert join(bob, token).status_code == 200
    err = assert_error(join(bob, token), 422, "validation_error")
    assert err["fields"]["token"] == "the invitation has already been used"
    assert_error(join(eve, token), 422, "validation_error")  # used up for everyone

    # Expired: a week after it was sent.
    assert invite(ada, team["id"], "cat@example.org").status_code == 201
    late = mailbox.last_token("cat@example.org")
    with app.app_context():
        db.session.execute(update(TeamInvitation).where(TeamInvitation.email == "cat@example.org")
                           .values(expires_at=clock.now() - timedelta(seconds=1)))
        db.session.commit()
    cat = signed_in(app, make, "cat@example.org")
    err = assert_error(join(cat, late), 422, "validation_error")
    assert err["fields"]["token"] == "the invitation has expired"
    assert names(ada.get(f"/api/v1/teams/{team['id']}").get_json()) == ["ada", "bob"]


def test_an_unverified_account_joins_once_its_address_is_confirmed(app, make, ada, mailbox):
    team = form_team(ada)
    assert invite(ada, team["id"], "dan@example.org").status_code == 201
    token = mailbox.last_token("dan@example.org")
    dan = signed_in(app, make, "dan@example.org", verified=False)
    assert_error(join(dan, token), 403, "email_unverified")
    with app.app_context():
        db.session.execute(update(User).where(User.email == "dan@example.org").values(verified_at=clock.now()))
        db.session.commit()
    assert join(dan, token).status_code == 200


def test_inviting_again_replaces_the_waiting_invitation(ada, bob, mailbox):
    team = form_team(ada)
    assert invite(ada, team["id"], "bob@example.org").status_code == 201
    first = mailbox.last_token("bob@example.org")
    time.sleep(0.01)  # the mailbox orders by file time
    assert invite(ada, team["id"], "bob@example.org").status_code == 201
    second = mailbox.last_token("bob@example.org")
    assert first != second
    assert_error(join(bob, first), 422, "validation_error")
    assert join(bob, second).status_code == 200
    assert_error(invite(ada, team["id"], "bob@example.org"), 409, "conflict")  # a member already


def test_one_team_per_participant_and_one_name_per_contest(app, make, ada, bob, mailbox):
    mine = form_team(ada)
    assert_error(ada.post("/api/v1/contests/hack/teams", json={"name": "Another"}), 409, "limit_reached")
    assert_error(bob.post("/api/v1/contests/hack/teams", json={"name": "  silver   SURFERS "}), 409, "conflict")
    err = assert_error(bob.post("/api/v1/contests/hack/teams", json={"name": "  "}), 422, "validation_error")
    assert set(err["fields"]) == {"name"}
    err = assert_error(bob.post("/api/v1/contests/hack/teams", json={"name": "x" * 101}), 422, "validation_error")
    assert_error(bob.post("/api/v1/contests/hack/teams", json={"name": "Evil\u202eName"}), 422, "validation_error")
    theirs = form_team(bob, name="Golden Agers")
    assert theirs["id"] != mine["id"]

    # Bob, in a team already, is invited to Ada's: he must leave his first.
    assert invite(ada, mine["id"], "bob@example.org").status_code == 201
    token = mailbox.last_token("bob@example.org")
    assert_error(join(bob, token), 409, "limit_reached")
    assert bob.client.delete(f"/api/v1/teams/{theirs['id']}/members/me",
                             headers={"X-CSRFToken": bob.csrf}).status_code == 204
    assert names(join(bob, token).get_json()) == ["ada", "bob"]

    # The same name in another contest is no clash.
    hackathon(make, slug="hack-2")
    assert form_team(ada, slug="hack-2")["name"] == "Silver Surfers"


def test_who_may_do_what(app, make, contest, ada, bob):
    team = form_team(ada)
    anonymous = Api(app.test_client())
    anonymous.refresh_csrf()
    assert_error(anonymous.post("/api/v1/contests/hack/teams", json={"name": "X"}), 401, "login_required")
    assert_error(anonymous.get(f"/api/v1/teams/{team['id']}"), 401, "login_required")
    assert_error(anonymous.post("/api/v1/teams/join", json={"token": "x"}), 401, "login_required")
    # Non-members: refused before the body is read.
    assert_error(bob.get(f"/api/v1/teams/{team['id']}"), 403, "forbidden")
    assert_error(bob.post(f"/api/v1/teams/{team['id']}/invitations", json={}), 403, "forbidden")
    assert_error(bob.client.delete(f"/api/v1/teams/{team['id']}/members/me", headers={"X-CSRFToken": bob.csrf}),
                 403, "forbidden")
    assert_error(bob.get("/api/v1/teams/999999"), 404, "not_found")
    # The contest's organisers read every team of it (they moderate its entries); others' organisers do not.
    boss = Api(app.test_client())
    boss.login("boss@example.org", PASSWORD)
    assert boss.get(f"/api/v1/teams/{team['id']}").status_code == 200
    make.organiser("stranger@example.org", manages=False)
    stranger = Api(app.test_client())
    stranger.login("stranger@example.org", PASSWORD)
    assert_error(stranger.get(f"/api/v1/teams/{team['id']}"), 403, "forbidden")
    # Members' bodies are checked.
    err = assert_error(invite(ada, team["id"], "not an address"), 422, "validation_error")
    assert set(err["fields"]) == {"email"}
    # An unverified account neither forms a team nor invites.
    eve = signed_in(app, make, "eve@example.org", verified=False)
    assert_error(eve.post("/api/v1/contests/hack/teams", json={"name": "Eve's"}), 403, "email_unverified")


def test_only_hackathons_in_their_submission_phase_have_teams(app, make, ada):
    make.contest(slug="prizes")  # a prize contest, voting open
    assert_error(ada.post("/api/v1/contests/prizes/teams", json={"name": "X"}), 404, "not_found")
    assert_error(ada.post("/api/v1/contests/nope/teams", json={"name": "X"}), 404, "not_found")
    hackathon(make, slug="later", submission=(2, 5))  # a draft until then: 404 to participants
    assert_error(ada.post("/api/v1/contests/later/teams", json={"name": "X"}), 404, "not_found")
    team = form_team(ada)
    # The submission phase closes: the teams are frozen with their entries.
    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.slug == "hack"))
        contest.submission_closes_at = clock.now() - timedelta(minutes=1)
        db.session.commit()
    assert_error(ada.post("/api/v1/contests/hack/teams", json={"name": "Y"}), 409, "phase_closed")
    assert_error(invite(ada, team["id"], "bob@example.org"), 409, "phase_closed")
    assert_error(ada.client.delete(f"/api/v1/teams/{team['id']}/members/me", headers={"X-CSRFToken": ada.csrf}),
                 409, "phase_closed")
    assert ada.get(f"/api/v1/teams/{team['id']}").status_code == 200


def test_invitations_are_rate_limited_per_account(ada, mailbox):
    team = form_team(ada)
    for _ in range(3):
        assert invite(ada, team["id"], "not an address").status_code == 422  # refusals count for nothing
    for n in range(20):
        assert invite(ada, team["id"], f"friend{n}@example.org").status_code == 201
    resp = invite(ada, team["id"], "friend20@example.org")
    assert_error(resp, 429, "rate_limited")
    assert int(resp.headers["Retry-After"]) > 0
    assert len(mailbox.messages()) == 20


# The rule the submission service asks about.

def _ids(app, team_id: int):
    with app.app_context():
        team = db.session.get(Team, team_id)
        contest = db.session.get(Contest, team.contest_id)
        found = (contest.id, {c.slug: c.id for c in contest.categories}, [m.user_id for m in team.members])
        db.session.remove()
    return found


def _entry(app, team_id: int, category_id: int, status: str = "pending", title: str = "Walk") -> int:
    with app.app_context():
        team = db.session.get(Team, team_id)
        entry = Entry(contest_id=team.contest_id, category_id=category_id, title=title, status=status,
                      team_id=team_id, team=team.name, submitted_by_id=team.members[0].user_id)
        db.session.add(entry)
        db.session.commit()
        entry_id = entry.id
        db.session.remove()
    return entry_id


def _check(app, user_id: int, team_id, category_id: int, entry_id: int | None = None, contest_id: int | None = None):
    """check_entry_team as the submission service calls it: the code of its refusal, or "ok"."""
    with app.app_context():
        contest = db.session.get(Contest, contest_id) if contest_id else \
            db.session.get(Contest, db.session.get(Team, team_id).contest_id)
        try:
            teams.check_entry_team(contest, db.session.get(User, user_id), team_id, category_id, entry_id)
            return "ok"
        except ApiError as err:
            return err.code
        finally:
            db.session.rollback()
            db.session.remove()


def test_one_entry_per_team_per_category(app, make, ada, bob):
    team = form_team(ada)
    contest_id, categories, (ada_id,) = _ids(app, team["id"])
    frailty, finance = categories["frailty"], categories["finance"]
    assert _check(app, ada_id, team["id"], frailty) == "ok"
    walk = _entry(app, team["id"], frailty)
    assert _check(app, ada_id, team["id"], frailty) == "limit_reached"
    assert _check(app, ada_id, team["id"], frailty, entry_id=walk) == "ok"  # editing that very entry
    assert _check(app, ada_id, team["id"], finance) == "ok"
    # Whatever its moderation says, an entry counts until it is withdrawn.
    for status, expected in (("rejected", "limit_reached"), ("withdrawn", "ok")):
        with app.app_context():
            db.session.execute(update(Entry).where(Entry.id == walk).values(status=status))
            db.session.commit()
        assert _check(app, ada_id, team["id"], frailty) == expected

    bob_id = bob.get("/api/v1/session").get_json()["user"]["id"]
    assert _check(app, bob_id, team["id"], finance) == "forbidden"  # not a member
    boss = make.organiser("boss@example.org")
    assert _check(app, boss.id, team["id"], finance) == "ok"  # organisers enter entries for teams
    assert _check(app, ada_id, 999999, finance, contest_id=contest_id) == "not_found"
    assert _check(app, ada_id, True, finance, contest_id=contest_id) == "not_found"
    other = hackathon(make, slug="hack-2")
    theirs = form_team(bob, slug="hack-2")
    assert _check(app, bob_id, theirs["id"], finance, contest_id=contest_id) == "not_found"  # another contest's
    assert other.id != contest_id


def test_a_dissolved_team_leaves_its_entry_in_place(app, ada):
    team = form_team(ada)
    _contest_id, categories, _members = _ids(app, team["id"])
    walk = _entry(app, team["id"], categories["frailty"])
    assert ada.client.delete(f"/api/v1/teams/{team['id']}/members/me",
                             headers={"X-CSRFToken": ada.csrf}).status_code == 204
    with app.app_context():
        entry = db.session.get(Entry, walk)
        assert entry.team_id is None and entry.team == "Silver Surfers" and entry.submitted_by_id is not None
        assert db.session.scalars(select(TeamInvitation)).all() == []
        db.session.remove()


def test_two_submissions_for_one_team_and_category_at_once(app, ada, database_url):
    """The check holds the contest's lock until the caller commits its entry,
    so the second caller waits, then sees the first entry."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite takes no row lock: the concurrency of the rule is PostgreSQL's")
    team = form_team(ada)
    _contest_id, categories, (ada_id,) = _ids(app, team["id"])
    barrier = threading.Barrier(2)
    results: list[str] = []

    def submit(title: str) -> None:
        with app.app_context():
            team_row = db.session.get(Team, team["id"])
            contest = db.session.get(Contest, team_row.contest_id)
            user = db.session.get(User, ada_id)
            barrier.wait()
            try:
                teams.check_entry_team(contest, user, team["id"], categories["frailty"])
                time.sleep(0.3)  # the other caller reaches the lock meanwhile
                db.session.add(Entry(contest_id=contest.id, category_id=categories["frailty"], title=title,
                                     team_id=team["id"], submitted_by_id=ada_id))
                db.session.commit()
                results.append("created")
            except ApiError as err:
                db.session.rollback()
                results.append(err.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit, args=(title,)) for title in ("One", "Two")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == ["created", "limit_reached"]
    with app.app_context():
        assert len(db.session.scalars(select(Entry).where(Entry.team_id == team["id"])).all()) == 1
        db.session.remove()


def test_answers_fit_the_openapi_document(app, make, ada, bob, mailbox):
    from tests.api.test_openapi import check_response

    resp = ada.post("/api/v1/contests/hack/teams", json={"name": "Silver Surfers"})
    check_response(resp, "/api/v1/contests/{slug}/teams", "post")
    team_id = resp.get_json()["id"]
    check_response(ada.post("/api/v1/contests/hack/teams", json={"name": "Again"}),
                   "/api/v1/contests/{slug}/teams", "post")  # 409 limit_reached
    check_response(ada.get(f"/api/v1/teams/{team_id}"), "/api/v1/teams/{team_id}", "get")
    check_response(bob.get(f"/api/v1/teams/{team_id}"), "/api/v1/teams/{team_id}", "get")  # 403
    check_response(invite(ada, team_id, "bob@example.org"), "/api/v1/teams/{team_id}/invitations", "post")
    check_response(invite(bob, team_id, "cat@example.org"), "/api/v1/teams/{team_id}/invitations", "post")  # 403
    token = mailbox.last_token("bob@example.org")
    check_response(join(bob, "forged"), "/api/v1/teams/join", "post")  # 422
    check_response(join(bob, token), "/api/v1/teams/join", "post")
    leave = bob.client.delete(f"/api/v1/teams/{team_id}/members/me", headers={"X-CSRFToken": bob.csrf})
    check_response(leave, "/api/v1/teams/{team_id}/members/me", "delete")
    check_response(bob.client.delete(f"/api/v1/teams/{team_id}/members/me", headers={"X-CSRFToken": bob.csrf}),
                   "/api/v1/teams/{team_id}/members/me", "delete")  # 403
