"""The contest editor's pure parts: templates and clones (domain/presets.py), the forms' values to and from a
SPEC (domain/formspec.py) and the locks asked of the phase's rule (domain/locks.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from voting.contests.domain.spec import patch_spec, validate_spec
from voting.organiser.editor.domain import formspec, locks, presets

NOW = datetime(2021, 3, 1, 9, 30, 15, tzinfo=timezone.utc)


@pytest.mark.parametrize("name", sorted(presets.TEMPLATES))
def test_every_template_is_a_valid_spec_that_opens_a_week_later(name):
    raw = presets.from_template(name, "a-contest", "A contest", NOW)
    spec = validate_spec(raw)
    assert spec.phases.submission.opens_at == datetime(2021, 3, 8, tzinfo=timezone.utc)  # a draft until then
    windows = [spec.window(phase) for phase in ("submission", "voting", "judging") if spec.window(phase)]
    days = presets.TEMPLATES[name]["days"].values()  # the windows keep their lengths and order
    assert [(w.opens_at - windows[0].opens_at, w.closes_at - w.opens_at) for w in windows] == [
        (timedelta(days=opens), timedelta(days=closes - opens)) for opens, closes in days]
    assert presets.from_template(name, "a-contest", "A contest", NOW) == raw  # no shared state between calls


def test_templates_follow_their_kinds():
    wsis = validate_spec(presets.from_template("wsis-prize", "w", "W", NOW))
    assert len(wsis.categories) == 18 and wsis.awards.policy == "jury_among_champions"
    assert validate_spec(presets.from_template("photo", "p", "P", NOW)).awards.winners_per_category == 3
    assert validate_spec(presets.from_template("hackathon", "h", "H", NOW)).voting.method == "none"
    shortlist = validate_spec(presets.from_template("shortlist", "s", "S", NOW))
    assert shortlist.awards.policy == "jury" and shortlist.judging.mode == "rubric"


def test_a_clone_keeps_the_rules_and_clears_phases_and_old_titles():
    source = presets.from_template("wsis-prize", "old", "Old", NOW)
    source["translations"] = {"fr": {"title": "Ancien", "categories": {"c1": {"title": "C1"}}}, "es": {"title": "X"}}
    copy = presets.cloned(source, "new", "New")
    assert (copy["slug"], copy["title"], copy["phases"]) == ("new", "New", {})
    assert copy["translations"] == {"fr": {"categories": {"c1": {"title": "C1"}}}}
    assert copy["categories"] == source["categories"] and source["slug"] == "old"
    validate_spec(copy)


def stored(**overrides):
    """A SPEC as the service stores it (every section filled in), made from a template a week ago: its entries
    opened at midnight UTC on NOW's day."""
    made = NOW - timedelta(days=presets.LEAD_DAYS)
    return validate_spec({**presets.from_template("wsis-prize", "w", "W", made), **overrides}).to_json()


def test_values_read_back_to_no_change():
    spec = stored()
    form = {name: value for name, value in formspec.values(spec).items()}
    form.update({"categories.rows": "18", "judging.criteria.rows": "3"})
    for section in formspec.SECTIONS:
        found = formspec.read(section, form, spec)
        assert not found.problems, section
        merged = validate_spec({**spec, **{k: v for k, v in found.patch.items() if k != "phases"}}).to_json()
        assert merged == spec, section
    assert formspec.read("phases", form, spec).patch["phases"] == spec["phases"]


def test_dates_in_the_contests_time_zone():
    spec = stored(timezone="America/New_York")
    shown = formspec.values(spec)
    assert shown["phases.submission.opens_at"] == "2021-02-28T19:00"  # UTC-5 in March before DST
    found = formspec.read("phases", {**shown, "phases.judging.closes_at": "2021-07-01T12:00"}, spec)
    assert found.patch["phases"]["judging"]["closes_at"] == "2021-07-01T16:00:00+00:00"  # UTC-4 in summer
    assert found.patch["phases"]["submission"] == spec["phases"]["submission"]  # unchanged: as stored


def test_reading_problems_are_by_field_and_missing_fields_keep_their_value():
    spec = stored()
    found = formspec.read("voting", {"voting.max_choices": "many", "voting.pow_bits": " 3 "}, spec)
    assert found.problems == {"voting.max_choices": "must be a whole number"}
    assert found.patch["voting"]["pow_bits"] == 3 and found.patch["voting"]["method"] == "single"  # not posted
    found = formspec.read("phases", {"phases.voting.opens_at": "", "phases.voting.closes_at": "",
                                     "phases.judging.opens_at": "tomorrow"}, spec)
    assert found.patch["phases"]["voting"] is None  # both empty: no such phase
    assert found.problems == {"phases.judging.opens_at": "must be a date and time, such as 2021-03-15T09:00"}


