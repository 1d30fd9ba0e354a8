"""The organiser console in a real browser (issue 18): an organiser creates a
WSIS-style prize from its template, invites a co-organiser, imports an entry,
opens the vote and watches the live view change after a ballot; and a long
job's page follows the job to its end without a reload, or with its "Check
again" link when JavaScript is off.

Forms are filled by keyboard (keyboard.py: Tab, Enter, Space, typing; the
focus shows at each stop) and controls are found by their labels and roles,
so an unlabelled control fails here. A file is chosen as the file dialog
would choose it, and the settings page's later sections are reached by
their address (#section-…), as a link to a section would reach them: Tab
alone would walk through the template's eighteen categories first. axe checks the pages the journey reaches
that the page survey (test_pages.py) does not: error states, a new contest's
pages, a job's states.

The world is shared: these tests make contests and accounts of their own."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser import world as w
from tests.browser.console_steps import cast_ballot, run_counters, words
from tests.browser.keyboard import Keyboard, assert_accessible, sign_in_by_keyboard
from tests.support.api import Api
from tests.support.factories import PASSWORD, spec
from voting import queues
from voting.contests import services as contests
from voting.contests.models import Entry
from voting.extensions import db

SLUG = "console-journey-prize"
TITLE = "Console Journey Prize"
CO_ORGANISER = "console-co-organiser@example.org"
VOTER = "console-voter@example.org"
ENTRY = "Village data kiosks"
CSV = ("category,title,organisation,country,summary\n"
       f"c3,{ENTRY},Ministry of Digital Affairs,SN,Kiosks that bring public records to villages.\n")
WAIT_MS = 15_000  # jobs.js polls every 2 s at first


def _settings_at(page, slug: str, section: str) -> None:
    """The settings page opened at one section, as a link to it would: Tab goes on from there."""
    page.goto(f"/organiser/contests/{slug}/settings#section-{section}")


def _live_numbers(page) -> tuple[str, list[str], str]:
    """The live view's counted total, and its ballots-per-hour table's rows (hour and count) and total, as text."""
    counted = page.get_by_role("region", name="Ballots", exact=True).get_by_role("definition").first
    table = page.get_by_role("table", name="Ballots per hour (UTC)")
    hours = [words(row) for row in table.locator("tbody").get_by_role("row").all()]
    return words(counted), hours, words(table.locator("tfoot"))


def test_create_a_prize_invite_open_the_vote_and_watch_it(app, page, world, make, mailbox, tmp_path):
    make.user(VOTER, name="Cora Console")
    keys = sign_in_by_keyboard(page, w.ORGANISER, "/organiser/")

    # Dashboard -> New contest -> the WSIS-style template, a title and a slug.
    keys.tab_to(page.get_by_role("main").get_by_role("link", name="New contest", exact=True))
    keys.press("Enter")
    page.wait_for_url("**/organiser/contests/new")
    template = page.get_by_role("radio", name="WSIS-style prize")
    expect(template).to_be_checked()  # the default; Space on it keeps it so
    keys.tab_to(template)
    keys.press("Space")
    expect(template).to_be_checked()
    keys.tab_to(page.get_by_label("Title"))
    keys.type(TITLE)
    keys.tab_to(page.get_by_label("Slug"))
    keys.type("Not A Slug!")
    keys.tab_to(page.get_by_role("button", name="Create the contest"))
    keys.press("Enter")
    # A bad slug: said at the top and beside the field, tied to it; the title typed is kept.
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    slug_field = page.get_by_label("Slug")
    expect(slug_field).to_have_attribute("aria-invalid", "true")
    expect(slug_field).to_have_accessible_description(re.compile(r"lower-case.*\S", re.S))
    expect(page.get_by_label("Title")).to_have_value(TITLE)
    assert_accessible(page)
    keys.tab_to(slug_field)
    keys.erase(len("Not A Slug!"))
    keys.type(SLUG)
    keys.tab_to(page.get_by_role("button", name="Create the contest"))
    keys.press("Enter")
    page.wait_for_url(f"**/organiser/contests/{SLUG}/settings")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Settings: {TITLE}")
    expect(page.get_by_role("status").first).to_contain_text(f"The contest “{TITLE}” was created.")

    # Settings, bad input: an empty title is refused beside its field, tied to it.
    general = page.get_by_role("region", name="General")
    title = general.get_by_label("Title")
    expect(title).to_have_value(TITLE)
    keys.tab_to(title)
    keys.erase(len(TITLE))
    keys.tab_to(general.get_by_role("button", name="Save the general settings"))
    keys.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    title = page.get_by_role("region", name="General").get_by_label("Title")
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(title).to_have_accessible_description(re.compile(r"\S"))
    described = title.get_attribute("aria-describedby").split()
    assert any(page.locator(f"[id='{i}']").get_attribute("class") == "field-error" for i in described), described
    assert_accessible(page)
    keys.tab_to(title)
    keys.type(TITLE)
    keys.tab_to(page.get_by_role("region", name="General").get_by_role("button", name="Save the general settings"))
    keys.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("Saved: General")

    # People: a co-organiser invited by address gets a mail and is listed as invited.
    keys.tab_to(page.get_by_role("navigation", name=f"Contest console: {TITLE}").get_by_role("link", name="People"),
                backwards=True)
    keys.press("Enter")
    page.wait_for_url(f"**/organiser/contests/{SLUG}/people")
    invite = page.get_by_role("form", name="Invite a co-organiser")
    keys.tab_to(invite.get_by_label("Address"))
    keys.type(CO_ORGANISER)
    keys.tab_to(invite.get_by_label("Name"))
    keys.type("Cole Organiser")
    keys.tab_to(invite.get_by_role("button", name="Invite the co-organiser"))
    keys.press("Enter")
    organisers = page.get_by_role("region", name=re.compile(r"^Co-organisers")).get_by_role("table")
    expect(organisers.get_by_role("row", name=re.compile(CO_ORGANISER))).to_contain_text("Invited")
    assert mailbox.messages(CO_ORGANISER), "no invitation was mailed"
    assert TITLE in mailbox.messages(CO_ORGANISER)[-1].get_body(("plain",)).get_content()
    assert_accessible(page)

    # Entries: a one-row CSV through the import page; imported entries are approved.
    keys.tab_to(page.get_by_role("navigation", name=f"Contest console: {TITLE}").get_by_role("link", name="Entries"),
                backwards=True)
    keys.press("Enter")
    page.wait_for_url(f"**/organiser/contests/{SLUG}/entries")
    keys.tab_to(page.get_by_role("link", name="Import entries from a CSV file"))
    keys.press("Enter")
    page.wait_for_url(f"**/organiser/contests/{SLUG}/entries/import")
    csv = tmp_path / "entries.csv"
    csv.write_text(CSV, encoding="utf-8")
    page.get_by_label("CSV file").set_input_files(csv)  # what the file dialog does
    keys.tab_to(page.get_by_role("button", name="Import", exact=True))
    keys.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("1 entry was imported and approved.")
    assert_accessible(page)

    # Settings: the public vote's proof of work down to nothing, as for a test, then the vote opened now.
    _settings_at(page, SLUG, "voting")
    voting = page.get_by_role("region", name="Public vote")
    keys.tab_to(voting.get_by_text("Advanced: proof of work, timing and rate limits"))
    keys.press("Enter")
    for label in ("Proof-of-work difficulty (bits)", "Seconds a ballot must follow its page (sooner is held for review)"):
        control = voting.get_by_label(label)
        keys.tab_to(control)
        keys.erase(len(control.input_value()))
        keys.type("0")
    keys.tab_to(voting.get_by_role("button", name="Save the public vote"))
    keys.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("Saved: Public vote")
    # From the next section back (Tab forwards would stop in the date fields' calendar buttons, see the report).
    # A template's contest is a draft: open its entries, then the vote, each confirmed on its own page.
    for phase in ("Entries", "Public vote"):
        _settings_at(page, SLUG, "categories")
        phases = page.get_by_role("region", name="Phases")
        keys.tab_to(phases.get_by_role("button", name=f"Open “{phase}” now"), backwards=True)
        keys.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Open “{phase}” now?")
        assert_accessible(page)
        keys.tab_to(page.get_by_role("button", name=f"Open “{phase}” now"))
        keys.press("Enter")
        expect(page.get_by_role("status").first).to_contain_text(f"“{phase}” is open now.")

    # The live view before and after a ballot.
    page.goto(f"/organiser/contests/{SLUG}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Live view: {TITLE}")
    counted, hours, total = _live_numbers(page)
    assert (counted, total) == ("0", "Total 0"), (counted, total)
    assert hours and all(row.endswith(" 0") for row in hours), hours  # the hours of the vote so far, empty
    with app.app_context():
        entry = db.session.scalar(select(Entry.id).where(Entry.contest_id == contests.get_contest(SLUG).id,
                                                         Entry.title == ENTRY))
        db.session.remove()
    cast_ballot(app, VOTER, SLUG, "c3", entry)
    page.reload()
    counted, hours_after, total = _live_numbers(page)
    assert (counted, total) == ("1", "Total 1"), (counted, total)
    # The ballot's hour (the last row: the same as before, or a new one if the hour turned meanwhile) says 1.
    assert hours_after[-1].endswith(" 1") and hours_after[:-1] == hours[:len(hours_after) - 1], (hours, hours_after)


def _voting_contest(app, make, slug: str) -> None:
    """A contest in its voting phase (made through the API, as world.py does) with one ballot counted."""
    api = Api(app.test_client())
    api.login(w.ORGANISER, PASSWORD)
    resp = api.post("/api/v1/contests", json=spec(slug=slug, title="Console Jobs Prize",
                                                   voting={"method": "single", "pow_bits": 0,
                                                           "min_render_seconds": 0}))
    assert resp.status_code == 201, resp.get_json()
    resp = api.post(f"/api/v1/contests/{slug}/entries", json={
        "category": "c1", "title": "Rural post", "organisation": "Post Office", "country": "SN",
        "summary": "Post offices that serve as digital hubs."})
    assert resp.status_code == 201, resp.get_json()
    make.user("console-jobs-voter@example.org")
    cast_ballot(app, "console-jobs-voter@example.org", slug, "c1", resp.get_json()["id"])


def test_a_long_job_page_follows_the_job_without_a_reload(app, browser, live_server, page, world, make):
    slug = "console-jobs-prize"
    _voting_contest(app, make, slug)
    keys = sign_in_by_keyboard(page, w.ORGANISER, f"/organiser/contests/{slug}")
    keys.tab_to(page.get_by_role("button", name="Rebuild the counters"))
    keys.press("Enter")
    page.wait_for_url(re.compile(r"/organiser/jobs/rebuild-counters-\d+$"))
    job_path = page.url[len(live_server):]
    state = page.get_by_role("status").filter(has=page.get_by_text("Status", exact=True))  # not the flash
    expect(state).to_have_attribute("aria-live", "polite")
    expect(state).to_contain_text("Waiting to start")
    expect(state.get_by_text("This page updates itself when JavaScript is on")).to_be_hidden()
    assert_accessible(page)
    page.evaluate("window.__same_document = true")  # gone if the page were reloaded

    # Without JavaScript: the status, and a "Check again" link that shows the news.
    plain = browser.new_context(base_url=live_server, locale="en", java_script_enabled=False)
    try:
        still = plain.new_page()
        sign_in_by_keyboard(still, w.ORGANISER, job_path)
        plain_state = still.get_by_role("status").filter(has=still.get_by_text("Status", exact=True))
        expect(plain_state).to_contain_text("Waiting to start")
        expect(plain_state.get_by_text("This page updates itself when JavaScript is on")).to_be_visible()
        again = plain_state.get_by_role("link", name="Check again")
        expect(again).to_have_attribute("href", job_path)

        run_counters(app, job_path.rsplit("/", 1)[1])

        # With JavaScript: the live region changes by itself, in the same document.
        expect(state).to_contain_text("Done", timeout=WAIT_MS)
        expect(state).to_contain_text("The live counters hold 1 counted ballot.")
        expect(state.get_by_role("link", name="See the live view")).to_have_attribute("href",
                                                                                   f"/organiser/contests/{slug}")
        assert page.evaluate("window.__same_document") is True
        assert page.url.endswith(job_path)
        assert_accessible(page)

        keys = Keyboard(still)
        keys.tab_to(again)
        keys.press("Enter")
        still.wait_for_load_state()
        expect(plain_state).to_contain_text("Done")
        expect(still.get_by_role("link", name="Check again")).to_have_count(0)
    finally:
        plain.close()
    with app.app_context():  # the world's own rebuild waited aside, and waits still, for the page survey
        assert queues.job_details(world.job)["status"] == "queued"


def test_a_running_job_page_follows_its_counts(app, page, world, make):
    """A long seal's "ballots: x of y" moves on the page as the job reports it, without a reload."""
    from rq.job import Job, JobStatus

    from voting.extensions import get_redis

    slug = "console-counts-prize"
    _voting_contest(app, make, slug)
    keys = sign_in_by_keyboard(page, w.ORGANISER, f"/organiser/contests/{slug}")
    keys.tab_to(page.get_by_role("button", name="Rebuild the counters"))
    keys.press("Enter")
    page.wait_for_url(re.compile(r"/organiser/jobs/rebuild-counters-\d+$"))
    job_id = page.url.rsplit("/", 1)[1]
    state = page.get_by_role("status").filter(has=page.get_by_text("Status", exact=True))
    page.evaluate("window.__same_document = true")
    try:
        with app.app_context():  # the job as a worker running it would mark it
            job = Job.fetch(job_id, connection=get_redis())
            job.set_status(JobStatus.STARTED)
            queues.mark_progress(job, "sealing", 3, 10)
        expect(state).to_contain_text("ballots: 3 of 10", timeout=WAIT_MS)
        with app.app_context():
            queues.mark_progress(Job.fetch(job_id, connection=get_redis()), "sealing", 7, 10)
        expect(state).to_contain_text("ballots: 7 of 10", timeout=WAIT_MS)
        assert page.evaluate("window.__same_document") is True
    finally:
        with app.app_context():
            Job.fetch(job_id, connection=get_redis()).delete()
