"""A password link (reset or invitation) works once, even when it is sent
twice at the same moment (issue 18): the link's session version is checked
and bumped in one conditional UPDATE, so of two requests exactly one sets the
password and the other is told the link does not work. The race itself runs
on PostgreSQL (SQLite has one writer: there a replay is refused)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.pages.support import page, sign_in, submit
from tests.support.threads import run_together
from voting.accounts import services as accounts
from voting.accounts.models import User
from voting.extensions import db


def _invitation(app, make, email: str) -> str:
    make.user(email, password=None, verified=False)
    with app.app_context():
        link = accounts.invitation_link(db.session.scalar(select(User).where(User.email == email)))
        db.session.remove()
    return "/reset?" + link.split("?", 1)[1]


def _reset(client, mailbox, make, email: str) -> str:
    make.user(email)
    assert submit(client, "/forgot", email=email).status_code == 200
    return f"/reset?token={mailbox.last_token(email)}"


def _postgres(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


@pytest.mark.parametrize("kind", ["invitation", "reset"])
def test_a_link_sent_twice_at_once_sets_one_password(app, make, mailbox, kind):
    if not _postgres(app):
        pytest.skip("the race needs a database with concurrent writers (PostgreSQL)")
    email = f"{kind}@example.org"
    link = (_invitation(app, make, email) if kind == "invitation"
            else _reset(app.test_client(), mailbox, make, email))
    # Each browser opens the page (its own CSRF token), then both send at the same moment.
    sends = []
    for password in ("the first long passphrase", "the second long passphrase"):
        client = app.test_client()
        form = page(client.get(link)).form("/reset")
        sends.append(lambda c=client, f=form, p=password: c.post(f["action"], data={**f["fields"], "password": p}))
    codes = [resp.status_code for resp in run_together(sends)]
    assert sorted(codes) == [303, 422]
    winner = ("the first long passphrase", "the second long passphrase")[codes.index(303)]
    sign_in(app.test_client(), email, winner)


@pytest.mark.parametrize("kind", ["invitation", "reset"])
def test_a_link_replayed_is_refused(app, client, make, mailbox, kind):
    email = f"again-{kind}@example.org"
    link = _invitation(app, make, email) if kind == "invitation" else _reset(client, mailbox, make, email)
    first, second = app.test_client(), app.test_client()
    form = page(second.get(link)).form("/reset")  # opened while the link still worked
    assert submit(first, link, "/reset", password="the first long passphrase").status_code == 303
    resp = second.post(form["action"], data={**form["fields"], "password": "the second long passphrase"})
    assert resp.status_code == 422 and page(resp).headings[0] == (1, "This link does not work")
    sign_in(app.test_client(), email, "the first long passphrase")