def test_rows_reorder_skip_blanks_and_removals_and_map_back():
    spec = stored()
    form = {"categories.rows": "4", "categories.0.slug": "a", "categories.0.title": "A", "categories.0.position": "3",
            "categories.1.slug": "b", "categories.1.title": "B", "categories.1.remove": "1",
            "categories.2.slug": "", "categories.2.title": "", "categories.3.slug": "d", "categories.3.title": "D",
            "categories.3.position": "1"}
    found = formspec.read("categories", form, spec)
    assert [c["slug"] for c in found.patch["categories"]] == ["d", "a"]
    assert found.rows == {"categories": [3, 0]}
    known = {"categories.0.title", "categories.3.title", "title"}
    assert formspec.field_for("categories.1.title", found.rows, known) == "categories.0.title"
    assert formspec.field_for("categories.0.title.extra", found.rows, known) == "categories.3.title"
    assert formspec.field_for("categories", found.rows, known) == "categories"
    assert formspec.field_for("awards.nothing", found.rows, known) == "awards"  # a section's own problem
    assert formspec.field_for("fraud.rules.x", found.rows, known) is None  # not on the page: at its top
    assert formspec.field_for("body", found.rows, known) is None


def test_tie_break_order_from_its_selects():
    found = formspec.read("awards", {"awards.tie_break.0": "draw", "awards.tie_break.1": "",
                                     "awards.tie_break.2": "jury_score"}, stored())
    assert found.patch["awards"]["tie_break"] == ["draw", "jury_score"]
    assert found.rows["awards.tie_break"] == [0, 2]


def test_moving_a_phase_now_closes_the_one_before():
    spec = stored()
    later = NOW + timedelta(days=3)
    patch = formspec.moved_phase(spec, "voting", "open", later)["phases"]
    assert patch["voting"]["opens_at"] == patch["submission"]["closes_at"] == later.isoformat()
    assert validate_spec({**spec, "phases": {**spec["phases"], **patch}})
    patch = formspec.moved_phase(spec, "submission", "close", later)["phases"]
    assert patch == {"submission": {**spec["phases"]["submission"], "closes_at": later.isoformat()}}


def test_locks_are_the_rules_own():
    spec = stored()
    paths = ["voting.method", "voting.pow_bits", "phases.voting.opens_at", "phases.voting.closes_at", "title",
             "categories"]
    assert locks.locked(spec, paths, NOW, published=False) == {}
    voting_open = NOW + timedelta(days=30)
    found = locks.locked(spec, paths, voting_open, published=False)
    assert found == {"voting.method": "is locked: voting has opened",
                     "phases.voting.opens_at": "cannot move: voting has opened"}
    after_close = NOW + timedelta(days=50)
    assert "never reopens" in locks.locked(spec, paths, after_close, published=False)["phases.voting.closes_at"]
    published = locks.locked(spec, paths, after_close, published=True)
    assert set(published) == {"voting.method", "voting.pow_bits", "phases.voting.opens_at", "phases.voting.closes_at",
                              "categories"}


def test_text_is_read_with_lf_newlines_as_stored():
    """Browsers post a textarea's lines with CRLF (or, rarely, CR): read as LF, an untouched text is no change."""
    spec = stored(description="One.\n\nTwo.")
    form = {"title": "W", "description": "One.\r\n\r\nTwo.", "timezone": "Europe/Paris"}
    assert formspec.read("general", form, spec).patch == {"title": "W", "description": "One.\n\nTwo.",
                                                         "timezone": "Europe/Paris"}
    found = formspec.read("judging", {"judging.criteria.rows": "1", "judging.criteria.0.key": "k",
                                      "judging.criteria.0.label": "K", "judging.criteria.0.guidance": "a\rb\r\nc"},
                          spec)
    assert found.patch["judging"]["criteria"] == [{"key": "k", "label": "K", "guidance": "a\nb\nc"}]


@pytest.mark.parametrize("bad", ["a\x00b", "a\ud800b"], ids=["nul", "lone-surrogate"])
def test_text_that_cannot_be_stored_is_a_field_problem(bad):
    spec = stored()
    found = formspec.read("general", {"title": bad, "description": bad, "timezone": bad}, spec)
    assert found.problems == dict.fromkeys(("title", "description", "timezone"),
                                           "holds a character that cannot be stored")
    found = formspec.read("judging", {"judging.criteria.rows": "1", "judging.criteria.0.key": "k",
                                      "judging.criteria.0.label": "K", "judging.criteria.0.guidance": bad}, spec)
    assert found.problems == {"judging.criteria.0.guidance": "holds a character that cannot be stored"}
    found = formspec.read("phases", {"phases.judging.opens_at": bad, "phases.judging.closes_at": "2021-07-01T12:00"},
                          spec)
    assert found.problems == {"phases.judging.opens_at": "holds a character that cannot be stored"}
    assert formspec.unstorable(bad) and not formspec.unstorable("Ünïcödé\n\t")


