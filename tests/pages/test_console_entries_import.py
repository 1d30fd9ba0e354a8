"""The console's CSV import (voting/organiser/entries_import.py): the columns
listed and a template to download; a good file's rows imported, approved and
audited, then a redirect to the report; bad rows reported by row and field
while the good ones go in; all-or-nothing importing nothing when a row is bad;
a file that is not a CSV, not UTF-8 or too big refused beside the file field."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from tests.pages.support import page, sign_in
from tests.pages.test_console_entries import URL, audited
from tests.pages.test_page_quality import check_page
from voting.contests.models import Entry
from voting.extensions import db
from voting.submissions import importing

IMPORT = f"{URL}/import"
GOOD = ("category,title,summary,country,links\r\n"
        "c1,Clean water,Pumps for villages,KE,https://example.org/water\r\n"
        "c2,Open maps,Maps for all,FR,\r\n")
MIXED = ("category,title,country\r\n"
         "c1,Good one,KE\r\n"
         "c9,Bad category,KE\r\n"
         "c2,,XX\r\n"
         "c2,Good two,\r\n")


def report_rows(doc, caption: str) -> list[tuple[str, str, str]]:
    """(row, field, problem) of a report's table, in order."""
    body = doc.html[doc.html.index(f'id="{caption}"'):]
    body = body[body.index("<tbody>"):body.index("</tbody>")]
    return [tuple(re.sub(r"<[^>]+>", "", cell).strip() for cell in row.split("</td>")[:3])
            for row in body.split("<tr>")[1:]]


def stored(app) -> list[tuple[str, str]]:
    with app.app_context():
        found = [(e.title, e.status) for e in db.session.scalars(select(Entry).order_by(Entry.id))]
        db.session.remove()
    return found


def upload(client, body: bytes | str, name: str = "entries.csv", mode: str = "good_rows"):
    token = page(client.get(IMPORT)).form(IMPORT)["fields"]["csrf_token"]
    raw = body.encode() if isinstance(body, str) else body
    return client.post(IMPORT, data={"csrf_token": token, "mode": mode, "file": (io.BytesIO(raw), name)},
                       content_type="multipart/form-data")


def organiser_in(client, make):
    organiser = make.organiser()
    make.contest()
    sign_in(client, organiser.email)
    return organiser


