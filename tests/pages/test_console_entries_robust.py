"""The console's entries pages against what a browser should never send and
what can fail after a commit: text no database can store (a NUL) in the
search, a reason, the edit form and a CSV file's contents or name, answered
as a client mistake or searched without it rather than a 500 on PostgreSQL;
drafts kept their entrants' own by the bulk and the one-entry decisions; and
a CSV import whose rows are committed when Redis fails to keep its report,
answered with the counts, not "unavailable" (which would have the organiser
upload the file again and every entry twice)."""

from __future__ import annotations

from tests.pages.support import entry_status, page, sign_in, submit
from tests.pages.test_console_entries import BULK, URL, audited, bulk, titles, world  # noqa: F401
from tests.pages.test_console_entries_import import IMPORT, MIXED, stored, upload
from tests.pages.test_page_quality import check_page


def test_a_nul_in_the_search_is_left_out_of_it(client, world):  # noqa: F811
    organiser, _ids = world
    sign_in(client, organiser.email)
    resp = client.get(f"{URL}?q=%00&status=all")
    check_page(resp)
    assert titles(page(resp)) == ["Solar schools", "Water for villages", "Library app", "Gone project"]
    doc = page(client.get(f"{URL}?q=so%00lar&status=all"))
    assert titles(doc) == ["Solar schools", "Water for villages"] and doc.find("input", name="q", value="solar")


def test_a_nul_in_a_reason_is_refused_beside_the_field(app, client, world, mailbox):  # noqa: F811
    organiser, ids = world
    sign_in(client, organiser.email)
    resp = bulk(client, {"entry": [str(ids["water"])], "status": "rejected", "reason": "Out\x00"}, "?q=%00")
    check_page(resp, 422)
    doc = page(resp)
    assert doc.find("textarea", id="bulk-reason", aria_invalid="true")
    assert "holds a character that cannot be stored" in doc.text
    token = page(client.get(URL)).form(BULK)["fields"]["csrf_token"]
    resp = client.post(f"{URL}/{ids['water']}/moderation", data={"csrf_token": token, "status": "rejected",
                                                                 "reason": "Out\x00"})
    assert resp.status_code == 422  # the one-entry form's refusals are error pages, as for any bad reason
    assert entry_status(app, ids["water"]) == "pending" and not mailbox.messages()
    assert not audited(app, "entry.moderated")


def test_a_nul_in_the_edit_form_or_a_csv_file_is_refused(app, client, world):  # noqa: F811
    organiser, ids = world
    sign_in(client, organiser.email)
    resp = submit(client, f"{URL}/{ids['library']}/edit", category="c2", title="Library\x00app")
    check_page(resp, 422)
    assert page(resp).find("input", id="title", aria_invalid="true")
    assert not audited(app, "entry.edited")
    count = len(stored(app))
    resp = upload(client, "category,title\r\nc1,Clean\x00water\r\n")
    check_page(resp, 422)
    assert "NUL" in page(resp).text and len(stored(app)) == count
    # The file's name is the browser's: what a page cannot show of it is left out of the report.
    resp = upload(client, "category,title\r\nc1,Clean water\r\n", name="en\x00tries.csv")
    assert resp.status_code == 303 and len(stored(app)) == count + 1
    assert "File: entries.csv." in page(client.get(resp.headers["Location"])).text


def test_drafts_are_no_such_entry_to_the_decisions(app, client, world, mailbox):  # noqa: F811
    organiser, ids = world
    sign_in(client, organiser.email)
    resp = bulk(client, {"entry": [str(ids["draft"]), str(ids["water"])], "status": "approved"})
    assert resp.status_code == 303
    text = page(client.get(resp.headers["Location"])).text
    assert f"Entry {ids['draft']} was not changed: There is no such entry in this contest." in text
    assert "Secret draft" not in text and "1 entry is approved and now public." in text
    token = page(client.get(URL)).form(BULK)["fields"]["csrf_token"]
    resp = client.post(f"{URL}/{ids['draft']}/moderation", data={"csrf_token": token, "status": "approved"})
    assert resp.status_code == 404 and "Secret draft" not in resp.get_data(as_text=True)
    assert entry_status(app, ids["draft"]) == "draft"


def test_an_import_stands_and_says_so_when_redis_fails_to_keep_its_report(app, make, make_app):
    organiser = make.organiser()
    make.contest()
    down = make_app(redis_url="redis://127.0.0.1:1/0").test_client()  # nothing listens there
    sign_in(down, organiser.email)
    resp = upload(down, MIXED)
    assert resp.status_code == 303 and resp.headers["Location"] == IMPORT  # no report to show, no re-POST
    assert [title for title, _status in stored(app)] == ["Good one", "Good two"]
    (details,) = audited(app, "entries.imported")
    assert details["imported"] == 2 and details["failed_rows"] == [2, 3]
    resp = down.get(resp.headers["Location"])
    check_page(resp)
    text = page(resp).text
    assert "2 entries were imported and approved." in text
    assert "2 rows had problems and were not imported. Their detailed report could not be kept: the audit log " \
           "lists the rows." in text