@pytest.mark.parametrize("zone_name, text", [("Europe/Paris", "0001-01-01T00:00"),
                                             ("America/New_York", "9999-12-31T23:59")])
def test_dates_beyond_what_a_zone_can_shift_are_a_field_problem(zone_name, text):
    spec = stored(timezone=zone_name)
    found = formspec.read("phases", {"phases.judging.opens_at": text, "phases.judging.closes_at": text}, spec)
    assert found.problems == dict.fromkeys(("phases.judging.opens_at", "phases.judging.closes_at"),
                                           "is outside the supported range of dates")


def test_a_date_stored_at_the_end_of_time_is_shown_and_probed_without_overflow():
    """Stored before the SPEC bounded its dates: the page still shows it (in UTC: the zone cannot hold it), and
    the lock probe moves it a minute back instead of forward."""
    spec = stored(timezone="Asia/Tokyo")
    spec["phases"]["voting"]["closes_at"] = "9999-12-31T23:59:00+00:00"
    spec["phases"]["judging"] = {"opens_at": "9999-12-31T23:59:00+00:00", "closes_at": "9999-12-31T23:59:00+00:00"}
    assert formspec.values(spec)["phases.voting.closes_at"] == "9999-12-31T23:59"
    paths = [f"phases.{name}.{end}" for name in ("voting", "judging") for end in ("opens_at", "closes_at")]
    assert locks.locked(spec, paths, NOW, published=False) == {}
    voting_open = datetime.fromisoformat(spec["phases"]["voting"]["opens_at"]) + timedelta(days=1)
    assert locks.locked(spec, paths, voting_open, published=False) == {
        "phases.voting.opens_at": "cannot move: voting has opened"}


def test_translations_of_removed_rows_are_removed_with_them():
    spec = stored(translations={"fr": {"title": "Prix", "categories": {"c1": {"title": "C1 fr"},
                                                                       "c2": {"title": "C2 fr"}},
                                       "criteria": {"impact": {"label": "Impact fr"}}},
                                "es": {"categories": {"c1": {"title": "C1 es"}}}})
    form = {name: value for name, value in formspec.values(spec).items()}
    form.update({"categories.rows": "18", "categories.0.remove": "1", "judging.criteria.rows": "3"})
    found = formspec.read("categories", form, spec)
    assert found.patch["translations"] == {"fr": {"categories": {"c1": None}}, "es": {"categories": {"c1": None}}}
    assert found.dropped == ["c1"]
    assert patch_spec(spec, found.patch).to_json()["translations"]["fr"]["categories"] == {
        "c2": {"title": "C2 fr", "description": None}}
    assert not formspec.read("categories", {**form, "categories.0.remove": ""}, spec).dropped
    found = formspec.read("judging", {**form, "judging.criteria.0.key": "reach"}, spec)
    assert found.patch["translations"] == {"fr": {"criteria": {"impact": None}}} and found.dropped == ["impact"]
    del form["judging.criteria.rows"]  # the rubric locked (not posted): nothing removed
    assert not formspec.read("judging", form, spec).dropped


def test_a_local_time_the_clocks_skip_is_refused_and_a_repeated_one_is_the_first():
    spec = stored(timezone="Europe/Zurich")
    form = {"phases.judging.opens_at": "2021-03-28T02:30", "phases.judging.closes_at": "2021-10-31T02:30"}
    found = formspec.read("phases", {**formspec.values(spec), **form}, spec)
    assert found.problems == {"phases.judging.opens_at": "does not exist in this time zone: the clocks go forward then"}
    form["phases.judging.opens_at"] = "2021-03-28T03:30"
    found = formspec.read("phases", {**formspec.values(spec), **form}, spec)
    assert found.patch["phases"]["judging"] == {"opens_at": "2021-03-28T01:30:00+00:00",
                                                "closes_at": "2021-10-31T00:30:00+00:00"}  # 02:30 at +02:00, the first


def test_a_time_zone_name_is_matched_in_any_case():
    assert formspec.zone_name(" asia/kolkata ") == "Asia/Kolkata" and formspec.zone_name("utc") == "UTC"
    assert formspec.zone_name("Nowhere/Atall") == "Nowhere/Atall"  # as typed, for the SPEC to refuse
    assert formspec.read("general", {"timezone": "europe/zurich"}, stored()).patch["timezone"] == "Europe/Zurich"
