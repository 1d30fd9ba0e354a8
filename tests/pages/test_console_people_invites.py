"""Inviting again from the people page, and the invitee's first sign-in
(issue 18): someone already judging the contest is told so, named as the list
names them, and mailed again only while they have not accepted; an invitation's
link welcomes an account that has no password yet ("Choose your password") and
signs its holder in once the password is set, while a real reset keeps its
wording and asks for a sign-in."""

from __future__ import annotations

import pathlib
import re

from tests.pages.support import page, sign_in, submit
from tests.pages.test_console_people import (JUDGES, ORGANISERS, SLUG, URL, account, audit, chief,  # noqa: F401
                                             client_of, rows)


def test_inviting_a_judge_again_says_they_already_judge(app, chief, client_of, mailbox):  # noqa: F811
    boss = client_of("chief@example.org")
    assert submit(boss, URL, JUDGES, data={"judge-email": "judge1@example.org", "judge-display_name": "Jules Judge",
                                           "expertise": ["c2"]}).status_code == 303
    assert "Jules Judge (judge1@example.org) is now a judge of this contest" in page(boss.get(URL)).text

    # Again, under another name and no category: still invited, so the invitation goes again; nothing changed.
    resp = submit(boss, URL, JUDGES, data={"judge-email": "judge1@example.org", "judge-display_name": "Jules Again",
                                           "expertise": []})
    assert resp.status_code == 303 and resp.headers["Location"] == f"{URL}#judges"
    doc = page(boss.get(URL))
    assert "Jules Judge (judge1@example.org) is already a judge of this contest." in doc.text
    assert "were updated" not in doc.text
    assert "They have not accepted the invitation yet, so it was mailed to them again." in doc.text
    assert "Jules Again" not in doc.text and "is now a judge" not in doc.text
    row = rows(doc, "judges")["judge1@example.org"]
    assert row.startswith("Jules Judge judge1@example.org Categories: C2") and "Invited" in row  # nothing changed
    assert len(mailbox.messages("judge1@example.org")) == 2 and len(audit(app, SLUG, "judge.added")) == 1

    # The fresh link sets the password and signs the judge in, on their judging list.
    jules = app.test_client()
    resp = submit(jules, f"/reset?token={mailbox.last_token('judge1@example.org')}", "/reset",
                  password="a long judging passphrase")
    assert resp.status_code == 303 and resp.headers["Location"] == "/judging/"
    assert jules.get("/judging/").status_code == 200
    assert "Accepted" in rows(page(boss.get(URL)), "judges")["judge1@example.org"]

    # Accepted: inviting again says so and mails nothing.
    assert submit(boss, URL, JUDGES, data={"judge-email": "judge1@example.org", "judge-display_name": "J",
                                           "expertise": []}).status_code == 303
    text = page(boss.get(URL)).text
    assert "Jules Judge (judge1@example.org) is already a judge of this contest." in text
    assert "mailed to them again" not in text and "could not be sent" not in text
    assert len(mailbox.messages("judge1@example.org")) == 2


def test_an_invitation_link_welcomes_and_signs_the_invitee_in(app, chief, client_of, make, mailbox):  # noqa: F811
    boss = client_of("chief@example.org")
    assert submit(boss, URL, ORGANISERS, **{"organiser-email": "nadia@example.org"}).status_code == 303
    link = f"/reset?token={mailbox.last_token('nadia@example.org')}"

    # The browser was signed in as someone else: the link's sign-in replaces that session.
    make.user("other@example.org")
    nadia = client_of("other@example.org")
    doc = page(nadia.get(link))
    assert doc.headings[0] == (1, "Choose your password") and "new password" not in doc.text.lower()
    # It names the account's address: a link forwarded by whoever invited their own address shows whose it is.
    assert "Welcome." in doc.text
    assert "You are choosing the password of the account nadia@example.org." in doc.text
    resp = submit(nadia, link, "/reset", password="short")
    assert resp.status_code == 422 and page(resp).headings[0] == (1, "Choose your password")

    resp = submit(nadia, link, "/reset", password="a new long passphrase")
    assert resp.status_code == 303 and resp.headers["Location"] == "/organiser/"
    assert "Your password is saved, and you are signed in as nadia@example.org." in page(nadia.get("/organiser/")).text
    assert "nadia@example.org" in page(nadia.get("/account")).text
    assert nadia.get(f"/organiser/contests/{SLUG}/people").status_code == 200
    assert account(app, "nadia@example.org")["verified"] is True

    # The link works once, and the password signs in as usual.
    resp = submit(app.test_client(), link, "/reset", password="yet another passphrase")
    assert resp.status_code == 422 and page(resp).headings[0] == (1, "This link does not work")
    sign_in(app.test_client(), "nadia@example.org", "a new long passphrase")


