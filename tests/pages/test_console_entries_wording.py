"""What an exploratory test of the console's entries pages found (issue 18): the
list's default when nothing waits and its empty message, the table's layout
classes for narrow screens, the bulk form's wording, the CSV import's wording
and row numbers, and the notice that voting has opened or closed."""

from __future__ import annotations

import re

from tests.pages.support import add_entry, page, sign_in
from tests.pages.test_console_entries import OPEN, SLUG, URL, bulk, titles, window
from tests.pages.test_console_entries_import import IMPORT, organiser_in, upload
from tests.pages.test_page_quality import check_page

APPROVED_ONLY = "category,title\r\nc1,Clean water\r\nc2,Open maps\r\n"


def test_with_nothing_waiting_the_list_shows_all_and_names_the_filter_when_empty(app, client, make):
    organiser = make.organiser()
    make.contest(phases=OPEN)
    sign_in(client, organiser.email)
    for title in ("Clean water", "Open maps"):
        add_entry(app, SLUG, organiser.id, title=title)  # the organiser's own: approved at once
    resp = client.get(URL)
    check_page(resp)
    doc = page(resp)
    assert titles(doc) == ["Clean water", "Open maps"]  # nothing waits: every entry, not an empty queue
    assert doc.find("option", value="all", selected="")
    # Asked for explicitly, the empty queue says which filter is empty and links to all statuses.
    doc = page(client.get(f"{URL}?status=pending&q=water"))
    assert "No entry with the status “Waiting for moderation” matches." in doc.text
    assert f'<a href="{URL}?q=water&amp;status=all">Show all statuses</a>' in doc.html
    assert titles(page(client.get(f"{URL}?q=water&status=all"))) == ["Clean water"]


def test_the_table_is_laid_out_to_fit_and_to_reflow_into_cards(app, client, make):
    organiser = make.organiser()
    make.contest(phases=OPEN)
    entrant = make.user("ada@example.org", name="Ada Lovelace")
    add_entry(app, SLUG, entrant.id, title="Water for villages")
    sign_in(client, organiser.email)
    doc = page(client.get(URL))
    assert doc.find("link", href="/static/console-entries.css")
    assert doc.find("table", class_="entries-table")
    head = doc.html[doc.html.index("<thead>"):doc.html.index("</thead>")]
    assert re.findall(r'<th scope="col"[^>]*>([^<]*)', head) == [
        "", "Entry no.", "Title", "Status", "Entrant", "Eligibility", "Quick decision"]
    # Each cell of a row named for the card layout (the checkbox and buttons name themselves).
    assert [td.get("data-label") for td in doc.find("td") if "data-label" in td] == [
        "Entry no.", "Title", "Status", "Entrant", "Eligibility"]
    # Eligibility in a word (the entry's page lists the checks); the buttons stacked in one block.
    assert len(doc.find("span", class_="eligible-problem")) == 1  # no country given: "Not met"
    assert "Not met" in doc.text and "Add your country" not in doc.text
    body = doc.html[doc.html.index('<div class="decide">'):]
    assert body.index("Approve") < body.index("Reject") < body.index("</div>")


def test_a_bulk_decision_without_a_decision_asks_for_one(app, client, make):
    organiser = make.organiser()
    make.contest(phases=OPEN)
    entry = add_entry(app, SLUG, make.user("ada@example.org").id, title="Water for villages")
    sign_in(client, organiser.email)
    resp = bulk(client, {"entry": [str(entry)], "reason": ""})
    check_page(resp, 422)
    doc = page(resp)
    assert "Choose a decision." in doc.text and "Choose entries from the list." not in doc.text
    assert "must be approved" not in doc.text


def test_the_pages_warn_that_voting_has_opened_or_closed(app, client, make):
    organiser = organiser_in(client, make)  # voting is open
    opened = "Voting is open: entries approved or imported now join the vote only from now on."
    assert opened in page(client.get(URL)).text and opened in page(client.get(IMPORT)).text
    make.contest(slug="closed-prize", phases={"submission": window(-10, -6), "voting": window(-5, -1)})
    closed = "Voting has closed: entries approved or imported now were not in the vote."
    text = page(client.get("/organiser/contests/closed-prize/entries")).text
    assert closed in text and opened not in text
    make.contest(slug="early-prize", phases=OPEN)
    for url in ("/organiser/contests/early-prize/entries", "/organiser/contests/early-prize/entries/import"):
        text = page(client.get(url)).text
        assert opened not in text and closed not in text
    assert organiser


def test_the_import_speaks_of_columns_and_spreadsheet_rows_as_the_form_does(app, client, make):
    organiser_in(client, make)
    doc = page(client.get(IMPORT))
    assert "Web addresses starting with http:// or https://, separated by spaces." in doc.text
    doc = page(upload(client, "category,title,colour,title,\r\nc1,x,red,y,\r\n"))
    assert "Column “colour” is not a known column (known: category, title" in doc.text
    assert "Column “title” is named twice." in doc.text
    assert "Column 5 has no name." in doc.text
    assert "header." not in doc.text
    doc = page(upload(client, "title\r\nx\r\n"))
    assert "Column “category” is required but missing." in doc.text
    # The path: after an import of approved entries, the list shows them rather than an empty queue.
    assert upload(client, APPROVED_ONLY).status_code == 303
    assert titles(page(client.get(URL))) == ["Clean water", "Open maps"]


def test_an_entry_s_decision_after_voting_opened_carries_the_notice(app, client, make):
    organiser = make.organiser()
    make.contest()  # voting now
    entry = add_entry(app, SLUG, organiser.id, title="Late one")
    sign_in(client, organiser.email)
    text = page(client.get(f"{URL}/{entry}/edit")).text
    assert "Voting is open: entries approved or imported now join the vote only from now on." in text
