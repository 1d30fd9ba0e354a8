"""Every route of the app against every kind of caller: anonymous, a voter, a
judge of the contest, an organiser of another contest, an organiser of this
contest, and an admin.

The table is checked against the app's own routes, so that no endpoint can be
added without saying here who may call it. A caller who may not gets 401
(API) or the sign-in page (pages) when signed out, and 403 when signed in;
a caller who may gets anything but those (a 404 for a missing cluster or a
422 for an empty body still shows the door was open)."""

from __future__ import annotations

import re

import pytest

from tests.support.api import Api
from tests.support.factories import PASSWORD
from tests.support.teams import form_team, hackathon
from tests.support.voting import cast, open_contest

from tests.api.matrix import (CREATOR, ENTRANT, JUDGES, MANAGER, ORGANISER_PAGES, PUBLIC, ROLES, SIGNED_IN,
                              TEAM_MEMBERS, TEAM_READERS, console)

MATRIX: dict[tuple[str, str], frozenset[str]] = {
    # Accounts and session.
    ("GET", "/api/v1/session"): PUBLIC,
    ("POST", "/api/v1/auth/register"): PUBLIC,
    ("GET", "/api/v1/auth/register/challenge"): PUBLIC,
    ("POST", "/api/v1/auth/verify"): PUBLIC,
    ("POST", "/api/v1/auth/verify/resend"): SIGNED_IN,
    ("POST", "/api/v1/auth/login"): PUBLIC,
    ("POST", "/api/v1/auth/password/forgot"): PUBLIC,
    ("POST", "/api/v1/auth/password/reset"): PUBLIC,
    ("POST", "/api/v1/auth/logout"): PUBLIC,
    ("GET", "/api/v1/health"): PUBLIC,
    ("GET", "/api/v1/openapi.json"): PUBLIC,
    # Contests and entries.
    ("GET", "/api/v1/contests"): PUBLIC,
    ("POST", "/api/v1/contests"): CREATOR,
    ("GET", "/api/v1/contests/<slug>"): PUBLIC,
    ("PATCH", "/api/v1/contests/<slug>"): MANAGER,
    ("GET", "/api/v1/contests/<slug>/organisers"): MANAGER,
    ("POST", "/api/v1/contests/<slug>/organisers"): MANAGER,
    ("DELETE", "/api/v1/contests/<slug>/organisers/<int:user_id>"): MANAGER,
    ("GET", "/api/v1/contests/<slug>/entries"): PUBLIC,
    ("POST", "/api/v1/contests/<slug>/entries"): SIGNED_IN,
    ("POST", "/api/v1/contests/<slug>/entries/<int:entry_id>/moderation"): MANAGER,
    ("GET", "/api/v1/contests/<slug>/photos"): MANAGER,
    ("GET", "/api/v1/contests/<slug>/entries/<int:entry_id>"): PUBLIC,  # approved; others: test_submissions.py
    ("PATCH", "/api/v1/contests/<slug>/entries/<int:entry_id>"): ENTRANT,
    ("POST", "/api/v1/contests/<slug>/entries/<int:entry_id>/submit"): ENTRANT,
    ("POST", "/api/v1/contests/<slug>/entries/<int:entry_id>/withdraw"): ENTRANT,
    ("POST", "/api/v1/contests/<slug>/entries/import"): MANAGER,
    ("GET", "/api/v1/me/entries"): SIGNED_IN,
    # Voting, receipts, the ledger.
    ("GET", "/api/v1/challenge"): PUBLIC,
    ("POST", "/api/v1/contests/<slug>/ballots"): SIGNED_IN,
    ("GET", "/api/v1/receipts/<code>"): PUBLIC,
    ("POST", "/api/v1/receipts/lookup"): PUBLIC,
    ("GET", "/api/v1/contests/<slug>/ledger"): PUBLIC,
    ("GET", "/api/v1/contests/<slug>/ledger/amendments"): PUBLIC,
    ("GET", "/api/v1/contests/<slug>/ledger/batches/<int:seq>"): PUBLIC,  # the world has no batch: a 404 to all
    ("GET", "/api/v1/contests/<slug>/ledger/export"): PUBLIC,  # served once the leaves are published
    ("GET", "/api/v1/contests/<slug>/ledger/export/<name>"): PUBLIC,
    # Live counts, jobs, fraud review, audit.
    ("GET", "/api/v1/contests/<slug>/leaderboard"): MANAGER,
    ("POST", "/api/v1/contests/<slug>/counters/rebuild"): MANAGER,
    ("GET", "/api/v1/jobs/<job_id>"): MANAGER,
    ("POST", "/api/v1/contests/<slug>/fraud/sweep"): MANAGER,
    ("GET", "/api/v1/contests/<slug>/fraud/status"): MANAGER,
    ("GET", "/api/v1/contests/<slug>/fraud/clusters"): MANAGER,
    ("POST", "/api/v1/contests/<slug>/fraud/clusters/<int:cluster_id>/decision"): MANAGER,
    ("POST", "/api/v1/contests/<slug>/fraud/ballots/decision"): MANAGER,
    ("GET", "/api/v1/contests/<slug>/fraud/report"): MANAGER,
    ("GET", "/api/v1/contests/<slug>/audit"): MANAGER,
    # Judging.
    ("POST", "/api/v1/contests/<slug>/judges"): MANAGER,
    ("POST", "/api/v1/contests/<slug>/assignments"): MANAGER,
    ("GET", "/api/v1/contests/<slug>/judging/progress"): MANAGER,
    ("GET", "/api/v1/contests/<slug>/judging/ranking"): MANAGER,
    ("POST", "/api/v1/contests/<slug>/judging/conflicts"): MANAGER,
    ("POST", "/api/v1/contests/<slug>/judging/reopen"): MANAGER,
    ("POST", "/api/v1/contests/<slug>/rounds"): MANAGER,
    ("GET", "/api/v1/judging/assignments"): SIGNED_IN,
    ("PUT", "/api/v1/judging/<slug>/entries/<int:entry_id>/score"): JUDGES,
    ("POST", "/api/v1/judging/<slug>/conflicts"): JUDGES,
    ("GET", "/api/v1/judging/<slug>/pairwise/next"): JUDGES,
    ("POST", "/api/v1/judging/<slug>/pairwise/judgements"): JUDGES,
    # Teams (the contest's slug is this contest's, which has no teams: a 404 still shows the door was open).
    ("POST", "/api/v1/contests/<slug>/teams"): SIGNED_IN,
    ("GET", "/api/v1/teams/<int:team_id>"): TEAM_READERS,
    ("POST", "/api/v1/teams/<int:team_id>/invitations"): TEAM_MEMBERS,
    ("POST", "/api/v1/teams/join"): SIGNED_IN,
    ("DELETE", "/api/v1/teams/<int:team_id>/members/me"): TEAM_MEMBERS,
    ("GET", "/contests/<slug>/teams"): SIGNED_IN,
    ("POST", "/contests/<slug>/teams"): SIGNED_IN,
    ("GET", "/teams/<int:team_id>"): TEAM_READERS,
    ("POST", "/teams/<int:team_id>/invitations"): TEAM_MEMBERS,
    ("POST", "/teams/<int:team_id>/leave"): TEAM_MEMBERS,
    ("GET", "/teams/join"): SIGNED_IN,
    ("POST", "/teams/join"): SIGNED_IN,
    # Public pages.
    ("GET", "/"): PUBLIC,
    ("GET", "/static/<path:filename>"): PUBLIC,
    ("GET", "/media/entries/<int:entry_id>.jpg"): PUBLIC,  # sent on to the display size
    ("GET", "/media/entries/<int:entry_id>/<name>"): PUBLIC,  # who sees which photo: tests/api/test_media_uploads.py
    ("GET", "/contests/<slug>/entries/<int:entry_id>"): PUBLIC,  # an approved entry's page
    ("GET", "/contests/<slug>"): PUBLIC,
    ("GET", "/contests/<slug>/categories/<category>"): PUBLIC,
    ("GET", "/receipts"): PUBLIC,
    ("POST", "/receipts"): PUBLIC,
    ("GET", "/receipts/<path:_code>"): PUBLIC,
    ("GET", "/register"): PUBLIC,
    ("POST", "/register"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("GET", "/forgot"): PUBLIC,
    ("POST", "/forgot"): PUBLIC,
    ("GET", "/reset"): PUBLIC,
    ("POST", "/reset"): PUBLIC,
    ("GET", "/verify"): PUBLIC,
    ("GET", "/verify/resend"): SIGNED_IN,
    ("POST", "/verify/resend"): SIGNED_IN,
    ("GET", "/account"): SIGNED_IN,
    ("POST", "/account"): SIGNED_IN,
    # Participants' pages.
    ("GET", "/contests/<slug>/entries/new"): SIGNED_IN,
    ("POST", "/contests/<slug>/entries/new"): SIGNED_IN,  # this contest is voting: 409 for participants
    ("GET", "/contests/<slug>/entries/<int:entry_id>/edit"): ENTRANT,
    ("POST", "/contests/<slug>/entries/<int:entry_id>/edit"): ENTRANT,
    ("POST", "/contests/<slug>/entries/<int:entry_id>/submit"): ENTRANT,
    ("POST", "/contests/<slug>/entries/<int:entry_id>/withdraw"): ENTRANT,
    ("GET", "/my-entries"): SIGNED_IN,
    # Voters' pages.
    ("GET", "/contests/<slug>/vote/<category>"): SIGNED_IN,
    ("POST", "/contests/<slug>/vote/<category>"): SIGNED_IN,
    ("GET", "/contests/<slug>/vote/<category>/thanks"): SIGNED_IN,
    ("GET", "/contests/<slug>/my-votes"): SIGNED_IN,
    # Judges' pages.
    ("GET", "/judging/"): SIGNED_IN,
    ("GET", "/judging/<slug>/entries/<int:entry_id>"): JUDGES,
    ("POST", "/judging/<slug>/entries/<int:entry_id>"): JUDGES,
    ("POST", "/judging/<slug>/entries/<int:entry_id>/conflict"): JUDGES,
    ("GET", "/judging/<slug>/pairwise"): JUDGES,
    ("POST", "/judging/<slug>/pairwise"): JUDGES,
    # Organiser pages.
    ("GET", "/organiser/"): ORGANISER_PAGES,
    ("POST", "/organiser/contests"): CREATOR,
    ("GET", "/organiser/contests/<slug>/entries"): MANAGER,
    ("POST", "/organiser/contests/<slug>/entries/<int(max=9223372036854775807):entry_id>/moderation"): MANAGER,
    ("GET", "/organiser/contests/<slug>/leaderboard"): MANAGER,
    ("POST", "/organiser/contests/<slug>/counters/rebuild"): MANAGER,
    ("GET", "/organiser/contests/<slug>/review"): MANAGER,
    ("GET", "/organiser/contests/<slug>/review/clusters/<int:cluster_id>"): MANAGER,
    ("POST", "/organiser/contests/<slug>/review/clusters/<int:cluster_id>/decision"): MANAGER,
    ("POST", "/organiser/contests/<slug>/review/ballots/decision"): MANAGER,
    ("POST", "/organiser/contests/<slug>/review/sweep"): MANAGER,
    ("GET", "/organiser/contests/<slug>/audit"): MANAGER,
    ("GET", "/organiser/contests/<slug>/report"): MANAGER,
    ("GET", "/organiser/contests/<slug>/judging"): MANAGER,
    ("POST", "/organiser/contests/<slug>/judging/judges"): MANAGER,
    ("POST", "/organiser/contests/<slug>/judging/assignments"): MANAGER,
    ("POST", "/organiser/contests/<slug>/judging/reminders"): MANAGER,
    ("POST", "/organiser/contests/<slug>/judging/reopen"): MANAGER,
    ("POST", "/organiser/contests/<slug>/judging/conflicts"): MANAGER,
    # Results pages and downloads: before publication every public one is 404 to all (the world has no published
    # results); `?draft=1`/`?draft=true` shows organisers the latest tally (tests/pages/test_results_pages.py,
    # tests/api/test_results_exports.py).
    ("POST", "/api/v1/contests/<slug>/tally"): MANAGER,
    ("GET", "/api/v1/contests/<slug>/results"): PUBLIC,  # 404 not_published to all; ?draft=true: tests/api/test_results.py
    ("POST", "/api/v1/contests/<slug>/results/publish"): MANAGER,
    ("GET", "/api/v1/contests/<slug>/results/snapshots/<sha256>"): PUBLIC,  # a published one; organisers: any
    ("GET", "/contests/<slug>/results"): PUBLIC,
    ("GET", "/contests/<slug>/results/categories/<category>"): PUBLIC,
    ("GET", "/contests/<slug>/results/announce"): PUBLIC,
    ("POST", "/contests/<slug>/results/tally"): MANAGER,
    ("POST", "/contests/<slug>/results/publish"): MANAGER,
    ("GET", "/api/v1/contests/<slug>/exports/results.csv"): PUBLIC,
    ("GET", "/api/v1/contests/<slug>/exports/results.json"): PUBLIC,
    ("GET", "/api/v1/contests/<slug>/exports/ballots.csv"): MANAGER,
    ("GET", "/api/v1/contests/<slug>/exports/scores.csv"): MANAGER,
}
# The organiser console's pages, by area (tests/api/matrix/: one module per part of the console).
MATRIX.update(console.ROWS)

# Leaving the team ends the caller's membership (the first leave dissolves it: the second finds no team), and
# signing out ends the caller's session, so those requests go last, in that order.
LAST = {("DELETE", "/api/v1/teams/<int:team_id>/members/me"): 1, ("POST", "/teams/<int:team_id>/leave"): 1,
        ("POST", "/api/v1/auth/logout"): 2, ("POST", "/logout"): 2}


def app_routes(app) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_route_has_a_row(app):
    routes = app_routes(app)
    assert not routes - MATRIX.keys(), f"routes without a row in the matrix: {sorted(routes - MATRIX.keys())}"
    assert not MATRIX.keys() - routes, f"rows for routes that do not exist: {sorted(MATRIX.keys() - routes)}"


@pytest.fixture
def world(make_app, make):
    # Page forms are checked for CSRF before any view runs; that rule has tests of its own, and here
    # it would hide the authorisation behind a 400. The API's own CSRF rule stays on (the Api client
    # sends the token).
    app = make_app(WTF_CSRF_ENABLED=False)
    slug, ids = open_contest(app, pow_bits=0, slug="this-contest")  # its organiser@example.org manages everything
    other = make.contest(slug="other-contest")
    callers = {"anonymous": Api(app.test_client())}
    callers["anonymous"].refresh_csrf()  # a visitor with a session, not signed in
    for role, email, grant in [("voter", "voter@example.org", {}),
                               ("judge", "judge@example.org", {"role": "judge", "contest": slug}),
                               ("other_organiser", "other@example.org", {"role": "organiser"}),
                               ("organiser", "this@example.org", {"role": "organiser", "contest": slug}),
                               ("admin", "admin@example.org", {"role": "admin"})]:
        args = ["users", "create", email, "--password", PASSWORD]
        if grant:
            args += ["--role", grant["role"]] + (["--contest", grant["contest"]] if "contest" in grant else [])
        assert app.test_cli_runner().invoke(args=args).exit_code == 0
        api = Api(app.test_client())
        api.login(email, PASSWORD)
        callers[role] = api
    assert app.test_cli_runner().invoke(args=["users", "create", "other@example.org", "--password", PASSWORD,
                                              "--role", "organiser", "--contest", other.slug]).exit_code == 0
    assert app.test_cli_runner().invoke(args=["users", "create", "spare@example.org", "--password", PASSWORD,
                                              "--role", "organiser", "--contest", slug]).exit_code == 0
    receipt = cast(callers["voter"], slug, "c1", [ids["c1"][0]], with_proof=False).get_json()["receipt"]
    job = callers["organiser"].post(f"/api/v1/contests/{slug}/counters/rebuild").get_json()["job_id"]
    # Hybrid: the jury may start while voting runs (jury_among_champions would wait for the close).
    assert callers["organiser"].patch(f"/api/v1/contests/{slug}", json={"awards": {"policy": "hybrid"}}
                                      ).status_code == 200
    assert callers["organiser"].post(f"/api/v1/contests/{slug}/assignments", json={}).status_code == 200
    spare = callers["admin"].get(f"/api/v1/contests/{slug}/organisers").get_json()["organisers"][-1]["id"]
    hackathon(make, slug="team-contest")
    team_id = form_team(callers["voter"], slug="team-contest")["id"]
    values = {"team_id": str(team_id), "slug": slug, "entry_id": str(ids["c1"][0]), "cluster_id": "1", "job_id": job, "code": receipt,
              "_code": receipt, "user_id": str(spare), "category": "c1", "filename": "site.css", "sha256": "0" * 64,
              "name": "display-0.jpg", "seq": "1"}
    return app, callers, values


def fill(rule: str, values: dict[str, str]) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([a-z_]+)(?:\([^)]*\))?>", lambda m: values[m.group(1)], rule)


