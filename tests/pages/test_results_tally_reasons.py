"""Why a final tally is not possible yet, on the results page and through the
API: the vote or the jury either not opened yet or still open, each said as
such (not "still open" for a phase that has not started), with when the tally
becomes possible. The page offers the preview it can make instead of a
"Tally now" that could only be refused, and never names the API's
`?preview=true`; the API keeps its 409 `phase_closed`."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.pages.support import page, sign_in, submit
from tests.pages.test_page_quality import check_page
from tests.support.api import Api, assert_error
from tests.support.factories import PASSWORD, iso

ORGANISER = "organiser@example.org"
PREVIEW_NOTE = "A tally now is a preview of what has been counted and scored so far, and can never be published."

# (voting window, judging window) in days from now, and what the organiser is told.
CASES = {
    "voting_not_opened": ((1, 5), (6, 8), "Voting has not opened yet"),
    "voting_open": ((-1, 5), (6, 8), "Voting is still open"),
    "judging_not_opened": ((-5, -1), (1, 3), "Judging has not opened yet"),
    "judging_open": ((-5, -2), (-1, 3), "Judging is still open"),
}


def _window(days: tuple[int, int]) -> dict:
    now = datetime.now(timezone.utc)
    return {"opens_at": iso(now + timedelta(days=days[0])), "closes_at": iso(now + timedelta(days=days[1]))}


def _contest(make, voting: tuple[int, int], judging: tuple[int, int]) -> str:
    """A prize contest (the public picks champions, the jury the winners) with these windows."""
    make.organiser(ORGANISER)
    return make.contest(phases={"submission": _window((-30, -10)), "voting": _window(voting),
                                "judging": _window(judging)}).slug


def _boss(app):
    client = app.test_client()
    sign_in(client, ORGANISER)
    return client


@pytest.mark.parametrize("wait", list(CASES))
def test_the_page_says_which_phase_the_tally_waits_for_and_offers_a_preview(app, make, wait):
    voting, judging, said = CASES[wait]
    slug = _contest(make, voting, judging)
    boss = _boss(app)
    resp = boss.get(f"/contests/{slug}/results?draft=1")
    check_page(resp)
    doc = page(resp)
    assert f"{said}: the final tally becomes possible once it has closed, at " in doc.text
    assert PREVIEW_NOTE in doc.text
    assert "?preview=true" not in resp.get_data(as_text=True)
    for other in {c[2] for c in CASES.values()} - {said}:
        assert other not in doc.text
    # The form offers the preview, never a final tally that would be refused.
    assert doc.form(f"/contests/{slug}/results/tally")["fields"].get("preview") == "1"
    buttons = [a for t, a in doc.elements if t == "button"]
    assert "Tally now" not in doc.text and "Tally a preview now" in doc.text and buttons
    resp = submit(boss, f"/contests/{slug}/results?draft=1", f"/contests/{slug}/results/tally")
    assert resp.status_code == 303 and "/organiser/jobs/" in resp.headers["Location"], resp.status_code


@pytest.mark.parametrize("wait", ["voting_not_opened", "judging_not_opened", "judging_open"])
def test_a_final_tally_forced_through_the_form_is_refused_in_the_pages_words(app, make, wait):
    voting, judging, said = CASES[wait]
    slug = _contest(make, voting, judging)
    boss = _boss(app)
    resp = submit(boss, f"/contests/{slug}/results?draft=1", f"/contests/{slug}/results/tally", preview="")
    check_page(resp, 409)
    text = page(resp).text
    assert f"{said}: the final tally becomes possible once it has closed" in text
    assert "?preview=true" not in resp.get_data(as_text=True)


@pytest.mark.parametrize("wait", list(CASES))
def test_the_api_keeps_its_code_and_names_the_phase(app, make, wait):
    voting, judging, said = CASES[wait]
    slug = _contest(make, voting, judging)
    api = Api(app.test_client())
    api.login(ORGANISER, PASSWORD)
    resp = api.post(f"/api/v1/contests/{slug}/tally")
    assert_error(resp, 409, "phase_closed")
    message = resp.get_json()["error"]["message"]
    assert message.startswith(f"{said}: tally once it has ")
    assert ("opened and closed" in message) == wait.endswith("not_opened")
    assert api.post(f"/api/v1/contests/{slug}/tally?preview=true").status_code == 202


def test_once_both_phases_are_over_the_page_offers_the_final_tally(app, make):
    slug = _contest(make, (-5, -3), (-2, -1))
    boss = _boss(app)
    doc = page(boss.get(f"/contests/{slug}/results?draft=1"))
    assert "Tally now" in doc.text and "Tally a preview now" not in doc.text
    assert "preview" not in doc.form(f"/contests/{slug}/results/tally")["fields"]
    assert "the final tally becomes possible" not in doc.text
