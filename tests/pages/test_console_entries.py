"""The console's entries list (voting/organiser/entries_list.py), as a browser
without JavaScript uses it: a text search and filters by status and category
in the query string, counts per status, category titles in the reader's
language; the bulk decision (approve, reject, ask for changes, one reason for
all) made entry by entry, mailed and audited, with every entry that could not
move named; and who gets in to every page and form of the entries part."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.pages.support import add_entry, entry_status, page, sign_in
from tests.pages.test_page_quality import check_page
from tests.support.factories import iso
from voting import clock
from voting.accounts.models import User
from voting.audit.models import AuditEntry
from voting.contests import entries, services
from voting.extensions import db
from voting.submissions import services as submissions

SLUG = "wsis-prizes-test"
URL = f"/organiser/contests/{SLUG}/entries"
BULK = f"{URL}/bulk"


def window(start_days: int, end_days: int) -> dict:
    now = datetime.now(timezone.utc)
    return {"opens_at": iso(now + timedelta(days=start_days)), "closes_at": iso(now + timedelta(days=end_days))}


OPEN = {"submission": window(-1, 5), "voting": window(6, 10)}
FRENCH = {"fr": {"categories": {"c2": {"title": "C2 Infrastructure (fr)"}}}}


def as_user(app, slug: str, user_id: int, action: str, entry_id: int) -> None:
    """The entrant's own move (withdraw), through the service."""
    with app.app_context():
        contest = services.get_contest(slug)
        entry = entries.get_entry(entry_id, contest)
        getattr(submissions, action)(contest, entry, db.session.get(User, user_id), clock.now())
        db.session.remove()


def draft(app, slug: str, user_id: int, title: str) -> int:
    with app.app_context():
        contest = services.get_contest(slug)
        entry = submissions.submit(contest, {"category": "c1", "title": title}, db.session.get(User, user_id),
                                   clock.now(), draft=True)
        entry_id = entry.id
        db.session.remove()
    return entry_id


def audited(app, action: str) -> list[dict]:
    with app.app_context():
        found = [e.details for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                                       .order_by(AuditEntry.seq))]
        db.session.remove()
    return found


def titles(doc) -> list[str]:
    """The titles in the list's table, in order."""
    body = doc.html[doc.html.index("<tbody>"):doc.html.index("</tbody>")] if "<tbody>" in doc.html else ""
    return [cell.split(">", 1)[1].split("<", 1)[0] for cell in body.split('<td class="entry-title"')[1:]
            for cell in [cell.split("<a href=", 1)[1]]]


@pytest.fixture
def world(app, make):
    """A prize open for entries: the organiser's approved entry, two entrants' pending ones, a withdrawn one
    and a draft; category c2 has a French title."""
    organiser = make.organiser()
    make.contest(phases=OPEN, translations=FRENCH)
    ada = make.user("ada@example.org", name="Ada Lovelace")
    grace = make.user("grace@example.org", name="Grace Hopper")
    ids = {"solar": add_entry(app, SLUG, organiser.id, title="Solar schools", summary="Panels on roofs"),
           "water": add_entry(app, SLUG, ada.id, title="Water for villages", summary="Pumps run on solar power"),
           "library": add_entry(app, SLUG, grace.id, category="c2", title="Library app", summary="Books 100% free"),
           "gone": add_entry(app, SLUG, ada.id, title="Gone project")}
    as_user(app, SLUG, ada.id, "withdraw", ids["gone"])
    ids["draft"] = draft(app, SLUG, ada.id, "Secret draft")
    return organiser, ids


