"""An organiser's edit of an entry (voting/organiser/entries_edit.py): the
kind's fields, saved and audited with their values before and after, the
status kept; bad input beside its field with nothing saved; the category
fixed once voting has opened, shown locked and refused with why; drafts not
the organisers' to see, withdrawn entries not theirs to change."""

from __future__ import annotations

from tests.pages.support import add_entry, page, sign_in, submit
from tests.pages.test_console_entries import OPEN, SLUG, URL, as_user, audited, draft
from tests.pages.test_page_quality import check_page
from tests.support.images import jpeg
from voting.contests import entries
from voting.extensions import db


def stored(app, entry_id: int) -> dict:
    with app.app_context():
        entry = entries.get_entry(entry_id)
        found = {"category": entry.category.slug, "title": entry.title, "summary": entry.summary,
                 "country": entry.country, "links": list(entry.links), "status": entry.status}
        db.session.remove()
    return found


def test_an_organiser_corrects_an_entry(app, client, make):
    organiser = make.organiser()
    make.contest(phases=OPEN)
    ada = make.user("ada@example.org", name="Ada")
    entry = add_entry(app, SLUG, ada.id, title="Smart farms", summary="Sensors", organisation="Agri", country="KE")
    edit = f"{URL}/{entry}/edit"
    sign_in(client, organiser.email)
    resp = client.get(edit)
    check_page(resp)
    doc = page(resp)
    fields = doc.form(edit)["fields"]
    assert list(fields) == ["csrf_token", "category", "title", "summary", "organisation", "country", "team", "links"]
    assert fields["title"] == "Smart farms" and "Ada" in doc.text and "Waiting for moderation" in doc.text
    assert doc.form(f"{URL}/{entry}/moderation")  # the one-entry decision sits beside the form
    assert not doc.find("select", id="category", disabled="")

    # (The helper reads no textarea's text nor a select's choice: a browser would send them as shown.)
    resp = submit(client, edit, title="Smart farms for all", category="c2", summary="Sensors", country="KE",
                  links="https://example.org/farms\nhttps://example.org/code")
    assert resp.status_code == 303 and resp.headers["Location"] == edit
    assert "“Smart farms for all” is saved." in page(client.get(edit)).text
    after = stored(app, entry)
    assert after["title"] == "Smart farms for all" and after["category"] == "c2"
    assert after["links"] == ["https://example.org/farms", "https://example.org/code"]
    assert after["status"] == "pending" and after["summary"] == "Sensors"  # status and the rest as they were
    (details,) = audited(app, "entry.edited")
    assert details["by_organiser"] is True and sorted(details["fields"]) == ["category", "links", "title"]
    assert details["before"]["title"] == "Smart farms" and details["after"]["title"] == "Smart farms for all"
    assert details["before"]["category"] == "c1" and details["after"]["category"] == "c2"

    # An approved entry edited by an organiser stays approved (unlike the entrant's own edit).
    submit(client, edit, f"{URL}/{entry}/moderation", status="approved")
    assert submit(client, edit, category="c2", summary="Sensors and drones", country="KE", links="").status_code == 303
    assert stored(app, entry)["status"] == "approved"


def test_bad_input_is_shown_beside_its_field_and_nothing_is_saved(app, client, make):
    organiser = make.organiser()
    make.contest(phases=OPEN)
    entry = add_entry(app, SLUG, organiser.id, title="Kept title")
    edit = f"{URL}/{entry}/edit"
    sign_in(client, organiser.email)
    resp = submit(client, edit, category="c1", title="  ", country="XX",
                  links="https://ok.example\njavascript:alert(1)")
    check_page(resp, 422)
    doc = page(resp)
    assert doc.find("input", id="title", aria_invalid="true")
    assert doc.find("div", class_="field-error", id="title-error")
    assert doc.find("div", class_="field-error", id="country-error")
    assert "Line 2 must be an http:// or https:// address" in doc.text
    assert doc.find("a", href="#title")  # the summary at the top links to the field
    assert stored(app, entry)["title"] == "Kept title" and not audited(app, "entry.edited")


def test_the_category_is_locked_once_voting_opened(app, client, make):
    organiser = make.organiser()
    make.contest()  # voting now
    entry = add_entry(app, SLUG, organiser.id, title="Voted on")
    edit = f"{URL}/{entry}/edit"
    sign_in(client, organiser.email)
    doc = page(client.get(edit))
    assert doc.find("select", id="category", disabled="")
    assert "Cannot change once voting or judging has opened: votes and scores are kept per category." in doc.text
    assert "cannot change: cannot change" not in doc.text.lower()
    fields = doc.form(edit)["fields"]
    # A crafted request that moves it anyway is refused beside the field, and nothing is saved.
    resp = client.post(edit, data={**fields, "category": "c2", "title": "New title"})
    check_page(resp, 422)
    assert "votes and scores are kept per category" in page(resp).text
    assert stored(app, entry)["category"] == "c1" and stored(app, entry)["title"] == "Voted on"
    # The other fields may still be corrected: the disabled select is not sent.
    del fields["category"]
    assert client.post(edit, data={**fields, "title": "Typo fixed"}).status_code == 303
    assert stored(app, entry)["category"] == "c1" and stored(app, entry)["title"] == "Typo fixed"


def test_drafts_are_not_shown_and_withdrawn_entries_not_changed(app, client, make):
    organiser = make.organiser()
    make.contest(phases=OPEN)
    ada = make.user("ada@example.org")
    hidden = draft(app, SLUG, ada.id, "Draft")
    gone = add_entry(app, SLUG, ada.id, title="Gone")
    as_user(app, SLUG, ada.id, "withdraw", gone)
    sign_in(client, organiser.email)
    assert client.get(f"{URL}/{hidden}/edit").status_code == 404
    assert client.get(f"{URL}/999999/edit").status_code == 404
    resp = client.get(f"{URL}/{gone}/edit")
    check_page(resp)
    doc = page(resp)
    assert "This entry was withdrawn by its entrant." in doc.text and not doc.find("input", id="title")
    token = page(client.get(URL + "?status=all")).form(f"{URL}/bulk")["fields"]["csrf_token"]
    resp = client.post(f"{URL}/{gone}/edit", data={"csrf_token": token, "title": "Changed"})
    check_page(resp, 409)
    assert stored(app, gone)["title"] == "Gone"


def test_a_photo_entry_is_edited_without_its_photo(app, client, make):
    organiser = make.organiser()
    make.contest(slug="photos", kind="photo", phases=OPEN)
    entry = add_entry(app, "photos", organiser.id, image=jpeg((640, 480)), title="Dawn", alt_text="A red sky")
    edit = f"/organiser/contests/photos/entries/{entry}/edit"
    sign_in(client, organiser.email)
    resp = client.get(edit)
    check_page(resp)
    doc = page(resp)
    assert list(doc.form(edit)["fields"]) == ["csrf_token", "category", "title", "summary", "team", "country"]
    assert doc.find("img", alt="A red sky")  # shown, not replaced here
    assert submit(client, edit, category="c1", title="Dawn over the lake").status_code == 303
    assert stored(app, entry)["title"] == "Dawn over the lake"
    # The one-entry decision on this page comes back to it.
    resp = submit(client, edit, f"/organiser/contests/photos/entries/{entry}/moderation", status="rejected")
    assert resp.status_code == 303 and resp.headers["Location"] == edit and stored(app, entry)["status"] == "rejected"
