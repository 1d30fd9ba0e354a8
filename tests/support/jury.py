"""A hackathon judged by a jury, through the API: two categories of two
entries, three judges, every sheet submitted, so a tally has jury scores and
the scores export has rows. For the results pages' and exports' tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.support.api import Api
from tests.support.factories import PASSWORD, iso, spec

SLUG = "ageing-better"
ORGANISER = "boss@example.org"
CRITERIA = [{"key": "impact", "label": "Impact", "weight": 0.6, "min": 0, "max": 10},
            {"key": "feasibility", "label": "Feasibility", "weight": 0.4, "min": 1, "max": 5}]
ENTRIES = [("frailty", "Walk", "Alpha Lab"), ("frailty", "=Grip", "Beta"), ("finance", "Pension", "Gamma"),
           ("finance", "Savings", "Delta")]
JUDGES = ("ann@example.org", "ben@example.org", "cat@example.org")
# Impact by entry title: every judge gives the same, so the jury's order is known.
IMPACT = {"Walk": 9, "=Grip": 4, "Pension": 6, "Savings": 7}


def _window(start_days: float, end_days: float) -> dict:
    now = datetime.now(timezone.utc)
    return {"opens_at": iso(now + timedelta(days=start_days)), "closes_at": iso(now + timedelta(days=end_days))}


def jury_contest(app, make) -> tuple[Api, dict[str, int]]:
    """(the organiser's API client, entry id by title), every sheet submitted."""
    make.organiser(ORGANISER, manages=False)
    organiser = Api(app.test_client())
    organiser.login(ORGANISER, PASSWORD)
    body = spec(slug=SLUG, kind="hackathon", title="Ageing Better with ICTs",
                categories=[{"slug": "frailty", "title": "Frailty"}, {"slug": "finance", "title": "Finance"}],
                phases={"submission": _window(-20, -10), "judging": _window(-1, 5)},
                judging={"criteria": CRITERIA, "judges_per_entry": 2, "normalization": "none"})
    assert organiser.post("/api/v1/contests", json=body).status_code == 201
    for category, title, organisation in ENTRIES:
        resp = organiser.post(f"/api/v1/contests/{SLUG}/entries",
                              json={"category": category, "title": title, "organisation": organisation})
        assert resp.status_code == 201, resp.get_json()
    ids = {e["title"]: e["id"] for e in organiser.get(f"/api/v1/contests/{SLUG}/entries").get_json()["entries"]}
    for email in JUDGES:
        resp = organiser.post(f"/api/v1/contests/{SLUG}/judges",
                              json={"email": email, "display_name": email.split("@")[0].title(), "password": PASSWORD})
        assert resp.status_code == 201, resp.get_json()
    assert organiser.post(f"/api/v1/contests/{SLUG}/assignments", json={}).status_code == 200
    titles = {v: k for k, v in ids.items()}
    for email in JUDGES:
        judge = Api(app.test_client())
        judge.login(email, PASSWORD)
        for item in judge.get("/api/v1/judging/assignments").get_json()["assignments"]:
            resp = judge.put(f"/api/v1/judging/{SLUG}/entries/{item['entry_id']}/score",
                             json={"scores": {"impact": IMPACT[titles[item["entry_id"]]], "feasibility": 3},
                                   "submit": True, "comment": "-1 for the budget"})
            assert resp.status_code == 200, resp.get_json()
    # Judging ends (a final tally waits for the jury): its window closes now.
    resp = organiser.patch(f"/api/v1/contests/{SLUG}", json={"phases": {"judging": {
        "closes_at": datetime.now(timezone.utc).isoformat()}}})
    assert resp.status_code == 200, resp.get_json()
    return organiser, ids
