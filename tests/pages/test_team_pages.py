"""The team pages as a browser without JavaScript uses them: form a team,
invite by mail, accept from the mailed link (after signing in), see the
members, leave; each refusal shown on the page with its status, and every
page passing the page-quality checks."""

from __future__ import annotations

from urllib.parse import quote

from tests.pages.support import page, sign_in, submit
from tests.pages.test_page_quality import check_page
from tests.support.factories import PASSWORD
from tests.support.teams import hackathon


def test_form_invite_accept_and_leave(app, make, mailbox):
    make.organiser("boss@example.org")
    hackathon(make)
    ada = app.test_client()
    check_page(_sign_in_and_get(ada, make))
    team_path = _form_from_the_page(ada)
    doc = page(ada.get(team_path))
    check_page(ada.get(team_path))
    assert doc.headings[0] == (1, "Silver Surfers")
    assert "Your team Silver Surfers is formed." in doc.text and "ada (you)" in doc.text

    resp = submit(ada, team_path, f"{team_path}/invitations", email="bob@example.org")
    assert resp.status_code == 303
    assert "We have sent an invitation to bob@example.org." in page(ada.get(team_path)).text
    token = mailbox.last_token("bob@example.org")

    # Bob opens the link signed out: he signs in and comes back to it.
    make.user("bob@example.org")
    bob = app.test_client()
    link = f"/teams/join?token={token}"
    resp = bob.get(link)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert quote(token) in resp.headers["Location"] or token in resp.headers["Location"]
    resp = submit(bob, resp.headers["Location"], "/login", email="bob@example.org", password=PASSWORD)
    assert resp.status_code == 303 and resp.headers["Location"] == link
    check_page(bob.get(link))
    doc = page(bob.get(link))
    assert "ada invites you to join the team Silver Surfers in Ageing Better with ICTs." in doc.text
    resp = submit(bob, link, "/teams/join")
    assert resp.status_code == 303 and resp.headers["Location"] == team_path
    doc = page(bob.get(team_path))
    assert "You have joined the team Silver Surfers." in doc.text
    assert "ada" in doc.text and "bob (you)" in doc.text

    # The link is used up.
    resp = bob.get(link)
    check_page(resp, 422)
    assert "The invitation has already been used." in page(resp).text

    resp = submit(bob, team_path, f"{team_path}/leave")
    assert resp.status_code == 303 and resp.headers["Location"] == "/contests/hack/teams"
    doc = page(bob.get("/contests/hack/teams"))
    assert "You have left the team Silver Surfers." in doc.text
    assert doc.form("/contests/hack/teams")  # free to form another
    assert bob.get(team_path).status_code == 403


def _sign_in_and_get(client, make):
    make.user("ada@example.org")
    sign_in(client, "ada@example.org")
    return client.get("/contests/hack/teams")


def _form_from_the_page(client) -> str:
    resp = submit(client, "/contests/hack/teams", name="Silver Surfers")
    assert resp.status_code == 303, resp.get_data(as_text=True)[:2000]
    return resp.headers["Location"]


def test_refusals_are_shown_on_the_page(app, make, mailbox):
    make.organiser("boss@example.org")
    hackathon(make)
    ada = app.test_client()
    _sign_in_and_get(ada, make)
    resp = submit(ada, "/contests/hack/teams", name="   ")
    check_page(resp, 422)
    doc = page(resp)
    assert "There is a problem" in doc.text and doc.find("a", href="#name")
    (control,) = [a for tag, a in doc.elements if tag == "input" and a.get("id") == "name"]
    assert control["aria-invalid"] == "true" and "name-error" in control["aria-describedby"].split()

    team_path = _form_from_the_page(ada)
    resp = submit(ada, team_path, f"{team_path}/invitations", email="not an address")
    check_page(resp, 422)
    assert page(resp).find("input", id="email")[0]["aria-invalid"] == "true"

    # The invitation opened by another account says whose it is, and joining is refused.
    assert submit(ada, team_path, f"{team_path}/invitations", email="bob@example.org").status_code == 303
    token = mailbox.last_token("bob@example.org")
    make.user("eve@example.org")
    eve = app.test_client()
    sign_in(eve, "eve@example.org")
    resp = eve.get(f"/teams/join?token={token}")
    check_page(resp)
    assert "This invitation was sent to bob@example.org" in page(resp).text
    assert not [f for f in page(resp).forms if f["action"] == "/teams/join"]
    resp = eve.post("/teams/join", data={"csrf_token": page(eve.get("/contests/hack/teams")).form(
        "/contests/hack/teams")["fields"]["csrf_token"], "token": token})
    check_page(resp, 403)
    check_page(eve.get("/teams/join?token=forged"), 422)
    check_page(eve.get(team_path), 403)  # not a member
    check_page(eve.get("/teams/999999"), 404)


def test_a_contest_without_teams(app, make):
    make.organiser("boss@example.org")
    make.contest(slug="prizes")
    make.user("ada@example.org")
    client = app.test_client()
    sign_in(client, "ada@example.org")
    check_page(client.get("/contests/prizes/teams"), 404)
    resp = client.get("/contests/hack/teams")
    assert resp.status_code == 404