def test_the_list_filters_by_status_category_and_search(app, client, world):
    organiser, ids = world
    sign_in(client, organiser.email)
    resp = client.get(URL)
    check_page(resp)
    doc = page(resp)
    assert titles(doc) == ["Water for villages", "Library app"]  # the queue first: waiting for moderation
    for label in ("All (4)", "Waiting for moderation (2)", "Approved (1)", "Withdrawn (1)", "Not accepted (0)"):
        assert label in doc.text
    assert "Secret draft" not in doc.text  # a draft is its entrant's own
    assert doc.find("div", class_="table-wrap", role="region", tabindex="0")
    assert doc.find("a", href=f"{URL}?status=approved")

    assert titles(page(client.get(f"{URL}?status=approved"))) == ["Solar schools"]
    assert titles(page(client.get(f"{URL}?status=withdrawn"))) == ["Gone project"]
    assert titles(page(client.get(f"{URL}?status=all&category=c2"))) == ["Library app"]
    # Words of the title or summary, any case; every word must match.
    assert titles(page(client.get(f"{URL}?status=all&q=SOLAR"))) == ["Solar schools", "Water for villages"]
    assert titles(page(client.get(f"{URL}?status=all&q=solar+pumps"))) == ["Water for villages"]
    # The entrant's name or address, the entry's number; LIKE's wildcards match themselves.
    assert titles(page(client.get(f"{URL}?status=all&q=hopper"))) == ["Library app"]
    assert titles(page(client.get(f"{URL}?status=all&q=ada@example"))) == ["Water for villages", "Gone project"]
    assert titles(page(client.get(f"{URL}?status=all&q={ids['library']}"))) == ["Library app"]
    assert titles(page(client.get(f"{URL}?status=all&q=100%25"))) == ["Library app"]
    assert titles(page(client.get(f"{URL}?status=all&q=_"))) == []

    # Counts follow the search; the tabs keep it, so a filtered view is a link.
    doc = page(client.get(f"{URL}?q=solar&category=c1"))
    assert "All (2)" in doc.text and "Approved (1)" in doc.text and "Waiting for moderation (1)" in doc.text
    assert doc.find("a", href=f"{URL}?q=solar&status=approved&category=c1")
    assert doc.find("input", name="q", value="solar")
    # Nonsense in the query is the default view, not an error.
    assert titles(page(client.get(f"{URL}?status=nope&category=zz&page=-3"))) == ["Water for villages",
                                                                                  "Library app"]


def test_category_titles_are_in_the_readers_language(client, world):
    organiser, _ids = world
    sign_in(client, organiser.email)
    doc = page(client.get(f"{URL}?status=all&lang=fr"))
    assert "C2 Infrastructure (fr)" in doc.text
    assert doc.find("option", value="c2")


def bulk(client, data: dict, query: str = ""):
    token = page(client.get(URL + query)).form(BULK)["fields"]["csrf_token"]
    return client.post(BULK + query, data={"csrf_token": token, **data})


def test_bulk_approval_moves_what_it_can_and_names_the_rest(app, client, world, mailbox):
    organiser, ids = world
    sign_in(client, organiser.email)
    chosen = [ids["water"], ids["library"], ids["gone"], ids["draft"], ids["solar"], 999999]
    resp = bulk(client, {"entry": [str(i) for i in chosen], "status": "approved", "reason": "Well done."},
                "?status=all&q=o")
    assert resp.status_code == 303 and resp.headers["Location"] == f"{URL}?q=o&status=all"
    assert entry_status(app, ids["water"]) == entry_status(app, ids["library"]) == "approved"
    assert entry_status(app, ids["gone"]) == "withdrawn" and entry_status(app, ids["draft"]) == "draft"
    text = page(client.get(resp.headers["Location"])).text
    assert "2 entries are approved and now public." in text
    assert "“Gone project” was not changed: This entry was withdrawn by its entrant." in text
    # A draft is its entrant's own: reported as no such entry, its title unsaid.
    assert f"Entry {ids['draft']} was not changed: There is no such entry in this contest." in text
    assert "Secret draft" not in text
    assert "“Solar schools” was not changed: This entry already has that status." in text
    assert "Entry 999999 was not changed: There is no such entry in this contest." in text
    # Each entrant is told, with the reason; each decision is its own audit entry.
    assert len(mailbox.messages("ada@example.org")) == 1 and len(mailbox.messages("grace@example.org")) == 1
    assert "Well done." in mailbox.messages("grace@example.org")[0].get_body(("plain",)).get_content()
    moved = audited(app, "entry.moderated")
    assert sorted(d["entry_id"] for d in moved) == sorted([ids["water"], ids["library"]])
    assert all(d["before"] == "pending" and d["after"] == "approved" and d["reason"] == "Well done." for d in moved)


