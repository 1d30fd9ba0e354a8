"""A client that says it is automation is recorded as such (the flag
`automated`), for the fraud review to weigh; it holds nothing by itself."""

from datetime import datetime, timedelta, timezone

import pytest

from voting.ballots import wire
from voting.ballots.domain import screening

NOW = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"


@pytest.mark.parametrize("agent", [
    CHROME.replace("Chrome/", "HeadlessChrome/"), "python-requests/2.32.3", "curl/8.5.0", "Go-http-client/2.0",
    "axios/1.7.2", "Mozilla/5.0 PhantomJS/2.1.1"])
def test_user_agents_of_automation_are_recognised(agent):
    assert wire.client("203.0.113.7", agent, "").automated


@pytest.mark.parametrize("agent", [CHROME, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                                   "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", ""])
def test_browsers_are_not(agent):
    assert not wire.client("203.0.113.7", agent, "").automated


def flags(**kw):
    base = dict(page=True, script=screening.ScriptSeen(9000, True))
    return screening.flags_for(None, NOW - timedelta(seconds=9), NOW, 2, True, True, **{**base, **kw})


def test_the_flag_comes_from_the_user_agent_or_the_pages_webdriver():
    assert "automated" not in flags()
    assert "automated" in flags(automated=True)
    assert "automated" in flags(script=screening.ScriptSeen(9000, True, webdriver=True))
    assert screening.status_for(flags(automated=True)) == "counted"
    assert wire.script_from_page('{"visible_ms": 5, "input": true, "webdriver": true}').webdriver