def test_a_real_reset_keeps_its_wording_and_asks_for_a_sign_in(app, client, make, mailbox):
    make.user("grace@example.org")
    assert submit(client, "/forgot", email="grace@example.org").status_code == 200
    link = f"/reset?token={mailbox.last_token('grace@example.org')}"
    doc = page(client.get(link))
    assert doc.headings[0] == (1, "Choose a new password") and "Welcome." not in doc.text
    assert "You are choosing the password of the account grace@example.org." in doc.text
    resp = submit(client, link, "/reset", password="a brand new secret")
    assert resp.status_code == 303 and resp.headers["Location"] == "/login"
    assert client.get("/account").status_code == 302  # not signed in
    assert "Sign in with your new password" in page(client.get("/login")).text


def test_only_the_address_breaks_anywhere_in_the_people_tables(app, chief, client_of):  # noqa: F811
    """At 320 px the tables once read "Re/mo/ve" and "Invit/ed": only the address (no spaces to wrap at) may
    break anywhere; the rest wraps at spaces, and the table scrolls in its region (seen in Chromium, en and ar)."""
    css = re.sub(r"/\*.*?\*/", "", (pathlib.Path(app.static_folder) / "console-people.css").read_text(), flags=re.S)
    rules = [rule.split("{")[0].strip() for rule in css.split("}") if "overflow-wrap" in rule]
    assert rules == [".people-table .address"]
    html = client_of("chief@example.org").get(URL).get_data(as_text=True)
    assert '<span class="hint address">chief@example.org</span>' in html


def test_inviting_a_judge_again_updates_their_categories_and_organisation(app, chief, client_of, mailbox):  # noqa: F811
    """The people page is the console's way to change a judge's categories or organisation: inviting them again
    with others applies them, audited with before and after, and mails nothing once they have accepted."""
    boss = client_of("chief@example.org")
    assert submit(boss, URL, JUDGES, data={"judge-email": "judge1@example.org", "judge-display_name": "Jules Judge",
                                           "expertise": ["c2"]}).status_code == 303
    assert submit(app.test_client(), f"/reset?token={mailbox.last_token('judge1@example.org')}", "/reset",
                  password="a long judging passphrase").status_code == 303  # accepted

    resp = submit(boss, URL, JUDGES, data={"judge-email": "judge1@example.org", "judge-display_name": "Jules",
                                           "judge-organisation": "Elsewhere", "expertise": ["c1"]})
    assert resp.status_code == 303
    doc = page(boss.get(URL))
    assert ("Jules Judge (judge1@example.org) is already a judge of this contest; their categories and organisation "
            "were updated.") in doc.text
    assert "mailed to them again" not in doc.text and len(mailbox.messages("judge1@example.org")) == 1
    row = rows(doc, "judges")["judge1@example.org"]
    assert "Categories: C1" in row and "C2" not in row and "Elsewhere" in row and "Accepted" in row
    entries = audit(app, SLUG, "judge.added")
    assert len(entries) == 2
    change = next(e["details"] for e in entries if e["details"]["before"] is not None)
    assert change["before"] == {"organisation": "", "expertise": ["c2"], "active": True}
    assert change["after"] == {"organisation": "Elsewhere", "expertise": ["c1"], "active": True}

    # The same again changes nothing and says only that they judge the contest.
    submit(boss, URL, JUDGES, data={"judge-email": "judge1@example.org", "judge-display_name": "Jules",
                                    "judge-organisation": "Elsewhere", "expertise": ["c1"]})
    text = page(boss.get(URL)).text
    assert "Jules Judge (judge1@example.org) is already a judge of this contest." in text and "updated" not in text
    assert len(audit(app, SLUG, "judge.added")) == 2
