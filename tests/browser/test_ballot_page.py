"""The ballot page while its proof of work runs, as people who do not see the
screen, turn scripts off, or ask for less motion or for forced colours meet
it: the live region is in the accessibility tree before the proof starts
and says what is happening; without JavaScript the page says why it cannot
send; no animation under prefers-reduced-motion; under forced colours the
focus, the status and the errors still show. (Errors tied to their fields:
test_journeys.py, on the ballot, the receipt and the score forms.)"""

from __future__ import annotations

from itertools import count

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.browser.keyboard import Keyboard, assert_accessible

WORKING = "Checking your browser… this takes a few seconds."
SENDING = "Sending your vote…"
NO_SCRIPT = "Voting here needs JavaScript"
MOTION = """() => ({
  reduced: matchMedia("(prefers-reduced-motion: reduce)").matches,
  animations: document.getAnimations().length,
  moving: [...document.querySelectorAll("*")].map(el => getComputedStyle(el)).filter(s =>
    s.animationName !== "none" || s.transitionDuration.split(",").some(d => parseFloat(d) > 0)).length})"""


_voters = count(1)


@pytest.fixture
def voter(make, world):
    """A new voter (one ballot per category each: every test here votes in c1)."""
    def new():
        email = f"ballot-page-{next(_voters)}@example.org"
        make.user(email)
        return email
    return new


@pytest.fixture
def open_context(browser, live_server):
    made = []

    def new(**options):
        context = browser.new_context(base_url=live_server, locale="en", **options)
        made.append(context)
        return context.new_page()
    yield new
    for context in made:
        context.close()


def ballot_url(world) -> str:
    return f"/contests/{world.prize}/vote/c1"


def test_the_live_region_says_what_the_proof_is_doing(open_context, voter, world):
    page = open_context()
    sign_in(page, voter())
    page.goto(ballot_url(world))
    status = page.get_by_role("status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_be_attached()
    # In the accessibility tree before its first message, or a screen reader may not announce it.
    assert status.evaluate("el => getComputedStyle(el).display") != "none"

    held = []
    page.route("**/api/v1/challenge*", lambda route: held.append(route))  # the proof waits for its challenge
    keys = Keyboard(page)
    keys.tab_to(page.get_by_role("radio", name="C1 project 1"))
    keys.press("Space")
    keys.tab_to(page.get_by_role("button", name="Send my vote"))
    keys.press("Enter")
    expect(status).to_have_text(WORKING)
    # While it works the page stays as it was: the focus where the voter left it, nothing sent twice.
    assert page.evaluate("document.activeElement.textContent") == "Send my vote"
    keys.press("Enter")
    assert len(held) == 1
    assert_accessible(page)
    held[0].continue_()
    page.wait_for_url("**/thanks")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your vote is in")


def test_a_failed_proof_is_announced_and_the_vote_can_be_sent_again(open_context, voter, world):
    page = open_context()
    sign_in(page, voter())
    page.goto(ballot_url(world))
    page.route("**/api/v1/challenge*", lambda route: route.abort())  # the network went away
    keys = Keyboard(page)
    keys.tab_to(page.get_by_role("radio", name="C1 project 1"))
    keys.press("Space")
    keys.tab_to(page.get_by_role("button", name="Send my vote"))
    keys.press("Enter")
    status = page.get_by_role("status")
    expect(status).to_contain_text("Your browser could not be checked, so your vote was not sent.")
    assert_accessible(page)
    page.unroute("**/api/v1/challenge*")
    keys.press("Enter")
    page.wait_for_url("**/thanks")


def test_without_javascript_the_page_says_the_proof_needs_it(open_context, voter, world):
    page = open_context(java_script_enabled=False)
    sign_in(page, voter())
    page.goto(ballot_url(world))
    # (Playwright's text matching skips <noscript>, so the notice is found by its place.)
    notice = page.locator("noscript .notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(NO_SCRIPT)
    # Sent all the same, the vote is refused with a message that says what to do.
    page.get_by_role("radio", name="C1 project 1").check()
    page.get_by_role("button", name="Send my vote").click()
    expect(page.get_by_role("alert")).to_contain_text("Check that JavaScript is turned on")
    expect(notice).to_be_visible()


def test_nothing_moves_when_less_motion_is_asked_for(open_context, voter, world):
    page = open_context(reduced_motion="reduce")
    sign_in(page, voter())
    page.goto(ballot_url(world))
    held = []
    page.route("**/api/v1/challenge*", lambda route: held.append(route))
    page.get_by_role("radio", name="C1 project 1").check()
    page.get_by_role("button", name="Send my vote").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text(WORKING)
    motion = page.evaluate(MOTION)
    assert motion == {"reduced": True, "animations": 0, "moving": 0}, motion
    held[0].continue_()
    page.wait_for_url("**/thanks")


def test_forced_colours_keep_the_focus_the_status_and_the_errors(open_context, voter, world):
    page = open_context(forced_colors="active")
    sign_in(page, voter())
    page.goto(ballot_url(world))
    assert page.evaluate("matchMedia('(forced-colors: active)').matches")
    keys = Keyboard(page)
    keys.tab_to(page.get_by_role("button", name="Send my vote"))  # the focus shows at every stop (keyboard.py)
    keys.press("Enter")
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    assert summary.evaluate("el => getComputedStyle(el).borderTopStyle") != "none"
    choice = page.get_by_role("radio", name="C1 project 1")
    expect(choice).to_have_attribute("aria-invalid", "true")
    keys.tab_to(choice)
    keys.press("Space")
    held = []
    page.route("**/api/v1/challenge*", lambda route: held.append(route))
    keys.tab_to(page.get_by_role("button", name="Send my vote"))
    keys.press("Enter")
    status = page.get_by_role("status")
    expect(status).to_have_text(WORKING)
    expect(status).to_be_visible()
    colours = status.evaluate("el => [getComputedStyle(el).color, getComputedStyle(document.body).backgroundColor]")
    assert colours[0] != colours[1], colours
    held[0].continue_()
    page.wait_for_url("**/thanks")
