"""Submissions' pure rules: word counts in several scripts, entry fields and
links, eligibility, the entry's life, and reading CSV rows for the import."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from voting.contests.domain.phases import Window
from voting.submissions.domain import csvrows, eligibility, fields, flow
from voting.submissions.domain.words import count_words

NOW = datetime(2021, 3, 1, 12, 0, tzinfo=timezone.utc)
WINDOW = Window(NOW - timedelta(days=10), NOW + timedelta(days=10))
COUNTRIES = {"EE", "SN", "CH", "JP"}


# --- word counts ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, words", [
    ("", 0),
    ("   \n\t ", 0),
    ("Digital Estonia", 2),
    ("e-government for all", 3),  # a hyphen inside a word keeps it one
    ("don't stop", 2),
    ("don’t stop", 2),  # the typographic apostrophe too
    ("well - known — yes", 3),  # dashes between spaces are not words
    ("yes—no", 2),
    ("2021, 18 categories.", 3),  # numbers are words, punctuation is not
    ("... !!! ???", 0),
    ("Ağ ve güvenlik: İstanbul", 4),
    ("Цифровая экономика России", 3),
    # Arabic: the vowel marks (harakat, shadda) belong to their word, and "،" separates.
    ("كَتَبَ الوَلَدُ الدَّرْسَ، ثُمَّ نَامَ.", 5),
    ("الحكومة الإلكترونية", 2),
    ("ـــتطـــويـــر", 1),  # tatweel stretches a word, it does not split it
    ("می‌خواهم بروم", 2),  # Persian: a zero-width non-joiner inside a word
    ("डिजिटल इंडिया", 2),  # Devanagari vowel signs are marks
    ("한국어 문장 입니다", 3),  # Hangul is written with spaces
    # Chinese and Japanese: each character is a word, as editors count them.
    ("我爱北京天安门", 7),
    ("数字 政府", 4),
    ("コーヒーを飲みます", 7),  # the prolonged-sound mark adds nothing
    ("人々", 1),  # nor does the iteration mark
    ("WSIS 论坛 2021", 4),
    ("สวัสดีครับ ผม", 2),  # Thai: a run between spaces counts once (no dictionary)
])
def test_word_counts(text, words):
    assert count_words(text) == words


# --- fields and links ----------------------------------------------------------------------------------------

def problems(data, partial=False, max_words=None):
    return fields.field_problems(data, categories={"c1", "c2"}, countries=COUNTRIES, max_words=max_words,
                                 partial=partial)


def test_a_complete_entry_has_no_problems():
    assert problems({"category": "c1", "title": "T", "summary": "s", "team": "", "organisation": "RIA",
                     "country": "ee", "links": ["https://ria.ee", "http://example.org/a?b=c#d"]}) == {}


def test_every_problem_is_named_at_once():
    found = problems({"category": "c9", "title": " ", "summary": 5, "team": "x" * 301, "country": "XX",
                      "links": ["javascript:alert(1)", "https://ok.org", "https://ok.org"], "votes": 3})
    assert found == {"category": "is not a category of this contest", "title": "is required",
                     "summary": "must be a string", "team": "must be at most 300 characters",
                     "country": "must be an ISO 3166-1 alpha-2 country code",
                     "links.0": "must be an http:// or https:// address", "links.2": "is listed twice",
                     "votes": "is not a known field"}


def test_the_summary_word_limit():
    assert problems({"category": "c1", "title": "T", "summary": "word " * 200}, max_words=200) == {}
    assert problems({"category": "c1", "title": "T", "summary": "word " * 201}, max_words=200) == {
        "summary": "must be at most 200 words (it has 201)"}
    assert problems({"category": "c1", "title": "T", "summary": "word " * 201}) == {}  # no limit set
    assert problems({"category": "c1", "title": "T", "summary": "字" * 201}, max_words=200)  # CJK counts per character


def test_an_edit_checks_only_what_it_names():
    assert problems({"summary": "new text"}, partial=True) == {}
    assert problems({"title": ""}, partial=True) == {"title": "is required"}
    assert problems({"category": "c3"}, partial=True) == {"category": "is not a category of this contest"}


@pytest.mark.parametrize("url, why", [
    ("https://www.itu.int/wsis", None),
    ("HTTP://EXAMPLE.ORG", None),
    ("https://exämple.org/ünicode", None),
    ("ftp://example.org", "must be an http:// or https:// address"),
    ("javascript:alert(1)", "must be an http:// or https:// address"),
    ("data:text/html,hi", "must be an http:// or https:// address"),
    ("//example.org", "must be an http:// or https:// address"),
    ("https://", "must name a host"),
    ("https://user:pw@example.org", "must not carry a user name or password"),
    ("https://bank.example@evil.org", "must not carry a user name or password"),
    ("https://exa mple.org", "must not contain spaces or control characters"),
    ("https://example.org/\u202egnp.exe", "must not contain spaces or control characters"),
    ("https://example.org:99999", "is not a valid address"),
    ("https://[::1", "is not a valid address"),
    ("https://example.org/" + "a" * 500, "must be at most 500 characters"),
    (42, "must be a string"),
])
def test_links(url, why):
    assert fields.link_problem(url) == why


def test_links_are_a_short_list():
    assert fields.link_problems("https://a.org") == {"links": "must be a list of addresses"}
    assert fields.link_problems([{}, ["x"], None]) == {"links.0": "must be a string", "links.1": "must be a string",
                                                       "links.2": "must be a string"}
    assert fields.link_problems([f"https://{i}.org" for i in range(6)]) == {"links": "must hold at most 5 addresses"}
    assert fields.split_links(" https://a.org\r\nhttps://b.org  https://c.org\n") == [
        "https://a.org", "https://b.org", "https://c.org"]


def test_cleaned_values():
    assert fields.cleaned({"title": "  T ", "country": "ee", "links": ("https://a.org",)}) == {
        "title": "T", "country": "EE", "links": ["https://a.org"]}


# --- eligibility ---------------------------------------------------------------------------------------------

def facts(kind="prize", submitted_at=NOW, photo_size=None, **values):
    base = {"title": "T", "summary": "A short summary.", "organisation": "RIA", "country": "EE", "team": "",
            "links": []}
    return eligibility.EntryFacts(kind, {**base, **values}, submitted_at, photo_size)


def run(found_facts, window=WINDOW, max_words=200, min_megapixels=0, now=NOW):
    return {c.key: c for c in eligibility.checks(found_facts, window=window, max_words=max_words,
                                                  min_megapixels=min_megapixels, now=now)}


def test_an_eligible_prize_entry():
    found = run(facts())
    assert list(found) == ["within_phase", "required_fields", "summary_words"]  # no photo check for prizes
    assert all(c.ok for c in found.values())
    assert eligibility.verdict(list(found.values())) is True
    assert found["summary_words"].details == {"words": 3, "max_words": 200}


def test_submitted_outside_the_phase_is_flagged():
    late = run(facts(submitted_at=WINDOW.closes_at))  # the window closes at closes_at
    assert late["within_phase"].ok is False
    assert late["within_phase"].message == "Submitted outside the submission phase."
    assert run(facts(submitted_at=WINDOW.opens_at))["within_phase"].ok is True
    draft = run(facts(submitted_at=None))["within_phase"]
    assert draft.ok is True and "Not submitted yet" in draft.message
    assert run(facts(submitted_at=None), now=WINDOW.closes_at)["within_phase"].ok is False
    assert run(facts(), window=None)["within_phase"].ok is None


def test_required_fields_per_kind():
    found = run(facts(organisation=" ", country=""))["required_fields"]
    assert found.ok is False and found.details == {"missing": ["organisation", "country"]}
    assert found.message == "Missing: organisation, country."
    assert run(facts("hackathon", team="Team E"))["required_fields"].ok is True
    assert run(facts("hackathon"))["required_fields"].details == {"missing": ["team"]}
    assert run(facts("photo", organisation="", summary=""))["required_fields"].ok is True


def test_summary_words_against_the_limit():
    assert run(facts(summary="word " * 201))["summary_words"].ok is False
    assert run(facts(summary="word " * 201), max_words=None)["summary_words"].ok is True


def test_photo_resolution():
    assert run(facts("photo"), min_megapixels=2)["photo_resolution"].ok is None  # size not known yet
    small = run(facts("photo", photo_size=(1200, 800)), min_megapixels=2)["photo_resolution"]
    assert small.ok is False and small.details["megapixels"] == 0.96
    assert run(facts("photo", photo_size=(2000, 1000)), min_megapixels=2)["photo_resolution"].ok is True
    assert run(facts("photo", photo_size=(10, 10)), min_megapixels=0)["photo_resolution"].ok is True


def test_verdict():
    ok = eligibility.Check("a", True, "")
    unknown = eligibility.Check("b", None, "")
    bad = eligibility.Check("c", False, "")
    assert eligibility.verdict([ok, unknown]) is None
    assert eligibility.verdict([ok, unknown, bad]) is False
    assert eligibility.verdict([]) is True


# --- the entry's life ----------------------------------------------------------------------------------------

def test_edits_send_approved_entries_back_to_moderation():
    assert flow.after_edit("approved") == "pending"
    assert [flow.after_edit(s) for s in ("draft", "pending", "changes_requested")] == [
        "draft", "pending", "changes_requested"]


def test_what_each_status_allows():
    assert [s for s in flow.STATUSES if flow.edit_refusal(s) is None] == [
        "draft", "pending", "changes_requested", "approved"]
    assert [s for s in flow.STATUSES if flow.submit_refusal(s) is None] == ["draft", "changes_requested"]
    assert [s for s in flow.STATUSES if flow.withdraw_refusal(s) is None] == [
        "draft", "pending", "changes_requested", "approved"]
    assert [s for s in flow.STATUSES if flow.moderation_refusal(s) is None] == [
        "pending", "changes_requested", "approved", "rejected"]
    assert "withdrawn" not in flow.COUNTED and "rejected" in flow.COUNTED and "draft" in flow.COUNTED


# --- CSV rows ------------------------------------------------------------------------------------------------

def read(text: str | bytes, **kw):
    return csvrows.read(text.encode() if isinstance(text, str) else text, **kw)


def check(text: str, max_words=None):
    return csvrows.check_rows(read(text), categories={"c1", "c2"}, countries=COUNTRIES, max_words=max_words)


def test_a_good_file():
    good, errors = check("\ufeffCategory, Title ,summary,country,links\r\n"
                         'c1,Digital Estonia,"e-government, for all",ee,https://ria.ee https://e-estonia.com\r\n'
                         "c2,Second,,,\r\n")
    assert errors == []
    assert good == [(1, {"category": "c1", "title": "Digital Estonia", "summary": "e-government, for all",
                         "country": "EE", "links": ["https://ria.ee", "https://e-estonia.com"]}),
                    (2, {"category": "c2", "title": "Second", "links": []})]


def test_bad_rows_are_reported_by_row_and_field():
    text = ("category,title,summary,country,links\n"
            "c1,Good,,,\n"
            "c9,,,XX,javascript:x\n"
            "\n"
            "c2,Long,one two three four,,\n"
            "c1,Extra cells,,,,surprise\n")
    good, errors = check(text, max_words=3)
    assert [row for row, _ in good] == [1]  # counted from the row under the header
    assert [(e.row, e.field, e.message) for e in errors] == [
        (2, "category", "is not a category of this contest"),
        (2, "title", "is required"),
        (2, "country", "must be an ISO 3166-1 alpha-2 country code"),
        (2, "links.0", "must be an http:// or https:// address"),
        (4, "summary", "must be at most 3 words (it has 4)"),  # the blank line is row 3
        (5, "columns", "has 6 cells; the header names 5 columns"),
    ]


def test_formula_looking_cells_are_kept_as_text():
    good, errors = check('category,title,summary\nc1,=HYPERLINK("http://evil"),+1-2 @sum\nc1,-minus,@at\n')
    assert errors == []
    assert [data["title"] for _, data in good] == ['=HYPERLINK("http://evil")', "-minus"]
    assert good[0][1]["summary"] == "+1-2 @sum"


def test_short_rows_are_padded_with_blanks():
    good, errors = check("category,title,summary,organisation\nc1,Short\n")
    assert errors == [] and good == [(1, {"category": "c1", "title": "Short"})]


@pytest.mark.parametrize("raw, fields_", [
    (b"", {"body"}),
    (b"\n\n", {"body"}),
    ("category,title\nc1,caf\u00e9\n".encode("latin-1"), {"body"}),
    ("category,title\n".encode("utf-16"), {"body"}),
    (b"category,title\nc1,a\x00b\n", {"body"}),
    (b"c1,Digital Estonia,RIA\n", {"header"}),  # data where the header should be
    (b"category,title,votes,Status\n", {"header.votes", "header.status"}),
    (b"category,summary\n", {"header.title"}),
    (b"category,title,title\n", {"header.title"}),
    (b"category,title,\n", {"header.COLUMN_3"}),
    (b"category,title,3,\n", {"header.3", "header.COLUMN_4"}),  # a column named "3" is not the unnamed third
    (b'category,title\nc1,"unclosed\n', {"body"}),
    (b'category,title\nc1,"a"b\n', {"body"}),
])
def test_files_refused_as_a_whole(raw, fields_):
    with pytest.raises(csvrows.FileProblem) as caught:
        read(raw)
    assert set(caught.value.fields) == fields_


def test_too_many_rows():
    rows = "".join(f"c1,Entry {i}\n" for i in range(11))
    assert len(read("category,title\n" + rows, max_rows=11).rows) == 11
    with pytest.raises(csvrows.FileProblem) as caught:
        read("category,title\n" + rows + "c1,One more\n", max_rows=11)
    assert caught.value.fields == {"body": "has more than 11 rows; split it into several files"}
    assert len(read("category,title\n" + rows + "\n\n", max_rows=11).rows) == 11  # blank rows are no rows


def test_a_header_alone_is_an_empty_import():
    assert check("category,title\n") == ([], [])
