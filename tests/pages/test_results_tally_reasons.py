"""Why a final tally is not possible yet, on the results page and through the
API: the vote or the jury either not opened yet or still open, each said as
such (not "still open" for a phase that has not started), with when the tally
becomes possible. The page offers the preview it can make instead of a
"Tally now" that could only be refused, and never names the API's
`?preview=true`; the API keeps its 409 `phase_closed`."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from flask_babel import format_datetime

from tests.pages.support import page, sign_in, submit
from tests.pages.test_page_quality import check_page
from tests.support.api import Api, assert_error
from tests.support.factories import PASSWORD, iso
from voting.contests.models import Contest
from voting.extensions import db
from voting.results import services

ORGANISER = "organiser@example.org"
PREVIEW_NOTE = "A tally now is a preview of what has been counted and scored so far, and can never be published."

# (voting window, judging window) in days from now, and what the organiser is told. The jury closes after the
# vote, so while the vote is waited on the time named is the jury's close (see test_the_time_named_is_*).
CASES = {
    "voting_not_opened": ((1, 5), (6, 8), "Voting has not opened yet"),
    "voting_open": ((-1, 5), (6, 8), "Voting is still open"),
    "judging_not_opened": ((-5, -1), (1, 3), "Judging has not opened yet"),
    "judging_open": ((-5, -2), (-1, 3), "Judging is still open"),
}


def _becomes(wait: str) -> str:
    """The page's words after the reason: with the jury still to close after the vote, both are named."""
    if wait.startswith("voting"):
        return "the final tally becomes possible at "
    return "the final tally becomes possible once it has closed, at "


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
    assert f"{said}: {_becomes(wait)}" in doc.text
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
    assert f"{said}: {_becomes(wait)}" in text
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


# --- the time named: when the final tally really becomes possible ---------------------------------------------

VOTE_ONLY = {"awards": {"policy": "public", "winners_per_category": 1}, "judging": {"mode": "none"}}
JURY_ONLY = {"awards": {"policy": "jury", "winners_per_category": 1}, "voting": {"method": "none"}}


def _named(app, slug: str, voting: tuple[int, int] | None, judging: tuple[int, int] | None) -> tuple[str, str]:
    """(what the page says of the tally, the time it should name), with the windows set as given (straight
    on the contest's columns, so that a jury closing before the vote can be tried too)."""
    now = datetime.now(timezone.utc)
    with app.test_request_context():
        contest = db.session.scalar(db.select(Contest).filter_by(slug=slug))
        for name, days in (("voting", voting), ("judging", judging)):
            if days is not None:
                setattr(contest, f"{name}_opens_at", now + timedelta(days=days[0]))
                setattr(contest, f"{name}_closes_at", now + timedelta(days=days[1]))
        db.session.commit()
        closes = [getattr(contest, f"{name}_closes_at") for name, days in (("voting", voting), ("judging", judging))
                  if days is not None and days[1] > 0]
        pending = services.pending_input(contest, now)
        assert (pending is None) == (not closes)
        if closes:
            assert pending[1] == max(closes)
        # The page's text has its white space collapsed (Babel puts a narrow no-break space before AM).
        expected = " ".join(format_datetime(max(closes), "medium").split()) + " UTC" if closes else ""
        db.session.remove()
    doc = page(_boss(app).get(f"/contests/{slug}/results?draft=1"))
    return doc.text, expected


@pytest.mark.parametrize("voting, judging, said", [
    ((-1, 2), (3, 10), "Voting is still open: the final tally becomes possible at {when}, once voting and judging "
                       "have closed."),  # the finding's case: the jury's close, not the vote's
    ((1, 2), (3, 10), "Voting has not opened yet: the final tally becomes possible at {when}, once voting and "
                      "judging have closed."),
    ((-1, 10), (-2, 3), "Voting is still open: the final tally becomes possible at {when}, once voting and "
                        "judging have closed."),  # the jury closing first: the vote's close is the later one
    ((-5, -3), (-1, 3), "Judging is still open: the final tally becomes possible once it has closed, at {when}."),
])
def test_the_time_named_is_the_latest_close_of_what_is_waited_on(app, make, voting, judging, said):
    slug = _contest(make, (-1, 1), (2, 3))
    text, when = _named(app, slug, voting, judging)
    assert said.format(when=when) in text


def test_the_time_named_with_only_a_vote_is_the_votes_close(app, make):
    make.organiser(ORGANISER)
    slug = make.contest(phases={"submission": _window((-30, -10)), "voting": _window((-1, 2))}, **VOTE_ONLY).slug
    text, when = _named(app, slug, (-1, 2), None)
    assert f"Voting is still open: the final tally becomes possible once it has closed, at {when}." in text


def test_the_time_named_with_only_a_jury_is_the_jurys_close(app, make):
    make.organiser(ORGANISER)
    slug = make.contest(phases={"submission": _window((-30, -10)), "judging": _window((1, 4))}, **JURY_ONLY).slug
    text, when = _named(app, slug, None, (1, 4))
    assert f"Judging has not opened yet: the final tally becomes possible once it has closed, at {when}." in text


def test_without_windows_nothing_is_waited_on(app, make):
    make.organiser(ORGANISER)
    slug = make.contest(phases={}).slug
    text, when = _named(app, slug, None, None)
    assert when == "" and "the final tally becomes possible" not in text and "Tally now" in text
