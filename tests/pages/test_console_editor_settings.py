"""The contest editor's settings forms: each section saved through the API's own service (good input changes
the contest; bad input is shown beside its field, 422, nothing saved), the fields the phase locks shown locked
with the rule's reason (a forged post is refused with the API's error), phases moved now, rows added without
JavaScript, and dates shown and read in the contest's time zone."""

from __future__ import annotations

import html as html_module
import re
from datetime import datetime, timedelta, timezone

import pytest

from tests.pages.support import add_entry, page, sign_in
from tests.support.factories import iso, spec
from voting.accounts.models import User
from voting.extensions import db

SETTINGS = "/organiser/contests/wsis-prizes-test/settings"


def contest(client) -> dict:
    return client.get("/api/v1/contests/wsis-prizes-test").get_json()


def selected(html: str) -> dict[str, str]:
    """Each select's chosen option, as a browser posts it (the page parser reads only value attributes)."""
    found = {}
    for name, options in re.findall(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.findall(r'<option value="([^"]*)" selected>', options) or re.findall(r'<option value="([^"]*)"',
                                                                                       options)[:1]
        found[name] = html_module.unescape(chosen[0]) if chosen else ""
    return found


def section_form(client, section: str) -> dict:
    doc = page(client.get(SETTINGS))
    (form,) = [f for f in doc.forms if f["fields"].get("section") == section]
    form["fields"].update({k: v for k, v in selected(doc.html).items() if k in form["fields"]})
    unchecked = {a["name"] for t, a in doc.elements if t == "input" and a.get("type") == "checkbox" and "checked" not in a}
    form["fields"] = {k: v for k, v in form["fields"].items() if k not in unchecked}
    return form


def save(client, section: str, drop: tuple[str, ...] = (), **fields):
    """Post a section's form as shown, with `fields` changed (names are SPEC paths, dots as given)."""
    form = section_form(client, section)
    body = {k: v for k, v in {**form["fields"], **fields}.items() if k not in drop}
    return client.post(form["action"], data=body)


def beside(doc, name: str) -> str:
    """The problem shown beside the field `name` (its id's error block), checked to be tied to the control."""
    field_id = "f-" + name.replace(".", "-").replace("_", "-")
    (control,) = [a for t, a in doc.elements if a.get("id") == field_id and t in ("input", "select", "textarea")]
    assert control.get("aria-invalid") == "true" and f"{field_id}-error" in control["aria-describedby"], control
    start = doc.html.index(f'id="{field_id}-error"')
    return doc.html[start:doc.html.index("</div>", start)]


@pytest.fixture
def organiser(client, make):
    make.organiser()
    sign_in(client, "organiser@example.org")
    return client


def future(**overrides):
    """A contest taking entries now, voting later: nothing is locked yet."""
    now = datetime.now(timezone.utc)
    return spec(phases={"submission": {"opens_at": iso(now - timedelta(days=1)), "closes_at": iso(now + timedelta(days=5))},
                        "voting": {"opens_at": iso(now + timedelta(days=6)), "closes_at": iso(now + timedelta(days=9))}},
                **overrides)


def test_every_section_saves_unchanged_without_a_change(organiser, make):
    make.contest(**{k: v for k, v in future().items() if k in ("phases",)})
    before = contest(organiser)
    for section in ("general", "phases", "categories", "voting", "judging", "awards", "submissions"):
        resp = save(organiser, section)
        assert resp.status_code == 303, (section, page(resp).text[:1500])
    assert contest(organiser) == before
    assert "Saved: Submissions." in page(organiser.get(SETTINGS)).text


def test_general_title_description_and_time_zone(organiser, make):
    make.contest()
    resp = save(organiser, "general", title="WSIS Prizes 2027", description="New words.", timezone="Europe/Zurich")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/settings#section-general")
    made = contest(organiser)
    assert (made["title"], made["description"], made["timezone"]) == ("WSIS Prizes 2027", "New words.", "Europe/Zurich")
    resp = save(organiser, "general", title="", timezone="Mars/Olympus")
    assert resp.status_code == 422
    doc = page(resp)
    assert "must not be empty" in beside(doc, "title")
    assert "must be an IANA time zone name" in beside(doc, "timezone")
    assert doc.find("a", href="#f-timezone") and "Mars/Olympus" in doc.html
    assert contest(organiser)["title"] == "WSIS Prizes 2027"


def test_phase_dates_are_shown_and_read_in_the_contests_time_zone(organiser, make):
    make.contest(**{"phases": future()["phases"], "timezone": "Asia/Tokyo"})
    form = section_form(organiser, "phases")
    stored = contest(organiser)["phases"]["voting"]["opens_at"]
    shown = datetime.fromisoformat(stored).astimezone(timezone(timedelta(hours=9))).strftime("%Y-%m-%dT%H:%M")
    assert form["fields"]["phases.voting.opens_at"] == shown
    resp = save(organiser, "phases", **{"phases.judging.opens_at": "2030-01-10T09:00",
                                        "phases.judging.closes_at": "2030-01-20T18:30"})
    assert resp.status_code == 303, page(resp).text[:2000]
    phases = contest(organiser)["phases"]
    assert phases["judging"] == {"opens_at": "2030-01-10T00:00:00+00:00", "closes_at": "2030-01-20T09:30:00+00:00"}
    assert phases["voting"]["opens_at"] == stored  # untouched, to the microsecond


def test_phase_problems_beside_their_fields(organiser, make):
    make.contest(phases=future()["phases"])
    before = contest(organiser)["phases"]
    resp = save(organiser, "phases", **{"phases.judging.opens_at": "soon", "phases.judging.closes_at": "2030-01-01T00:00",
                                        "phases.voting.closes_at": "2000-01-01T00:00"})
    assert resp.status_code == 422
    doc = page(resp)
    assert "must be a date and time" in beside(doc, "phases.judging.opens_at")
    assert "must be after “Opens”" in beside(doc, "phases.voting.closes_at")  # the SPEC's own rule, in form words
    resp = save(organiser, "phases", **{"phases.judging.opens_at": "2030-01-01T00:00"})
    assert resp.status_code == 422 and "give both dates" in beside(page(resp), "phases.judging.closes_at")
    assert contest(organiser)["phases"] == before


def test_categories_added_reordered_removed_and_kept_when_they_have_entries(organiser, make, app):
    make.contest(phases=future()["phases"])
    add_entry(app, "wsis-prizes-test", _organiser_id(app), category="c2", title="Kept")
    form = section_form(organiser, "categories")
    assert form["fields"]["categories.rows"] == "4"  # two stored, two blank
    doc = page(organiser.get(SETTINGS))
    assert not doc.find("input", name="categories.1.remove")  # c2 has an entry: no box to remove it
    assert "It has entries, so it cannot be removed." in doc.text
    resp = save(organiser, "categories", **{"categories.2.slug": "c3", "categories.2.title": "C3 Access",
                                            "categories.2.position": "0", "categories.0.remove": "1"})
    assert resp.status_code == 303, page(resp).text[:2000]
    assert [(c["slug"], c["title"]) for c in contest(organiser)["categories"]] == [
        ("c3", "C3 Access"), ("c2", "C2 Information and communication infrastructure")]
    # A forged removal of the category with an entry: the service's refusal, beside the list.
    resp = save(organiser, "categories", **{"categories.1.remove": "1"})
    assert resp.status_code == 422
    doc = page(resp)
    assert "categories with entries cannot be removed: c2" in doc.text
    assert 'id="f-categories-error"' in doc.html
    assert [c["slug"] for c in contest(organiser)["categories"]] == ["c3", "c2"]


def _organiser_id(app) -> int:
    with app.app_context():
        found = db.session.query(User).filter_by(email="organiser@example.org").one().id
        db.session.remove()
    return found


def test_category_problems_go_to_their_rows(organiser, make):
    make.contest(phases=future()["phases"])
    resp = save(organiser, "categories", **{"categories.2.slug": "c1", "categories.2.title": "Again",
                                            "categories.3.slug": "Bad Slug", "categories.3.title": "",
                                            "categories.0.position": "first"})
    assert resp.status_code == 422
    doc = page(resp)
    assert "must be a whole number" in beside(doc, "categories.0.position")
    resp = save(organiser, "categories", **{"categories.3.slug": "Bad Slug", "categories.3.title": ""})
    doc = page(resp)
    assert resp.status_code == 422
    assert "lower-case letters, digits and dashes" in beside(doc, "categories.3.slug")
    assert "must not be empty" in beside(doc, "categories.3.title")
    assert doc.find("a", href="#f-categories-3-slug")
    # Rules across rows come once every field has its shape (the SPEC's order); a row moved first still gets
    # its own problem.
    resp = save(organiser, "categories", **{"categories.3.slug": "c1", "categories.3.title": "Again",
                                            "categories.3.position": "0"})
    assert resp.status_code == 422
    doc = page(resp)  # the rows as the form numbers them: the new one, moved first, is the form's fourth
    assert "repeats the slug of Category 4" in beside(doc, "categories.0.slug")
    assert "Some fields have problems; nothing was saved." in doc.text and "The contest SPEC has" not in doc.text
    assert len(contest(organiser)["categories"]) == 2


def test_add_more_rows_without_javascript_saves_nothing(organiser, make):
    make.contest(phases=future()["phases"])
    resp = save(organiser, "judging", add_rows="judging", **{"judging.criteria.1.key": "typed"})
    assert resp.status_code == 200
    doc = page(resp)
    (judging,) = [f for f in doc.forms if f["fields"].get("section") == "judging"]
    assert judging["fields"]["judging.criteria.rows"] == "5" and judging["fields"]["judging.criteria.1.key"] == "typed"
    assert len(contest(organiser)["judging"]["criteria"]) == 1


def test_the_rubric_criteria_and_their_problems(organiser, make):
    make.contest(phases=future()["phases"])
    resp = save(organiser, "judging", **{"judging.mode": "rubric", "judging.judges_per_entry": "2",
                                         "judging.criteria.1.key": "impact", "judging.criteria.1.label": "Impact",
                                         "judging.criteria.1.weight": "2.5", "judging.criteria.1.guidance": "Reach",
                                         "judging.criteria.0.remove": "1"})
    assert resp.status_code == 303, page(resp).text[:2000]
    judging = contest(organiser)["judging"]
    assert judging["judges_per_entry"] == 2
    assert judging["criteria"] == [{"key": "impact", "label": "Impact", "weight": 2.5, "min": 0.0, "max": 10.0,
                                    "guidance": "Reach"}]
    resp = save(organiser, "judging", **{"judging.criteria.0.weight": "heavy", "judging.judges_per_entry": "0"})
    assert resp.status_code == 422
    doc = page(resp)
    assert "must be a number" in beside(doc, "judging.criteria.0.weight")
    assert "must be at least 1" in beside(doc, "judging.judges_per_entry")  # the SPEC's rule, in the same round
    resp = save(organiser, "judging", **{"judging.criteria.1.key": "impact", "judging.criteria.1.label": "Twice",
                                         "judging.criteria.0.max": "-1"})
    doc = page(resp)
    assert resp.status_code == 422
    assert "repeats the key of Criterion 1" in beside(doc, "judging.criteria.1.key")
    assert "must be greater than “Lowest score”" in beside(doc, "judging.criteria.0.max")
    assert contest(organiser)["judging"] == judging


def test_awards_and_submissions(organiser, make):
    make.contest(phases=future()["phases"])
    resp = save(organiser, "awards", **{"awards.champions_per_category": "3", "awards.tie_break.0": "public_votes",
                                        "awards.tie_break.1": "", "awards.tie_break.2": "draw",
                                        "awards.tie_break.3": ""})
    assert resp.status_code == 303, page(resp).text[:2000]
    awards = contest(organiser)["awards"]
    assert awards["champions_per_category"] == 3 and awards["tie_break"] == ["public_votes", "draw"]
    resp = save(organiser, "awards", **{"awards.winners_per_category": "4"})
    assert resp.status_code == 422
    assert "must not exceed “Champions per category”" in beside(page(resp), "awards.winners_per_category")
    resp = save(organiser, "awards", **{"awards.tie_break.1": "public_votes"})
    assert resp.status_code == 422
    doc = page(resp)
    assert "Tie-break order: each tie-break rule may appear once" in doc.text
    assert doc.find("a", href="#f-awards-tie-break")
    resp = save(organiser, "submissions", **{"submissions.max_per_person": "2", "submissions.rate_limit": "5/hour"})
    assert resp.status_code == 303
    assert contest(organiser)["submissions"]["max_per_person"] == 2
    resp = save(organiser, "submissions", **{"submissions.max_per_person": "two", "submissions.rate_limit": "often"})
    assert resp.status_code == 422
    doc = page(resp)
    assert "must be a whole number" in beside(doc, "submissions.max_per_person")
    assert beside(doc, "submissions.rate_limit")
    assert contest(organiser)["submissions"]["rate_limit"] == "5/hour"


def test_a_rule_across_sections_is_shown_beside_the_other_sections_field(organiser, make):
    make.contest(phases=future()["phases"])
    resp = save(organiser, "voting", **{"voting.method": "none"})
    assert resp.status_code == 422
    doc = page(resp)
    assert "the award policy “Public vote picks champions, then the jury picks winners” needs a public vote" in beside(
        doc, "voting.method")
    assert "has no voting phase" in doc.text and 'id="f-phases-voting"' in doc.html
