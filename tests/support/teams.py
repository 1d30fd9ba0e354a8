"""Helpers for team tests: a hackathon taking entries, and a team formed
through the API by a signed-in participant."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.support.api import Api
from tests.support.factories import PASSWORD, iso

CATEGORIES = [{"slug": "frailty", "title": "Frailty"}, {"slug": "finance", "title": "Finance"}]


def window(start_days: float, end_days: float) -> dict:
    now = datetime.now(timezone.utc)
    return {"opens_at": iso(now + timedelta(days=start_days)), "closes_at": iso(now + timedelta(days=end_days))}


def hackathon(make, slug: str = "hack", submission: tuple[float, float] = (-1, 10), **overrides):
    """A hackathon in its submission phase (judging after it), made by the factories."""
    phases = {"submission": window(*submission), "judging": window(submission[1] + 1, submission[1] + 5)}
    return make.contest(slug=slug, kind="hackathon", title="Ageing Better with ICTs", categories=CATEGORIES,
                        phases=phases, **overrides)


def signed_in(app, make, email: str, verified: bool = True) -> Api:
    """An API client signed in as a (new) participant."""
    make.user(email, verified=verified)
    api = Api(app.test_client())
    api.login(email, PASSWORD)
    return api


def form_team(api: Api, slug: str = "hack", name: str = "Silver Surfers") -> dict:
    resp = api.post(f"/api/v1/contests/{slug}/teams", json={"name": name})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()
