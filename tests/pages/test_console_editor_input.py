"""The contest editor against what a browser (or a forger) may post: textareas' CRLF newlines, text the
database cannot store, dates at the ends of what a datetime holds; and rows removed from a contest whose
translations name them."""

from __future__ import annotations

import pytest

from tests.pages.support import page, sign_in, submit
from tests.pages.test_console_editor import NEW
from tests.pages.test_console_editor_settings import SETTINGS, beside, contest, future, save

UNSTORABLE = "holds a character that cannot be stored"


@pytest.fixture
def organiser(client, make):
    make.organiser()
    sign_in(client, "organiser@example.org")
    return client


def audited_changes(client) -> list[dict]:
    resp = client.get("/api/v1/contests/wsis-prizes-test/audit")
    assert resp.status_code == 200
    return [e["details"]["changes"] for e in resp.get_json()["entries"] if e["action"] == "contest.updated"]


def test_a_browser_post_with_crlf_newlines_changes_only_what_was_changed(organiser, make):
    """At the limit of 5,000 characters, and posted with CRLF (longer): the description is as stored, no change."""
    description = "\n".join(["x" * 99] * 50)  # 4,999 characters
    make.contest(phases=future()["phases"], description=description)
    resp = save(organiser, "general", description=description.replace("\n", "\r\n"), timezone="Europe/Paris")
    assert resp.status_code == 303, page(resp).text[:2000]
    made = contest(organiser)
    assert (made["description"], made["timezone"]) == (description, "Europe/Paris")
    assert [list(changes) for changes in audited_changes(organiser)] == [["timezone"]]


@pytest.mark.parametrize("section, name", [("general", "title"), ("general", "description"),
                                           ("categories", "categories.0.title"),
                                           ("judging", "judging.criteria.0.guidance"),
                                           ("phases", "phases.voting.closes_at")])
def test_text_that_cannot_be_stored_is_shown_beside_its_field(organiser, make, section, name):
    make.contest(phases=future()["phases"])
    before = contest(organiser)
    resp = save(organiser, section, **{name: "A \x00 NUL"})
    assert resp.status_code == 422
    doc = page(resp)
    assert UNSTORABLE in beside(doc, name) and "Some fields cannot be read; nothing was changed." in doc.text
    assert contest(organiser) == before and not audited_changes(organiser)


def test_a_new_contest_with_text_that_cannot_be_stored(organiser, make):
    make.contest()
    resp = submit(organiser, NEW, start="photo", slug="fine", title="Fine \x00")
    assert resp.status_code == 422
    doc = page(resp)
    assert UNSTORABLE in doc.html[doc.html.index('id="f-title-error"'):][:200] and doc.find("a", href="#f-title")
    resp = submit(organiser, NEW, start="copy", source="wsis-prizes-test\x00", slug="fine", title="Fine")
    assert resp.status_code == 422
    doc = page(resp)
    assert UNSTORABLE in doc.html[doc.html.index('id="f-source-error"'):][:200] and doc.find("a", href="#f-source")
    assert organiser.get("/api/v1/contests/fine").status_code == 404


@pytest.mark.parametrize("zone, text", [("Europe/Paris", "0001-01-01T00:00"), ("America/New_York", "9999-12-31T23:59"),
                                        ("UTC", "9999-12-31T23:59"), ("UTC", "1999-12-31T23:59")])
def test_dates_out_of_range_are_refused_beside_their_field(organiser, make, zone, text):
    make.contest(phases=future()["phases"], timezone=zone)
    before = contest(organiser)
    resp = save(organiser, "phases", **{"phases.judging.opens_at": "2100-01-01T00:00", "phases.judging.closes_at": text}
                if text > "2100" else {"phases.judging.opens_at": text, "phases.judging.closes_at": "2100-01-01T00:00"})
    assert resp.status_code == 422
    name = "phases.judging.closes_at" if text > "2100" else "phases.judging.opens_at"
    assert "is outside the supported range of dates" in beside(page(resp), name)
    assert contest(organiser) == before
    assert organiser.get(SETTINGS).status_code == 200


def test_a_translated_category_is_removed_with_its_translations(organiser, make):
    make.contest(phases=future()["phases"], translations={
        "fr": {"title": "Prix", "categories": {"c1": {"title": "C1 fr"}, "c2": {"title": "C2 fr"}}},
        "es": {"categories": {"c1": {"title": "C1 es"}}}})
    resp = save(organiser, "categories", **{"categories.0.remove": "1"})
    assert resp.status_code == 303, page(resp).text[:2000]
    made = contest(organiser)
    assert [c["slug"] for c in made["categories"]] == ["c2"]
    assert made["translations"]["fr"] == {"title": "Prix", "categories": {"c2": {"title": "C2 fr"}}}
    assert "c1" not in str(made["translations"].get("es"))
    assert "Saved: Categories. The translations of c1, no longer in the list, were removed too." in page(
        organiser.get(SETTINGS)).text


def test_a_translated_criterion_is_renamed_and_removed(organiser, make):
    make.contest(phases=future()["phases"], judging={"criteria": [
        {"key": "impact", "label": "Impact"}, {"key": "reach", "label": "Reach"}]}, translations={
        "fr": {"criteria": {"impact": {"label": "Impact fr"}, "reach": {"label": "Portée"}}}})
    resp = save(organiser, "judging", **{"judging.criteria.0.key": "effect", "judging.criteria.1.remove": "1"})
    assert resp.status_code == 303, page(resp).text[:2000]
    made = contest(organiser)
    assert [c["key"] for c in made["judging"]["criteria"]] == ["effect"]
    assert not made["translations"].get("fr", {}).get("criteria")
    assert "The translations of impact, reach, no longer in the list, were removed too." in page(
        organiser.get(SETTINGS)).text
    resp = save(organiser, "judging", **{"judging.criteria.0.label": "Effect"})  # nothing translated: the usual words
    assert resp.status_code == 303 and "Saved: Judging." in page(organiser.get(SETTINGS)).text


def test_a_time_the_clocks_skip_is_refused_and_one_they_pass_twice_is_the_first(organiser, make):
    make.contest(phases=future()["phases"], timezone="Europe/Zurich")
    before = contest(organiser)["phases"]
    resp = save(organiser, "phases", **{"phases.judging.opens_at": "2027-03-28T02:30",  # 02:00 -> 03:00 that night
                                        "phases.judging.closes_at": "2027-04-01T12:00"})
    assert resp.status_code == 422
    assert "does not exist in this time zone: the clocks go forward then" in beside(page(resp),
                                                                                   "phases.judging.opens_at")
    assert contest(organiser)["phases"] == before
    resp = save(organiser, "phases", **{"phases.judging.opens_at": "2027-10-31T02:30",  # 03:00 -> 02:00 that night
                                        "phases.judging.closes_at": "2027-11-01T12:00"})
    assert resp.status_code == 303, page(resp).text[:2000]
    assert contest(organiser)["phases"]["judging"]["opens_at"] == "2027-10-31T00:30:00+00:00"  # the first, at +02:00


def test_a_time_zone_name_in_any_case_is_the_zones_own(organiser, make):
    make.contest(phases=future()["phases"])
    assert save(organiser, "general", timezone=" asia/kolkata ").status_code == 303
    assert contest(organiser)["timezone"] == "Asia/Kolkata"
    resp = save(organiser, "general", timezone="Mars/Olympus")
    assert resp.status_code == 422 and "must be an IANA time zone name" in beside(page(resp), "timezone")
