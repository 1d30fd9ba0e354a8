"""The judge's pages and the organiser's invalidation report in the reader's
language: the contest's title, the categories' titles and the rubric's
criteria (label and guidance) as the SPEC's `translations` give them, the
SPEC's own words where they give none."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.pages.support import page, sign_in, submit
from tests.support.api import Api
from tests.support.factories import PASSWORD, iso, spec

SLUG = "ageing-langs"
JUDGE = "ann@example.org"
CRITERIA = [{"key": "impact", "label": "Impact", "guidance": "Who is better off, and by how much."},
            {"key": "feasibility", "label": "Feasibility", "min": 1, "max": 5}]
TRANSLATIONS = {"fr": {"title": "Bien vieillir avec les TIC",
                       "categories": {"frailty": {"title": "Fragilité"}},
                       "criteria": {"impact": {"label": "Effet", "guidance": "Qui s'en porte mieux, et de combien."},
                                    "feasibility": {"label": "Faisabilité"}}},
                "ar": {"criteria": {"impact": {"label": "الأثر"}}}}


def _window(start_days: float, end_days: float) -> dict:
    now = datetime.now(timezone.utc)
    return {"opens_at": iso(now + timedelta(days=start_days)), "closes_at": iso(now + timedelta(days=end_days))}


def judged(app, make) -> tuple[Api, int]:
    make.organiser("boss@example.org", manages=False)
    boss = Api(app.test_client())
    boss.login("boss@example.org", PASSWORD)
    body = spec(slug=SLUG, kind="hackathon", title="Ageing Better with ICTs", translations=TRANSLATIONS,
                categories=[{"slug": "frailty", "title": "Frailty"}],
                phases={"submission": _window(-20, -10), "judging": _window(-1, 5)},
                judging={"criteria": CRITERIA, "judges_per_entry": 1, "normalization": "none"})
    resp = boss.post("/api/v1/contests", json=body)
    assert resp.status_code == 201, resp.get_json()
    resp = boss.post(f"/api/v1/contests/{SLUG}/entries", json={"category": "frailty", "title": "Walk",
                                                                "organisation": "Alpha Lab"})
    assert resp.status_code == 201, resp.get_json()
    entry_id = resp.get_json()["id"]
    resp = boss.post(f"/api/v1/contests/{SLUG}/judges",
                     json={"email": JUDGE, "display_name": "Ann", "password": PASSWORD})
    assert resp.status_code == 201, resp.get_json()
    assert boss.post(f"/api/v1/contests/{SLUG}/assignments", json={}).status_code == 200
    return boss, entry_id


def test_the_judges_pages_speak_the_specs_translations(app, make, client):
    boss, entry_id = judged(app, make)
    sign_in(client, JUDGE)
    listed = page(client.get("/judging/?lang=fr")).text
    assert "Bien vieillir avec les TIC" in listed and "Fragilité" in listed and "Ageing Better" not in listed
    entry = page(client.get(f"/judging/{SLUG}/entries/{entry_id}?lang=fr"))
    assert "Bien vieillir avec les TIC" in entry.text and "Fragilité" in entry.text
    labels = [attrs for tag, attrs in entry.elements if tag == "label"]
    assert any(a.get("for") == "score-impact" for a in labels)
    assert "Effet" in entry.text and "Faisabilité" in entry.text and "Qui s'en porte mieux" in entry.text
    assert "Who is better off" not in entry.text
    # A refusal names the field by its translated label in the error summary.
    resp = submit(client, f"/judging/{SLUG}/entries/{entry_id}?lang=fr", f"/judging/{SLUG}/entries/{entry_id}",
                  data={"scores.impact": "lots", "scores.feasibility": "3", "action": "save"})
    assert resp.status_code == 422
    summary = page(resp).text
    assert "Effet :" in summary or "Effet:" in summary
    # Arabic translates one label; the rest fall back to the SPEC's own words, field by field.
    arabic = page(client.get(f"/judging/{SLUG}/entries/{entry_id}?lang=ar")).text
    assert "الأثر" in arabic and "Feasibility" in arabic and "Ageing Better with ICTs" in arabic
    assert "Who is better off" in arabic  # no Arabic guidance: the original
    # English: the SPEC's own texts.
    english = page(client.get(f"/judging/{SLUG}/entries/{entry_id}?lang=en")).text
    assert "Impact" in english and "Frailty" in english and "Effet" not in english


def test_the_invalidation_report_shows_translated_category_titles(app, make):
    boss, _entry_id = judged(app, make)
    resp = boss.get(f"/organiser/contests/{SLUG}/report?lang=fr")
    assert resp.status_code == 200
    text = page(resp).text
    assert "Fragilité" in text and "Bien vieillir avec les TIC" in text
