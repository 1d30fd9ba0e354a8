"""Participants' pages (the entry form of each kind, my entries, edit,
submit, withdraw) and the organisers' moderation page, as a browser without
JavaScript uses them; and the live word count's script against the server's
count."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.pages.support import add_entry, entry_status, page, sign_in, submit
from tests.pages.test_page_quality import check_page
from tests.support.factories import iso, spec
from voting.submissions.domain.words import count_words

SLUG = "wsis-prizes-test"
NEW = f"/contests/{SLUG}/entries/new"
NODE = "/usr/bin/node"
WORDCOUNT_JS = Path(__file__).resolve().parents[2] / "voting" / "static" / "wordcount.js"


def window(start_days: float, end_days: float) -> dict:
    now = datetime.now(timezone.utc)
    return {"opens_at": iso(now + timedelta(days=start_days)), "closes_at": iso(now + timedelta(days=end_days))}


OPEN = {"submission": window(-1, 5), "voting": window(6, 10)}
PROJECT = {"category": "c1", "title": "Digital Estonia", "summary": "e-government for all", "organisation": "RIA",
           "country": "EE", "links": "https://e-estonia.com\nhttps://ria.ee"}


@pytest.fixture
def entrant(client, make):
    make.organiser()
    make.user("ada@example.org", name="Ada")
    sign_in(client, "ada@example.org")
    return client


def change_contest(app, organiser_id: int, patch: dict) -> None:
    from voting.accounts.models import User
    from voting.contests.services import get_contest, update_contest
    from voting.extensions import db

    with app.app_context():
        update_contest(get_contest(SLUG), patch, db.session.get(User, organiser_id), datetime.now(timezone.utc))
        db.session.remove()


def my_entries(client):
    return page(client.get("/my-entries"))


def test_signing_in_comes_first(client, make):
    make.contest(phases=OPEN)
    resp = client.get(NEW)
    assert resp.status_code == 302 and resp.headers["Location"].startswith(f"/login?next={NEW}")


def test_the_contest_page_links_to_the_form_while_entries_are_taken(client, make):
    make.contest(phases=OPEN)
    assert page(client.get(f"/contests/{SLUG}")).find("a", href=NEW)
    make.contest(slug="voting-now")  # the factories' default: in its voting phase
    assert not page(client.get("/contests/voting-now")).find("a", href="/contests/voting-now/entries/new")


def test_a_prize_form_and_a_submission(app, make, entrant, mailbox):
    make.contest(phases=OPEN)
    resp = entrant.get(NEW)
    check_page(resp)
    doc = page(resp)
    assert list(doc.form(NEW)["fields"]) == ["csrf_token", "category", "title", "summary", "organisation", "country",
                                             "team", "links"]
    assert "Project title" in doc.text and "Team or contact person (optional)" in doc.text
    assert "At most 200 words." in doc.text and "0 of at most 200 words" in doc.text
    (area,) = doc.find("textarea", id="summary")
    assert area["data-word-count"] == "summary-count" and "summary-count" in area["aria-describedby"]
    assert doc.find("script", src="/static/wordcount.js")

    resp = submit(entrant, NEW, **PROJECT, data={"action": "submit"})
    assert resp.status_code == 303 and resp.headers["Location"] == "/my-entries"
    doc = my_entries(entrant)
    check_page(entrant.get("/my-entries"))
    assert "“Digital Estonia” is submitted. The organisers will review it." in doc.text
    assert "Waiting for moderation" in doc.text and "Every required field is filled in." in doc.text
    api = entrant.get("/api/v1/me/entries").get_json()["entries"][0]
    assert api["links"] == ["https://e-estonia.com", "https://ria.ee"] and api["status"] == "pending"


def test_a_draft_saved_then_submitted_then_withdrawn(entrant, make):
    make.contest(phases=OPEN)
    resp = submit(entrant, NEW, category="c2", title="Half done", data={"action": "draft"})
    assert resp.status_code == 303
    doc = my_entries(entrant)
    assert "Draft" in doc.text and "Missing: summary, organisation, country." in doc.text
    entry_id = entrant.get("/api/v1/me/entries").get_json()["entries"][0]["id"]
    hand_in = f"/contests/{SLUG}/entries/{entry_id}/submit"
    assert submit(entrant, "/my-entries", hand_in).status_code == 303
    assert "Waiting for moderation" in my_entries(entrant).text
    assert not my_entries(entrant).find("form", action=hand_in)
    assert submit(entrant, "/my-entries", f"/contests/{SLUG}/entries/{entry_id}/withdraw").status_code == 303
    doc = my_entries(entrant)
    assert "Withdrawn" in doc.text and not doc.find("a", href=f"/contests/{SLUG}/entries/{entry_id}/edit")


def test_an_over_long_summary_is_shown_with_its_count_and_nothing_is_stored(entrant, make):
    make.contest(phases=OPEN)
    long = "word " * 205
    resp = submit(entrant, NEW, **{**PROJECT, "summary": long}, data={"action": "submit"})
    check_page(resp, 422)
    doc = page(resp)
    assert "Summary of the project: Must be at most 200 words (it has 205)." in doc.text
    assert doc.find("a", href="#summary")
    (area,) = doc.find("textarea", id="summary")
    assert area["aria-invalid"] == "true" and "summary-error" in area["aria-describedby"]
    assert "205 of at most 200 words" in doc.text  # the server's count, without JavaScript
    assert long.strip() in doc.html  # the text stays for shortening
    assert entrant.get("/api/v1/me/entries").get_json()["entries"] == []


def test_bad_links_are_named_by_line(entrant, make):
    make.contest(phases=OPEN)
    resp = submit(entrant, NEW, **{**PROJECT, "links": "https://ok.org\njavascript:alert(1)"}, data={"action": "submit"})
    assert resp.status_code == 422
    assert "Links (optional): Line 2 must be an http:// or https:// address." in page(resp).text


def test_the_edit_page_until_the_phase_closes(app, client, make, entrant):
    organiser = make.organiser()
    make.contest(phases=OPEN)
    submit(entrant, NEW, **PROJECT, data={"action": "submit"})
    entry_id = entrant.get("/api/v1/me/entries").get_json()["entries"][0]["id"]
    edit = f"/contests/{SLUG}/entries/{entry_id}/edit"
    resp = entrant.get(edit)
    check_page(resp)
    doc = page(resp)
    assert doc.form(edit)["fields"]["title"] == "Digital Estonia"
    assert "https://e-estonia.com\nhttps://ria.ee" in doc.html
    # (The test's form reader does not read select and textarea contents: send them as a browser would.)
    resp = submit(entrant, edit, **{**PROJECT, "title": "Digital Estonia, renamed"}, data={"action": "submit"})
    assert resp.status_code == 303
    assert "Digital Estonia, renamed" in my_entries(entrant).text

    now = datetime.now(timezone.utc)
    change_contest(app, organiser.id, {"phases": {"submission": {
        "opens_at": iso(now - timedelta(days=2)), "closes_at": iso(now - timedelta(seconds=1))}}})
    doc = page(entrant.get(edit))
    assert "Entries are taken only while the submission phase is open." in doc.text and not doc.forms[1:]
    resp = entrant.post(edit, data={**doc.forms[0]["fields"], **PROJECT, "title": "Too late"})
    assert resp.status_code == 409
    assert not my_entries(entrant).find("a", href=edit)


def test_someone_elses_entry_cannot_be_edited(app, client, make, entrant):
    make.contest(phases=OPEN)
    other = make.user("bob@example.org")
    entry_id = add_entry(app, SLUG, other.id, title="Bob's")
    assert entrant.get(f"/contests/{SLUG}/entries/{entry_id}/edit").status_code == 403


def test_the_per_person_limit_on_the_page(entrant, make):
    make.contest(phases=OPEN, submissions={"max_per_person": 1})
    assert submit(entrant, NEW, **PROJECT, data={"action": "submit"}).status_code == 303
    resp = submit(entrant, NEW, **{**PROJECT, "title": "Second"}, data={"action": "submit"})
    check_page(resp, 409)
    assert "limit of 1 entry per person" in page(resp).text


def test_unverified_entrants_are_told_to_confirm_first(client, make):
    make.contest(phases=OPEN)
    make.user("new@example.org", verified=False)
    sign_in(client, "new@example.org")
    doc = page(client.get(NEW))
    assert "Confirm your address before you submit an entry." in doc.text
    assert not [f for f in doc.forms if f["action"] == NEW]


def test_hackathon_and_photo_forms(entrant, make):
    make.contest(slug="hack", kind="hackathon", phases={"submission": OPEN["submission"]})
    doc = page(entrant.get("/contests/hack/entries/new"))
    assert "Team name" in doc.text and "Team name (optional)" not in doc.text
    make.contest(slug="photos", kind="photo", phases={"submission": OPEN["submission"]})
    resp = entrant.get("/contests/photos/entries/new")
    check_page(resp)
    doc = page(resp)
    assert doc.find("form", enctype="multipart/form-data")
    assert doc.find("input", type="file", name="image") and doc.find("textarea", name="alt_text")
    assert "links" not in [a.get("name") for _, a in doc.elements]


def test_the_moderation_page(app, client, make, mailbox):
    organiser = make.organiser()
    make.contest(phases=OPEN)
    ada = make.user("ada@example.org", name="Ada")
    good = add_entry(app, SLUG, ada.id, title="Good project", summary="Short", organisation="RIA", country="EE")
    long = add_entry(app, SLUG, ada.id, title="Long project", summary="one two three four five six")
    change_contest(app, organiser.id, {"submissions": {"summary_max_words": 5}})  # after the entries came in
    sign_in(client, organiser.email)
    assert page(client.get("/organiser/")).find("a", href=f"/organiser/contests/{SLUG}/entries")
    url = f"/organiser/contests/{SLUG}/entries"
    resp = client.get(url)
    check_page(resp)
    doc = page(resp)
    assert "Waiting for moderation (2)" in doc.text and "Not met" in doc.text  # the worst check, in a word
    # The checks in full are on each entry's own page.
    detail = page(client.get(f"{url}/{long}/edit")).text
    assert "The summary has 6 words of at most 5." in detail and "Missing: organisation, country." in detail
    assert "Every required field is filled in." in page(client.get(f"{url}/{good}/edit")).text

    action = f"/organiser/contests/{SLUG}/entries/{long}/moderation"
    resp = submit(client, url, action, status="changes_requested", reason="Shorten the summary to five words.")
    assert resp.status_code == 303 and resp.headers["Location"].startswith(url)
    assert entry_status(app, long) == "changes_requested"
    (mail,) = mailbox.messages("ada@example.org")
    assert "Shorten the summary to five words." in mail.get_body(("plain",)).get_content()
    doc = page(client.get(url + "?status=changes_requested"))
    assert "The entrant of “Long project” is asked for changes." in doc.text
    assert "Last reason given: Shorten the summary to five words." in doc.text

    # Asking for changes without saying which is refused; nothing changes.
    resp = submit(client, url, f"/organiser/contests/{SLUG}/entries/{good}/moderation", status="changes_requested")
    assert resp.status_code == 422 and entry_status(app, good) == "pending"
    resp = submit(client, url, f"/organiser/contests/{SLUG}/entries/{good}/moderation", status="approved")
    assert resp.status_code == 303 and entry_status(app, good) == "approved"
    assert "Good project" in page(client.get(f"/contests/{SLUG}")).text

    sign_in(client, "ada@example.org")
    doc = my_entries(client)
    assert "Changes requested" in doc.text and "The organisers wrote: Shorten the summary to five words." in doc.text


def test_moderation_page_is_paged(app, client, make):
    organiser = make.organiser()
    make.contest(phases=OPEN)
    ada = make.user("ada@example.org")
    for i in range(27):
        add_entry(app, SLUG, ada.id, title=f"Entry {i:02d}")
    sign_in(client, organiser.email)
    url = f"/organiser/contests/{SLUG}/entries"
    first = page(client.get(url))
    assert "Entry 24" in first.text and "Entry 25" not in first.text and "page 1 of 2" in first.text
    second = page(client.get(url + "?status=pending&page=2"))
    assert "Entry 26" in second.text and "Entry 00" not in second.text
    assert page(client.get(url + "?page=abc")).text == first.text


SAMPLES = ["", "Digital Estonia", "e-government for all", "don’t stop", "well - known — yes",
           "كَتَبَ الوَلَدُ الدَّرْسَ، ثُمَّ نَامَ.", "می‌خواهم بروم", "我爱北京天安门", "コーヒーを飲みます", "人々",
           "한국어 문장 입니다", "डिजिटल इंडिया", "WSIS 论坛 2021", "𠀀𠀁 text", "... !!!"]


def test_the_live_count_counts_as_the_server_does():
    code = ("const w = require(process.argv[1]);"
            "process.stdout.write(JSON.stringify(JSON.parse(process.argv[2]).map(w.count)));")
    out = subprocess.run([NODE, "-e", code, str(WORDCOUNT_JS), json.dumps(SAMPLES)], capture_output=True,
                         text=True, timeout=30, check=True)
    assert json.loads(out.stdout) == [count_words(text) for text in SAMPLES]


def test_the_live_count_updates_the_page():
    browser = """
    const [script] = process.argv.slice(1);
    const out = {textContent: "", classList: {toggle: (name, on) => { out.over = on; }},
                 getAttribute: (name) => ({"data-max-words": "3", "data-texts": JSON.stringify({
                   count: {one: "{count} word", other: "{count} words"},
                   max: {one: "{count} of at most {max} word", other: "{count} of at most {max} words"},
                   over: {one: "{count} word: {over} too many", other: "{count} words: {over} too many"}})})[name]};
    const listeners = {};
    const area = {value: "one two", getAttribute: () => "summary-count",
                  addEventListener: (type, fn) => { listeners[type] = fn; }};
    global.document = {querySelectorAll: () => [area], getElementById: () => out, documentElement: {lang: "en"}};
    require(script);
    const seen = [out.textContent];
    area.value = "one two three four five";
    listeners.input();
    seen.push(out.textContent, out.over);
    process.stdout.write(JSON.stringify(seen));
    """
    out = subprocess.run([NODE, "-e", browser, str(WORDCOUNT_JS)], capture_output=True, text=True, timeout=30,
                         check=True)
    assert json.loads(out.stdout) == ["2 of at most 3 words", "5 words: 2 too many", True]


def test_the_page_and_the_api_share_the_rate_limit(app, entrant, make):
    from tests.support.api import Api
    from tests.support.factories import PASSWORD

    make.contest(phases=OPEN, submissions={"rate_limit": "2/hour"})
    api = Api(app.test_client())
    api.login("ada@example.org", PASSWORD)
    for title in ("One", "Two"):
        assert api.post(f"/api/v1/contests/{SLUG}/entries", json={**PROJECT, "title": title,
                                                                   "links": []}).status_code == 201
    resp = submit(entrant, NEW, **{**PROJECT, "title": "Three"}, data={"action": "submit"})
    check_page(resp, 429)
    assert resp.headers["Retry-After"]
    assert len(entrant.get("/api/v1/me/entries").get_json()["entries"]) == 2


def test_a_photo_through_the_page(entrant, make):
    import io

    from PIL import Image

    make.contest(slug="photos", kind="photo", phases={"submission": OPEN["submission"]})
    image = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(image, "PNG")
    resp = submit(entrant, "/contests/photos/entries/new", category="c1", title="Teal", team="Ada",
                  alt_text="A teal rectangle", data={"action": "submit", "image": (io.BytesIO(image.getvalue()),
                                                                                   "teal.png")})
    assert resp.status_code == 303, page(resp).text
    (entry,) = entrant.get("/api/v1/me/entries").get_json()["entries"]
    assert entry["status"] == "pending" and entry["image_url"]
    assert [c["check"] for c in entry["eligibility"]][-1] == "photo_resolution"
