"""Row numbers of the CSV import (csvrows.read numbers them, once, for the API's report, the console's page and
the audit log) count from 1, the row under the header (shared/API.md): blank rows under the header count, blank
rows above it do not move the count, and a record whose quoted cell holds new lines is one row, as a spreadsheet
shows it, however many lines it spans."""

from __future__ import annotations

import pytest

from voting.submissions.domain import csvrows
from voting.submissions.domain.csvrows import read


def numbers(raw: bytes) -> list[tuple[int, str]]:
    return [(number, cells["title"]) for number, cells in read(raw).rows]


def test_the_row_under_the_header_is_row_1():
    assert numbers(b"category,title\nc1,A\nc1,B\n") == [(1, "A"), (2, "B")]


@pytest.mark.parametrize("raw", [b"\n\ncategory,title\nc1,A\n", b"\r\n\r\ncategory,title\r\nc1,A\r\n",
                                 b",,\n \ncategory,title\nc1,A\n", b"\xef\xbb\xbf\n\ncategory,title\nc1,A\n"])
def test_blank_rows_above_the_header_do_not_move_the_count(raw):
    assert numbers(raw) == [(1, "A")]


def test_blank_rows_between_data_rows_count():
    assert numbers(b"category,title\n\nc1,A\n\n\nc1,B\n") == [(2, "A"), (5, "B")]


def test_a_record_over_several_lines_is_one_row():
    raw = b'category,title,summary\nc1,A,"line one\nline two\nline three"\nc1,B,\n"c1","Two\nlines",\nc1,C,\n'
    assert numbers(raw) == [(1, "A"), (2, "B"), (3, "Two\nlines"), (4, "C")]


def test_a_header_over_several_lines_is_one_row():
    assert numbers(b'"category","title\n"\nc1,A\n') == [(1, "A")]


def test_problems_carry_the_same_numbers():
    sheet = read(b"\ncategory,title\nc1,\n")
    _good, errors = csvrows.check_rows(sheet, categories={"c1"}, countries=set(), max_words=None)
    assert [(e.row, e.field) for e in errors] == [(1, "title")]


def test_an_unnamed_column_cannot_be_taken_for_a_column_named_by_a_number():
    with pytest.raises(csvrows.FileProblem) as caught:
        read(b"category,title,,3,column_3\n")
    assert set(caught.value.fields) == {"header.COLUMN_3", "header.3", "header.column_3"}
    assert caught.value.fields["header.COLUMN_3"] == "has no name"
    assert {k: csvrows.unnamed_column(k.split(".", 1)[1]) for k in caught.value.fields} == {
        "header.COLUMN_3": 3, "header.3": None, "header.column_3": None}
