"""The settings page's layout for the reader: a failed section's problems at its start, where the post lands;
each section saves on its own (and says so); codes and numbers left to right in an Arabic page, free text in
its own direction; photo fields only on a photo contest; the rubric key's problem in the words of its hint."""

from __future__ import annotations

import pytest

from tests.pages.support import page, sign_in
from tests.pages.test_console_editor_settings import SETTINGS, beside, contest, future, save, section_form


@pytest.fixture
def organiser(client, make):
    make.organiser()
    sign_in(client, "organiser@example.org")
    return client


def test_a_failed_section_sums_its_problems_where_its_post_lands(organiser, make):
    make.contest(phases=future()["phases"])
    doc = page(organiser.get(SETTINGS))
    assert "Each section saves on its own: save one before changing another." in doc.text
    assert section_form(organiser, "awards")["action"] == f"{SETTINGS}#section-awards"
    assert "There is a problem" not in doc.text
    resp = save(organiser, "awards", **{"awards.winners_per_category": "9"})
    assert resp.status_code == 422
    html = page(resp).html
    summary = html.index('class="error-summary"')
    assert html.index('id="section-awards"') < summary < html.index('id="section-submissions"')
    assert "Some fields have problems; nothing was saved." in html[summary:summary + 600]
    assert 'href="#f-awards-winners-per-category"' in html[summary:summary + 1000]


def test_codes_and_numbers_read_left_to_right_and_free_text_its_own_way(organiser, make):
    make.contest(phases=future()["phases"])
    doc = page(organiser.get(SETTINGS + "?lang=ar"))
    direction = {a["id"]: a.get("dir") for t, a in doc.elements if t in ("input", "textarea") and a.get("id")}
    for field_id in ("f-timezone", "f-categories-0-slug", "f-categories-0-position", "f-judging-criteria-0-key",
                     "f-judging-criteria-0-weight", "f-voting-pow-bits", "f-voting-rate-limits-ip",
                     "f-submissions-rate-limit", "f-phases-voting-opens-at"):
        assert direction[field_id] == "ltr", field_id
    for field_id in ("f-title", "f-description", "f-categories-0-title", "f-judging-criteria-0-label",
                     "f-judging-criteria-0-guidance"):
        assert direction[field_id] == "auto", field_id


@pytest.mark.parametrize("kind, shown", [("prize", False), ("photo", True)])
def test_photo_fields_only_on_a_photo_contest_and_kept_as_stored(organiser, make, kind, shown):
    make.contest(**{**future(), "kind": kind, "submissions": {"max_megapixels": 30}})
    doc = page(organiser.get(SETTINGS))
    assert bool(doc.find("input", id="f-submissions-max-megapixels")) == shown
    assert bool(doc.find("input", id="f-submissions-max-bytes")) == shown
    assert save(organiser, "submissions", **{"submissions.max_per_person": "3"}).status_code == 303
    assert contest(organiser)["submissions"]["max_megapixels"] == 30


def test_the_rubric_key_problem_says_its_hints_rule(organiser, make):
    make.contest(phases=future()["phases"])
    resp = save(organiser, "judging", **{"judging.criteria.0.key": "social-impact"})
    assert resp.status_code == 422
    said = beside(page(resp), "judging.criteria.0.key")
    assert "must be lower-case letters, digits and underscores, starting with a letter" in said