def refused(path: str, role: str, resp) -> bool:
    """Whether the door was shut in the way the caller's kind expects."""
    if role == "anonymous":
        if path.startswith("/api/"):
            return resp.status_code == 401 and resp.get_json()["error"]["code"] == "login_required"
        return resp.status_code in (302, 303) and "/login" in resp.headers.get("Location", "")
    if path.startswith("/api/"):
        return resp.status_code == 403 and resp.get_json()["error"]["code"] in {"forbidden", "not_assigned"}
    return resp.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_each_caller_gets_through_exactly_the_doors_of_its_row(world, role):
    app, callers, values = world
    api = callers[role]
    wrong = []
    for method, rule in sorted(MATRIX, key=lambda key: (LAST.get(key, 0), key)):
        path = fill(rule, values)
        kwargs = {"json": {}} if method != "GET" and path.startswith("/api/") else {}
        resp = getattr(api.client, method.lower())(path, headers=api._headers(None), **kwargs)
        assert resp.status_code < 500, (method, path, role, resp.status_code)
        allowed = role in MATRIX[(method, rule)]
        shut = refused(path, role, resp) or (path.startswith("/api/") and resp.status_code == 401)
        if allowed == shut:
            wrong.append((method, path, resp.status_code, "allowed" if allowed else "forbidden"))
    assert not wrong, f"{role}: {wrong}"
