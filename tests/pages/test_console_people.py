"""The console's people page (voting/organiser/people.py), as a browser without
JavaScript would use it: co-organisers and judges invited by mail (a new
address gets an account and a link that sets its password; an existing
account is told it was added), in the recipient's language; each row says
whether the invitation is accepted; removing either is audited, a contest
keeps one organiser, a removed judge's submitted scores stay; bad input is
refused beside its field with nothing changed; only the contest's organisers
(and admins) get in."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select, update

from judging.models import Assignment, Judge, Round, ScoreSheet, SheetChange
from tests.pages.support import Page, page, sign_in, submit
from tests.pages.test_judging_pages import (ORGANISER, SLUG as JURY, boss, contest, entry_url,  # noqa: F401
                                            my_entries, panel, site)
from tests.pages.test_page_quality import check_page
from tests.support.api import Api
from tests.support.factories import PASSWORD
from voting.accounts.models import User, UserRole
from voting.contests.models import Contest
from voting.extensions import db

SLUG = "wsis-prizes-test"
URL = f"/organiser/contests/{SLUG}/people"
ORGANISERS, JUDGES = f"{URL}/organisers", f"{URL}/judges"
FRENCH = {"fr": {"title": "Prix du SMSI (essai)"}}


@pytest.fixture
def chief(make):
    """The organiser of a WSIS-style prize (French title in its SPEC), signed in."""
    make.organiser("chief@example.org")
    make.contest(translations=FRENCH)


@pytest.fixture
def client_of(app):
    def signed(email: str):
        client = app.test_client()
        sign_in(client, email)
        return client
    return signed


def rows(doc, section: str) -> dict[str, str]:
    """The address → the row's text, of a section's table."""
    html = doc.html[doc.html.index(f'id="{section}-heading"'):]
    html = html[html.index("<tbody>"):html.index("</tbody>")]
    found = {}
    for row in html.split("<tr>")[1:]:
        text = " ".join(page_of(row).text.split())
        found[row.split('<span class="hint address">')[1].split("<")[0]] = text
    return found


def page_of(html: str) -> Page:
    return Page(html)


def audit(app, slug: str, action: str, email: str = "chief@example.org") -> list[dict]:
    api = Api(app.test_client())
    api.login(email, PASSWORD)
    return [e for e in api.get(f"/api/v1/contests/{slug}/audit").get_json()["entries"] if e["action"] == action]


def account(app, email: str) -> dict | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        found = None if user is None else {"id": user.id, "verified": user.verified, "locale": user.locale,
                                           "roles": sorted((r.role, r.contest_id or 0) for r in user.roles)}
        db.session.remove()
    return found


def contest_id(app, slug: str = SLUG) -> int:
    with app.app_context():
        found = db.session.scalar(select(Contest.id).where(Contest.slug == slug))
        db.session.remove()
    return found


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def field_error(doc, field_id: str) -> str:
    (control,) = [a for t, a in doc.elements if a.get("id") == field_id]
    assert control.get("aria-invalid") == "true" and f"{field_id}-error" in control["aria-describedby"]
    start = doc.html.index(f'id="{field_id}-error"')
    return page_of(doc.html[start:doc.html.index("</div>", start)]).text


def test_the_page_lists_the_organisers_with_their_state(app, chief, client_of):
    resp = client_of("chief@example.org").get(URL)
    check_page(resp)
    doc = page(resp)
    assert [h for h in doc.headings if h[0] <= 2][:3] == [(1, "People: WSIS Prizes (test)"), (2, "Co-organisers (1)"),
                                                          (2, "Judges (0)")]
    assert doc.find("a", href=URL, **{"aria-current": "page"})  # the console's nav
    assert doc.find("div", **{"class": "table-wrap", "role": "region", "aria-labelledby": "organisers-heading"})
    # The creator's grant needs no accepting; the only organiser has no remove button.
    assert rows(doc, "organisers") == {"chief@example.org": "chief chief@example.org Accepted Added directly "
                                                            "The only organiser"}
    assert set(doc.form(ORGANISERS)["fields"]) == {"csrf_token", "organiser-email", "organiser-display_name",
                                                   "organiser-locale"}
    assert set(doc.form(JUDGES)["fields"]) == {"csrf_token", "judge-email", "judge-display_name",
                                               "judge-organisation", "judge-locale", "expertise"}


def test_a_new_address_is_invited_in_its_language_and_accepts_by_the_link(app, chief, client_of, mailbox):
    chief_client = client_of("chief@example.org")
    resp = submit(chief_client, URL, ORGANISERS, **{"organiser-email": "nadia@example.org",
                                                    "organiser-display_name": "Nadia", "organiser-locale": "fr"})
    assert resp.status_code == 303 and resp.headers["Location"] == f"{URL}#organisers"
    shown = page(chief_client.get(URL)).text
    assert "nadia@example.org is now an organiser of this contest" in shown, shown[200:1200]
    new = account(app, "nadia@example.org")
    assert new["verified"] is False and new["locale"] == "fr" and ("organiser", contest_id(app)) in new["roles"]
    (mail,) = mailbox.messages("nadia@example.org")
    assert mail["Content-Language"] == "fr" and "Prix du SMSI (essai)" in mail["Subject"]
    text = body(mail)
    assert "Bonjour Nadia," in text and "Pour choisir votre mot de passe" in text  # French, where translated
    assert f"http://localhost/organiser/contests/{SLUG}" in text
    assert rows(page(chief_client.get(URL)), "organisers")["nadia@example.org"].startswith("Nadia nadia@example.org "
                                                                                          "Invited Not signed in")
    assert [e["details"]["email"] for e in audit(app, SLUG, "organiser.added")] == ["nadia@example.org"]

    # Inviting again while still invited mails a fresh link, and adds no second grant.
    assert submit(chief_client, URL, ORGANISERS, **{"organiser-email": "nadia@example.org"}).status_code == 303
    assert len(mailbox.messages("nadia@example.org")) == 2 and len(audit(app, SLUG, "organiser.added")) == 1

    # Following the link sets the password and proves the mailbox: the invitation is accepted.
    nadia = app.test_client()
    assert submit(nadia, f"/reset?token={mailbox.last_token('nadia@example.org')}", "/reset",
                  password="a new long passphrase").status_code == 303
    assert "Accepted" in rows(page(chief_client.get(URL)), "organisers")["nadia@example.org"]
    sign_in(nadia, "nadia@example.org", "a new long passphrase")
    assert nadia.get(URL).status_code == 200  # she manages the contest


def test_an_existing_account_is_told_and_accepts_by_signing_in(app, chief, client_of, make, mailbox):
    make.user("ann@example.org", name="Ann")
    with app.app_context():
        db.session.execute(update(User).where(User.email == "ann@example.org").values(locale="fr"))
        db.session.commit()
    chief_client = client_of("chief@example.org")
    # Another name or language sent for an existing account changes nothing of it.
    resp = submit(chief_client, URL, ORGANISERS, **{"organiser-email": "ann@example.org",
                                                    "organiser-display_name": "Someone", "organiser-locale": "es"})
    assert resp.status_code == 303
    assert account(app, "ann@example.org")["locale"] == "fr"
    (mail,) = mailbox.messages("ann@example.org")
    assert mail["Content-Language"] == "fr" and "Prix du SMSI (essai)" in mail["Subject"]
    assert "Bonjour Ann," in body(mail) and "token=" not in body(mail)  # no link: she has a password
    row = rows(page(chief_client.get(URL)), "organisers")["ann@example.org"]
    assert row.startswith("Ann ann@example.org Invited") and "Remove" in row
    api = Api(app.test_client())
    api.login("chief@example.org", PASSWORD)
    answer = api.get(f"/api/v1/contests/{SLUG}/organisers").get_json()
    listed = {o["email"]: o["accepted"] for o in answer["organisers"]}
    assert listed == {"chief@example.org": True, "ann@example.org": False}

    client_of("ann@example.org")  # she signs in
    assert "Accepted" in rows(page(chief_client.get(URL)), "organisers")["ann@example.org"]
    assert api.get(f"/api/v1/contests/{SLUG}/organisers").get_json()["organisers"][1]["accepted"] is True
    # Inviting someone who has accepted changes nothing and mails nothing.
    assert submit(chief_client, URL, ORGANISERS, **{"organiser-email": "ann@example.org"}).status_code == 303
    assert "ann@example.org is already an organiser" in page(chief_client.get(URL)).text
    assert len(mailbox.messages("ann@example.org")) == 1


def test_organisers_are_removed_but_never_the_last(app, chief, client_of, make):
    ann = make.user("ann@example.org", name="Ann")
    chief_client = client_of("chief@example.org")
    doc = page(chief_client.get(URL))
    token = doc.form(ORGANISERS)["fields"]["csrf_token"]
    chief_id = account(app, "chief@example.org")["id"]
    # Alone, the chief is refused (a stale page, or a hand-made request): the reason is said at the top.
    resp = chief_client.post(f"{ORGANISERS}/{chief_id}/remove", data={"csrf_token": token})
    check_page(resp, 409)
    doc = page(resp)
    assert doc.find("div", **{"class": "error-summary", "role": "alert"})
    assert "There is a problem A contest keeps at least one organiser." in doc.text
    assert ("organiser", contest_id(app)) in account(app, "chief@example.org")["roles"]

    assert submit(chief_client, URL, ORGANISERS, **{"organiser-email": "ann@example.org"}).status_code == 303
    doc = page(chief_client.get(URL))
    buttons = [b for b in doc.html.split('<button type="submit" class="secondary">')[1:]]
    assert [" ".join(page_of(b.split("</button>")[0]).text.split()) for b in buttons] == [
        "Remove chief (chief@example.org)", "Remove Ann (ann@example.org)"]
    resp = submit(chief_client, URL, f"{ORGANISERS}/{ann.id}/remove")
    assert resp.status_code == 303 and resp.headers["Location"] == f"{URL}#organisers"
    assert "Ann (ann@example.org) is no longer an organiser of this contest." in page(chief_client.get(URL)).text
    assert ("organiser", contest_id(app)) not in account(app, "ann@example.org")["roles"]
    (entry,) = audit(app, SLUG, "organiser.removed")
    assert entry["details"]["user_id"] == ann.id and entry["details"]["before"] == "organiser"
    # Gone already: 404, said on the page.
    resp = chief_client.post(f"{ORGANISERS}/{ann.id}/remove", data={"csrf_token": token})
    assert resp.status_code == 404 and "No such organiser." in page(resp).text

    # An organiser who removes themselves goes back to the dashboard: the page is no longer theirs.
    assert submit(chief_client, URL, ORGANISERS, **{"organiser-email": "ann@example.org"}).status_code == 303
    resp = submit(chief_client, URL, f"{ORGANISERS}/{chief_id}/remove")
    assert resp.status_code == 303 and resp.headers["Location"] == "/organiser/"
    assert chief_client.get(URL).status_code == 403


def test_bad_input_is_refused_beside_its_field_and_nothing_changes(app, chief, client_of, mailbox):
    chief_client = client_of("chief@example.org")
    resp = submit(chief_client, URL, ORGANISERS, **{"organiser-email": "not-an-address",
                                                    "organiser-display_name": "N" * 121})
    check_page(resp, 422)
    doc = page(resp)
    assert "not-an-address" in doc.form(ORGANISERS)["fields"]["organiser-email"]  # kept, to correct
    assert field_error(doc, "organiser-email")
    assert doc.find("a", href="#organiser-email")
    resp = submit(chief_client, URL, ORGANISERS, **{"organiser-email": "ok@example.org",
                                                    "organiser-display_name": "N" * 121})
    assert resp.status_code == 422
    assert "must be at most 120 characters" in field_error(page(resp), "organiser-display_name")
    resp = submit(chief_client, URL, ORGANISERS, **{"organiser-email": "ok@example.org", "organiser-locale": "xx"})
    assert resp.status_code == 422 and "must be one of" in field_error(page(resp), "organiser-locale")

    resp = submit(chief_client, URL, JUDGES, data={"judge-email": "jo@example.org", "judge-display_name": "Jo",
                                                   "expertise": ["c1", "nope"]})
    check_page(resp, 422)
    doc = page(resp)
    (fieldset,) = doc.find("fieldset", id="judge-expertise")
    assert "judge-expertise-error" in fieldset["aria-describedby"]
    start = doc.html.index('id="judge-expertise-error"')
    assert "not categories of this contest: nope" in doc.html[start:doc.html.index("</div>", start)]
    assert doc.find("input", id="expertise-c1", checked="")  # what was chosen stays chosen
    resp = submit(chief_client, URL, JUDGES, data={"judge-email": "jo@example.org", "judge-display_name": ""})
    assert resp.status_code == 422 and field_error(page(resp), "judge-display_name")

    assert account(app, "ok@example.org") is None and account(app, "jo@example.org") is None
    assert account(app, "not-an-address") is None and mailbox.messages() == []
    assert audit(app, SLUG, "organiser.added") == [] and audit(app, SLUG, "judge.added") == []


def test_a_judge_is_invited_in_their_language(app, chief, client_of, mailbox):
    chief_client = client_of("chief@example.org")
    resp = submit(chief_client, URL, JUDGES, data={"judge-email": "jo@example.org", "judge-display_name": "Jo",
                                                   "judge-organisation": "ITU", "judge-locale": "fr",
                                                   "expertise": ["c2"]})
    assert resp.status_code == 303 and resp.headers["Location"] == f"{URL}#judges"
    doc = page(chief_client.get(URL))
    assert "Jo (jo@example.org) is now a judge of this contest" in doc.text
    row = rows(doc, "judges")["jo@example.org"]
    assert row.startswith("Jo jo@example.org ITU Categories: C2 Information and communication infrastructure "
                          "Invited") and "Remove Jo (jo@example.org)" in row
    (mail,) = mailbox.messages("jo@example.org")
    assert mail["Content-Language"] == "fr" and "Pour choisir votre mot de passe" in body(mail)
    assert "Prix du SMSI (essai)" in mail["Subject"] and "Prix du SMSI (essai)" in body(mail)
    assert account(app, "jo@example.org")["locale"] == "fr"
    (entry,) = audit(app, SLUG, "judge.added")
    assert entry["details"]["after"]["expertise"] == ["c2"]
    jo = app.test_client()
    assert submit(jo, f"/reset?token={mailbox.last_token('jo@example.org')}", "/reset",
                  password="a new long passphrase").status_code == 303
    assert "Accepted" in rows(page(chief_client.get(URL)), "judges")["jo@example.org"]


def test_when_the_mail_cannot_be_sent_the_role_stands_and_the_page_says_so(app, make_app, chief, client_of,
                                                                           mailbox):
    """Mail goes after the commit: a failed delivery (SMTP refused: nothing listens on port 1) leaves the role
    granted and says to invite again, which resends it."""
    chief_client = make_app(mail_backend="smtp", smtp_host="127.0.0.1", smtp_port=1).test_client()
    sign_in(chief_client, "chief@example.org")
    assert submit(chief_client, URL, ORGANISERS, **{"organiser-email": "nadia@example.org"}).status_code == 303
    text = page(chief_client.get(URL)).text
    assert ("nadia@example.org is now an organiser of this contest, but the mail to tell them could not be sent: "
            "invite them again to resend it.") in text and "a mail was sent" not in text
    assert submit(chief_client, URL, JUDGES, **{"judge-email": "jo@example.org", "judge-display_name": "Jo"}
                  ).status_code == 303
    text = page(chief_client.get(URL)).text
    assert ("Jo (jo@example.org) is now a judge of this contest, but the invitation could not be mailed to them: "
            "invite them again to resend it.") in text and "an invitation was mailed" not in text
    assert ("organiser", contest_id(app)) in account(app, "nadia@example.org")["roles"]
    assert ("judge", contest_id(app)) in account(app, "jo@example.org")["roles"] and not mailbox.messages()
    assert submit(chief_client, URL, ORGANISERS, **{"organiser-email": "nadia@example.org"}).status_code == 303
    text = page(chief_client.get(URL)).text
    assert "nadia@example.org is already an organiser of this contest." in text
    assert "The mail to nadia@example.org could not be sent: invite them again to resend it." in text
    # Inviting again with the mail working sends it.
    mailing = client_of("chief@example.org")
    assert submit(mailing, URL, ORGANISERS, **{"organiser-email": "nadia@example.org"}).status_code == 303
    assert len(mailbox.messages("nadia@example.org")) == 1


def test_a_removed_judge_keeps_submitted_scores_and_loses_the_rest(app, site, boss, contest, panel):
    """Ben submits one score and drafts another; removed, his submitted score
    stays (and counts), the draft is voided with its history kept, and his
    unfinished entries go to the other judges."""
    people = f"/organiser/contests/{JURY}/people"
    ben = panel["ben"]
    # Walk, the first entry, is Alpha Lab's, so Ann may not judge it: Ben and Cat always do. Ben submits it, so
    # after his removal every entry can have two judges again.
    mine = sorted(my_entries(ben), key=lambda t: contest[t])
    assert mine[0] == "Walk"
    done, draft = contest[mine[0]], contest[mine[1]]
    assert submit(ben, entry_url(done), data={"scores.impact": "7", "scores.feasibility": "4",
                                              "action": "submit"}).status_code == 303
    assert submit(ben, entry_url(draft), data={"scores.impact": "6", "action": "draft"}).status_code == 303
    with site.app_context():
        ben_id = db.session.scalar(select(User.id).where(User.email == "ben@example.org"))
        db.session.remove()
    doc = page(boss.get(people))
    assert set(rows(doc, "judges")) == {"ann@example.org", "ben@example.org", "cat@example.org"}

    resp = submit(boss, people, f"{people}/judges/{ben_id}/remove")
    assert resp.status_code == 303 and resp.headers["Location"] == f"{people}#judges"
    text = page(boss.get(people)).text
    assert "ben (ben@example.org) is no longer a judge of this contest." in text
    assert "Their 1 submitted score stays on record and still counts." in text
    assert f"{len(mine) - 1} unfinished assignment" in text and "taken off them" in text
    assert "ben@example.org" not in rows(page(boss.get(people)), "judges")
    with site.app_context():
        left = {a.entry_id: (a.sheet.status if a.sheet else None) for a in db.session.scalars(
            select(Assignment).where(Assignment.judge_id == ben_id))}
        assert left == {done: "submitted"}
        assert db.session.scalar(select(Judge.active).where(Judge.user_id == ben_id)) is False
        assert not db.session.scalar(select(UserRole.id).where(UserRole.user_id == ben_id, UserRole.role == "judge"))
        voided = db.session.scalar(select(SheetChange).where(SheetChange.judge_id == ben_id,
                                                             SheetChange.action == "voided"))
        assert voided.entry_id == draft and voided.after == {"status": "voided", "why": "judge removed"}
        # Every entry has its two judges again, from the other two (Ben's submitted sheet counts as one).
        per_entry = {}
        for a in db.session.scalars(select(Assignment)):
            per_entry.setdefault(a.entry_id, []).append(a.judge_id)
        assert all(len(judges) == 2 for judges in per_entry.values()), per_entry
        assert db.session.scalar(select(ScoreSheet.id).join(Assignment).where(Assignment.entry_id == draft,
                                                                              Assignment.judge_id == ben_id)) is None
        db.session.remove()
    (entry,) = audit(site, JURY, "judge.removed", ORGANISER)
    assert entry["details"]["before"]["active"] is True and entry["details"]["after"]["active"] is False
    assert entry["details"]["submitted_kept"] == 1 and entry["details"]["unfinished_dropped"] == len(mine) - 1
    assert ben.get(entry_url(done)).status_code == 403  # his judging pages are closed
    assert ranked(site, done)  # his submitted score still counts
    resp = boss.post(f"{people}/judges/{ben_id}/remove", data={"csrf_token": page(boss.get(people)).form(
        f"{people}/judges")["fields"]["csrf_token"]})
    assert resp.status_code == 404 and "No such judge of this contest." in page(resp).text


def ranked(site, entry_id: int) -> bool:
    api = Api(site.test_client())
    api.login(ORGANISER, PASSWORD)
    found = api.get(f"/api/v1/contests/{JURY}/judging/ranking").get_json()
    return any(r["entry_id"] == entry_id and r["judges"] >= 1 for c in found["categories"] for r in c["ranking"])


@pytest.mark.parametrize("who", ["outsider", "voter", "anonymous"])
def test_only_the_contests_organisers_get_in(make_app, make, who):
    app = make_app(WTF_CSRF_ENABLED=False)  # CSRF has tests of its own; here it would hide the 403
    make.organiser("chief@example.org")
    make.contest()
    make.organiser("outsider@example.org", manages=False)
    make.contest(slug="theirs")
    with app.app_context():
        outsider = db.session.scalar(select(User).where(User.email == "outsider@example.org"))
        outsider.roles.append(UserRole(role="organiser", contest_id=contest_id(app, "theirs")))
        db.session.commit()
        db.session.remove()
    make.user("voter@example.org")
    chief_id, mine = account(app, "chief@example.org")["id"], contest_id(app)
    client = app.test_client()
    if who != "anonymous":
        sign_in(client, f"{who}@example.org")
        assert client.get("/organiser/contests/theirs/people").status_code in ((200,) if who == "outsider" else (403,))
    posts = {ORGANISERS: {"organiser-email": "x@example.org"}, f"{ORGANISERS}/{chief_id}/remove": {},
             JUDGES: {"judge-email": "x@example.org", "judge-display_name": "X"}, f"{JUDGES}/{chief_id}/remove": {}}
    answers = [client.get(URL)] + [client.post(path, data=data) for path, data in posts.items()]
    for resp in answers:
        if who == "anonymous":
            assert resp.status_code == 302 and "/login" in resp.headers["Location"]
        else:
            assert resp.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "x@example.org")) is None
        assert len(db.session.scalars(select(UserRole).where(UserRole.role == "organiser",
                                                             UserRole.contest_id == mine)).all()) == 1
        db.session.remove()


def test_once_the_round_is_closed_a_removed_judge_leaves_everything_in_place(app, site, boss, contest, panel):
    people = f"/organiser/contests/{JURY}/people"
    with site.app_context():
        ann_id = db.session.scalar(select(User.id).where(User.email == "ann@example.org"))
        db.session.execute(update(Round).values(closed_at=datetime.now(timezone.utc)))
        db.session.commit()
        before = set(db.session.scalars(select(Assignment.entry_id).where(Assignment.judge_id == ann_id)))
        db.session.remove()
    assert before
    resp = submit(boss, people, f"{people}/judges/{ann_id}/remove")
    assert resp.status_code == 303
    text = page(boss.get(people)).text
    assert "ann (ann@example.org) is no longer a judge of this contest." in text and "unfinished assignment" not in text
    with site.app_context():
        assert set(db.session.scalars(select(Assignment.entry_id).where(Assignment.judge_id == ann_id))) == before
        assert db.session.scalar(select(Judge.active).where(Judge.user_id == ann_id)) is False
        db.session.remove()
    (entry,) = audit(site, JURY, "judge.removed", ORGANISER)
    assert entry["details"]["unfinished_dropped"] == 0
