"""Keyboard-only journeys, in a real browser: register and confirm an
address, vote in a category (the proof of work included), look up a receipt,
and score an entry as a judge. Only Tab, Shift+Tab, Enter, Space and typing;
the focus shows at every stop (keyboard.py), and axe checks every page the
journey reaches, error states included. A mail's link is opened as a mail
program would: by its address."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser import world as w
from tests.browser.keyboard import Keyboard, assert_accessible, sign_in_by_keyboard
from tests.support.factories import PASSWORD
from tests.support.voting import proof
from tests.support.api import Api

STATUS_LOG = """() => {
  const status = document.querySelector("[data-pow-status]");
  new MutationObserver(() => window.heard(status.textContent)).observe(status, {childList: true, characterData: true,
                                                                               subtree: true});
}"""


def test_register_and_confirm_the_address(page, live_server, mailbox):
    email = "new-voter@example.org"
    keys = Keyboard(page)
    page.goto("/register")
    # Sent empty: each problem is listed at the top and said beside its field, tied to it.
    keys.tab_to(page.get_by_role("button", name="Create account"))
    keys.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    address = page.get_by_label("Email address")
    expect(address).to_have_attribute("aria-invalid", "true")
    expect(address).to_have_accessible_description(re.compile(r"\S"))
    assert_accessible(page)

    keys.tab_to(page.get_by_label("Email address"))
    keys.type(email)
    keys.tab_to(page.get_by_label("Password"))
    keys.type("a long enough password")
    keys.tab_to(page.get_by_label("Display name"))
    keys.type("Nia New")
    keys.tab_to(page.get_by_role("button", name="Create account"))
    keys.press("Enter")
    page.wait_for_url("**/login")
    expect(page.get_by_role("status")).to_contain_text(f"We have sent a link to {email}")
    assert_accessible(page)

    body = mailbox.messages(email)[-1].get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+/verify\?token=\S+", body).group(0)
    page.goto(live_server + link[link.index("/verify"):])
    expect(page.get_by_role("heading", level=1)).to_have_text("Your address is confirmed")
    assert_accessible(page)
    keys.tab_to(page.get_by_role("main").get_by_role("link", name="Sign in"))
    keys.press("Enter")
    page.wait_for_url("**/login")
    keys.tab_to(page.get_by_label("Email address"))
    keys.type(email)
    keys.tab_to(page.get_by_label("Password"))
    keys.type("a long enough password")
    keys.tab_to(page.get_by_role("main").get_by_role("button", name="Sign in"))
    keys.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_vote_in_a_category_then_check_the_receipt(page, world):
    ballot = f"/contests/{world.prize}/vote/c1"
    keys = sign_in_by_keyboard(page, w.JOURNEY_VOTER, ballot)
    heard: list[str] = []
    page.expose_function("heard", lambda text: heard.append(text))

    # Sent with nothing chosen: the problem is said at the top and beside the choices, tied to them.
    keys.tab_to(page.get_by_role("button", name="Send my vote"))
    keys.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Choose an entry before you send your vote.")
    # The first choice: Tab enters a group of radio buttons once (arrow keys move within it).
    choice = page.get_by_role("radio", name="C1 project 1")
    expect(choice).to_have_attribute("aria-invalid", "true")
    expect(choice).to_have_accessible_description(re.compile("Choose an entry before you send your vote."))
    assert_accessible(page)

    keys.tab_to(choice)
    keys.press("Space")
    expect(choice).to_be_checked()
    keys.tab_to(page.get_by_role("button", name="Send my vote"))
    page.evaluate(STATUS_LOG)
    keys.press("Enter")
    page.wait_for_url("**/thanks")
    # The live region said that the browser was working, then that the vote was on its way.
    assert heard[:2] == ["Checking your browser… this takes a few seconds.", "Sending your vote…"], heard
    expect(page.get_by_role("heading", level=1)).to_have_text("Your vote is in")
    code = page.locator(".receipt-code code").inner_text()
    assert re.fullmatch(r"[A-Z0-9-]{10,}", code), code
    assert_accessible(page)

    keys.tab_to(page.get_by_role("button", name="Check this receipt"))
    keys.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Receipt")
    expect(page.locator(".receipt-code code")).to_have_text(code)
    assert_accessible(page)


def test_look_up_a_receipt(app, page, world, make):
    make.user("receipt-voter@example.org")
    api = Api(app.test_client())
    api.login("receipt-voter@example.org", PASSWORD)
    resp = api.post(f"/api/v1/contests/{world.prize}/ballots", json={
        "category": "c1", "selection": [world.entries[world.prize]["C1 project 3"]], "pow": proof(api, world.prize)})
    assert resp.status_code == 201, resp.get_json()
    code = resp.get_json()["receipt"]

    keys = Keyboard(page)
    page.goto("/")
    keys.tab_to(page.get_by_role("link", name="Check a receipt"))
    keys.press("Enter")
    page.wait_for_url("**/receipts")
    field = page.get_by_label("Receipt code")
    keys.tab_to(field)
    keys.type("NOT-A-REAL-CODE")
    keys.tab_to(page.get_by_role("button", name="Check the receipt"))
    keys.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("There is no ballot with the receipt code")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile("There is no ballot with the receipt code"))
    assert_accessible(page)

    keys.tab_to(field)
    keys.erase(len("NOT-A-REAL-CODE"))
    keys.type(code)
    keys.tab_to(page.get_by_role("button", name="Check the receipt"))
    keys.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Receipt")
    expect(page.locator(".receipt-facts")).to_contain_text("Received")
    assert_accessible(page)


def test_score_an_entry_as_a_judge(page, world):
    keys = sign_in_by_keyboard(page, w.JUDGE, "/judging/")
    title = next(t for t, i in world.entries[world.judged].items() if i == world.to_score)
    keys.tab_to(page.get_by_role("link", name=title, exact=True))
    keys.press("Enter")
    page.wait_for_url(f"**/judging/{world.judged}/entries/{world.to_score}")
    assert_accessible(page)

    impact, feasibility = page.get_by_label("Impact"), page.get_by_label("Feasibility")
    keys.tab_to(impact)
    keys.type("11")
    keys.tab_to(feasibility)
    keys.type("4")
    keys.tab_to(page.get_by_role("button", name="Submit", exact=True))
    keys.press("Enter")
    expect(page.get_by_role("alert")).to_be_visible()
    expect(impact).to_have_attribute("aria-invalid", "true")
    expect(impact).to_have_accessible_description(re.compile(r"0 to 10"))
    assert_accessible(page)

    keys.tab_to(impact)
    keys.erase(2)
    keys.type("8")
    keys.tab_to(page.get_by_role("button", name="Submit", exact=True))
    keys.press("Enter")
    expect(page.get_by_text("You submitted this score on")).to_be_visible()
    assert_accessible(page)