def test_bulk_rejection_and_changes_asked_for(app, client, world, mailbox):
    organiser, ids = world
    sign_in(client, organiser.email)
    both = [str(ids["water"]), str(ids["library"])]
    # Asking for changes needs a reason: refused whole, beside the field, nothing moves.
    resp = bulk(client, {"entry": both, "status": "changes_requested", "reason": " "})
    check_page(resp, 422)
    doc = page(resp)
    assert doc.find("textarea", id="bulk-reason", aria_invalid="true")
    assert "must say what the entrant should change" in doc.text
    assert doc.find("input", id=f"pick-{ids['water']}", checked="")  # what was sent stays checked
    assert entry_status(app, ids["water"]) == "pending" and not mailbox.messages()

    resp = bulk(client, {"entry": both, "status": "changes_requested", "reason": "Add your country."})
    assert resp.status_code == 303
    assert entry_status(app, ids["water"]) == entry_status(app, ids["library"]) == "changes_requested"
    assert "The entrants of 2 entries are asked for changes." in page(client.get(URL)).text
    assert "Add your country." in mailbox.messages("ada@example.org")[0].get_body(("plain",)).get_content()

    resp = bulk(client, {"entry": both, "status": "rejected", "reason": "Out of scope."}, "?status=changes_requested")
    assert resp.status_code == 303
    assert entry_status(app, ids["water"]) == entry_status(app, ids["library"]) == "rejected"
    assert "2 entries are rejected." in page(client.get(URL)).text
    assert len(mailbox.messages("grace@example.org")) == 2
    assert [d["after"] for d in audited(app, "entry.moderated")] == ["changes_requested"] * 2 + ["rejected"] * 2


def test_a_bulk_decision_without_entries_or_decision_is_refused(app, client, world):
    organiser, ids = world
    sign_in(client, organiser.email)
    resp = bulk(client, {"reason": "x"})
    check_page(resp, 422)
    doc = page(resp)
    # Worded for the form, not the API's values.
    assert "Choose entries from the list." in doc.text and "Choose a decision." in doc.text
    assert "changes_requested" not in doc.text
    assert doc.find("fieldset", id="bulk-entries", class_="field-invalid")
    assert page(bulk(client, {"entry": ["1x"], "status": "approved"})).text.count("Choose entries from the list.") == 2
    resp = bulk(client, {"entry": [str(i) for i in range(1, 102)], "status": "approved"})
    check_page(resp, 422)
    assert "choose at most 100 entries at once" in page(resp).text
    assert entry_status(app, ids["water"]) == "pending"


def test_changes_cannot_be_asked_for_once_the_submission_phase_closed(app, client, make, mailbox):
    organiser = make.organiser()
    make.contest()  # voting now, the submission phase is over
    ada = make.user("ada@example.org")
    with app.app_context():  # submitted in time, decided on late
        entry = entries.create_entry(services.get_contest(SLUG), {"category": "c1", "title": "Late"},
                                     db.session.get(User, ada.id), clock.now(), status="pending").id
        db.session.commit()
        db.session.remove()
    sign_in(client, organiser.email)
    resp = bulk(client, {"entry": [str(entry)], "status": "changes_requested", "reason": "Fix it."})
    check_page(resp, 409)
    assert "Changes can be asked for only while the submission phase is open" in page(resp).text
    assert entry_status(app, entry) == "pending" and not mailbox.messages()


@pytest.fixture
def outsiders(app, make):
    """This contest with one entry; another contest's organiser; a voter; each with a client."""
    make.organiser()
    make.contest(phases=OPEN)
    make.contest(slug="other-contest", title="Other")
    with app.app_context():
        other = services.get_contest("other-contest")
        make.user("other@example.org", role="organiser", contest_id=other.id)
        db.session.remove()
    ada = make.user("ada@example.org")
    entry = add_entry(app, SLUG, ada.id, title="Entry")
    clients = {}
    for email in ("other@example.org", "ada@example.org"):
        clients[email] = app.test_client()
        sign_in(clients[email], email)
    clients["anonymous"] = app.test_client()
    return entry, clients


PAGES = ["", "?status=all", "/{entry}/edit", "/import", "/import/template.csv"]
POSTS = ["/bulk", "/{entry}/edit", "/import", "/{entry}/moderation"]


def test_only_the_contests_organisers_get_in(app, outsiders):
    entry, clients = outsiders
    for who, client in clients.items():
        token = page(client.get("/login")).forms[-1]["fields"].get("csrf_token", "")
        for path in PAGES:
            resp = client.get(URL + path.format(entry=entry))
            if who == "anonymous":
                assert resp.status_code == 302 and "/login" in resp.headers["Location"], path
            else:
                assert resp.status_code == 403, (who, path, resp.status_code)
        for path in POSTS:
            resp = client.post(URL + path.format(entry=entry),
                               data={"csrf_token": token, "entry": str(entry), "status": "approved", "title": "X"})
            if who == "anonymous":
                assert resp.status_code == 302 and "/login" in resp.headers["Location"], path
            else:
                assert resp.status_code == 403, (who, path, resp.status_code)
    assert entry_status(app, entry) == "pending"
    assert not audited(app, "entry.edited") and not audited(app, "entries.imported")