def test_the_page_lists_the_columns_and_offers_a_template(client, make):
    organiser_in(client, make)
    resp = client.get(IMPORT)
    check_page(resp)
    doc = page(resp)
    assert doc.form(IMPORT)["fields"]["mode"] == "good_rows"
    assert doc.find("input", type="file", name="file", accept=".csv,text/csv")
    for column in ("category", "title", "summary", "team", "organisation", "country", "links"):
        assert doc.find("code") and f"{column}" in doc.text
    assert "C2 Information and communication infrastructure" in doc.text
    resp = client.get(f"{IMPORT}/template.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    lines = resp.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "category,title,summary,team,organisation,country,links" and lines[1].startswith("c1,")
    assert page(client.get(f"{URL}?status=all")).find("a", href=IMPORT)


def test_a_good_file_is_imported_and_reported(app, client, make, redis_client):
    organiser = organiser_in(client, make)
    resp = upload(client, GOOD)
    assert resp.status_code == 303 and resp.headers["Location"].startswith(f"{IMPORT}?report=")
    assert stored(app) == [("Clean water", "approved"), ("Open maps", "approved")]
    (details,) = audited(app, "entries.imported")
    assert details["imported"] == 2 and details["failed_rows"] == []
    resp = client.get(resp.headers["Location"])
    check_page(resp)
    text = page(resp).text
    assert "2 entries were imported and approved." in text and "Every row was imported." in text
    assert "File: entries.csv." in text
    # The report is kept for an hour (a reload shows it again and imports nothing).
    keys = redis_client.keys("*import-report*")
    assert len(keys) == 1 and 0 < redis_client.ttl(keys[0]) <= importing.REPORT_SECONDS
    assert client.get(resp.request.url).status_code == 200 and len(stored(app)) == 2


def test_bad_rows_are_reported_by_row_and_field_and_the_good_ones_go_in(app, client, make):
    organiser_in(client, make)
    resp = upload(client, MIXED)
    assert resp.status_code == 303
    assert stored(app) == [("Good one", "approved"), ("Good two", "approved")]
    doc = page(client.get(resp.headers["Location"]))
    assert "2 entries were imported and approved." in doc.text
    assert "2 rows had problems and were not imported." in doc.text
    assert doc.find("div", class_="table-wrap", role="region", tabindex="0")
    # Rows are counted from the one under the header, as the API's report and the audit log count them.
    assert report_rows(doc, "report-caption") == [
        ("2", "category", "Is not a category of this contest."), ("3", "title", "Is required."),
        ("3", "country", "Must be an ISO 3166-1 alpha-2 country code.")]
    assert "Rows are counted from the one under the header (row 1), blank rows included." in doc.text
    assert [d["failed_rows"] for d in audited(app, "entries.imported")] == [[2, 3]]


def test_all_or_nothing_imports_nothing_when_a_row_is_bad(app, client, make):
    organiser_in(client, make)
    resp = upload(client, MIXED, mode="all_or_nothing")
    check_page(resp, 422)
    doc = page(resp)
    assert "Some rows have problems; nothing was imported." in doc.text
    assert doc.find("input", id="mode-all_or_nothing", checked="")
    assert [(row, name) for row, name, _why in report_rows(doc, "bad-rows-caption")] == [
        ("2", "category"), ("3", "title"), ("3", "country")]
    assert stored(app) == [] and not audited(app, "entries.imported")
    assert upload(client, GOOD, mode="all_or_nothing").status_code == 303 and len(stored(app)) == 2


def test_rows_are_counted_alike_past_blank_rows_and_cells_over_several_lines(app, client, make):
    """Blank rows above the header do not move the count, and a record whose quoted cell spans lines is one row
    (a spreadsheet shows it so): the page, the API's report and the audit log give the same number."""
    organiser_in(client, make)
    body = '\r\n\r\ncategory,title,summary\r\nc1,Good,"two\r\nlines"\r\nc9,Bad,\r\n'
    doc = page(client.get(upload(client, body).headers["Location"]))
    assert report_rows(doc, "report-caption") == [("2", "category", "Is not a category of this contest.")]
    assert [d["failed_rows"] for d in audited(app, "entries.imported")] == [[2]]
    check_page(upload(client, "category,title,,3\r\n"), 422)
    text = page(upload(client, "category,title,,3\r\n")).text
    assert "Column 3 has no name." in text and "Column “3” is not a known column" in text


def test_files_that_are_not_csv_or_too_big_are_refused_beside_the_field(app, client, make):
    organiser_in(client, make)
    for body, name, status, words in [
            (b"PK\x03\x04 binary", "entries.xlsx", 422, "The file must be a CSV file (.csv)"),
            (b"\xff\xfe\x00t\x00i", "entries.csv", 422, "is not UTF-8 text"),
            (b"", "entries.csv", 422, "is empty"),
            (b"name,colour\r\nx,y\r\n", "entries.csv", 422, "The first row must name the columns"),
            (b"category,title\r\n" + b"c1,x\r\n" * (importing.MAX_BYTES // 5), "big.csv", 413, "larger than 8")]:
        resp = upload(client, body, name)
        check_page(resp, status)
        doc = page(resp)
        assert doc.find("input", id="import-file", aria_invalid="true"), name
        assert words in doc.text, (name, doc.text)
        assert "Nothing was imported." in doc.text or "nothing was imported" in doc.text
    token = page(client.get(IMPORT)).form(IMPORT)["fields"]["csrf_token"]
    resp = client.post(IMPORT, data={"csrf_token": token, "mode": "good_rows"}, content_type="multipart/form-data")
    check_page(resp, 422)
    assert "Choose a CSV file." in page(resp).text
    assert stored(app) == []


def test_a_report_is_its_organisers_only(app, client, make):
    organiser_in(client, make)
    location = upload(client, GOOD).headers["Location"]
    make.organiser("second@example.org")
    other = app.test_client()
    sign_in(other, "second@example.org")
    doc = page(other.get(location))
    assert "That import's report has expired or is not yours" in doc.text
    assert "were imported and approved" not in doc.text
    assert "expired" in page(client.get(f"{IMPORT}?report=nonsense-token-here")).text
