"""The browser tests' fixtures: Debian's Chromium driven by Playwright, the
app served on a free loopback port (werkzeug, in a thread) over the suite's
own database and Redis, and the world of tests/browser/world.py built once.

Playwright's own browser download is not available here, so the tests launch
the system's Chromium (`scripts/setup-venv test` installs it with apt-get).
Where it cannot be had the tests skip, and say so loudly: a warning per run
and a banner at the end of pytest's report, whatever flags pytest was given.

The world is built once for the package, not per test: the tests only read
it, apart from the keyboard journeys, which use accounts and categories of
their own. So the suite's per-test wipe is replaced here by one wipe before
the world is built (the next test outside this package wipes again).
"""

from __future__ import annotations

import os
import shutil
import threading
import warnings
from pathlib import Path

import pytest
import redis
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.browser import world as world_module
from tests.conftest import Mailbox, empty_tables
from tests.support.factories import PASSWORD, Factories
from voting.ballots import contest_view, feed
from voting.extensions import db, limiter

CHROMIUM = os.environ.get("VOTING_CHROMIUM", "/usr/bin/chromium")
HERE = Path(__file__).resolve().parent
DESKTOP = {"width": 1280, "height": 900}
ROLES = {"voter": world_module.VOTER, "participant": world_module.PARTICIPANT, "judge": world_module.JUDGE,
         "organiser": world_module.ORGANISER}


def _missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import axe_playwright_python  # noqa: F401
        import playwright  # noqa: F401
    except ImportError as err:
        return f"{err.name} is not installed: run scripts/setup-venv test"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)) and not shutil.which(CHROMIUM):
        return (f"no Chromium at {CHROMIUM}: scripts/setup-venv test installs Debian's chromium with apt-get "
                "(as root, with the network); set VOTING_CHROMIUM to use another build")
    return None


SKIPPED = _missing()
REASON = f"BROWSER TESTS SKIPPED (accessibility is NOT checked): {SKIPPED}"
# Without the packages the test modules cannot even be imported: they are left out, and said to be.
collect_ignore_glob = ["test_*.py"] if SKIPPED and "not installed" in SKIPPED else []


def pytest_collection_modifyitems(config, items):
    if not SKIPPED:
        return
    warnings.warn(pytest.PytestWarning(REASON))
    for item in items:
        if Path(str(item.fspath)).is_relative_to(HERE):
            item.add_marker(pytest.mark.skip(reason=REASON))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if SKIPPED:
        terminalreporter.section("browser tests skipped", sep="!", red=True, bold=True)
        terminalreporter.write_line(f"The browser tests did not run, so accessibility was NOT checked: {SKIPPED}",
                                    red=True, bold=True)


@pytest.fixture(autouse=True)
def _clean_state():
    """The suite wipes before each test; the browser tests share one world (see above)."""
    yield


def _wipe(app, redis_url: str, mail_dir: str) -> None:
    limiter.init_app(app)
    empty_tables(app)
    with app.app_context():
        contest_view.forget()
    feed.flush()
    redis.Redis.from_url(redis_url).flushdb()
    for f in Path(mail_dir).glob("*.eml"):
        f.unlink()


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):
        pass  # a line per request would bury the report of a failing test


@pytest.fixture(scope="package")
def live_server(app):
    """The app on a free loopback port, one thread per request, until the package ends."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)
    server.server_close()


@pytest.fixture(scope="package")
def mailbox(base_settings):
    return Mailbox(Path(base_settings["mail_dir"]))


@pytest.fixture(scope="package")
def world(app, base_settings, redis_url, mailbox, live_server):
    _wipe(app, redis_url, base_settings["mail_dir"])
    built = world_module.build(app, Factories(app), mailbox)
    with app.app_context():
        db.session.remove()
    return built


@pytest.fixture(scope="package")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--disable-gpu"])
        yield launched
        launched.close()


@pytest.fixture(scope="package")
def contexts(browser, live_server, world):
    """A browser context per (role, language), made on first use: "visitor"
    signed in as nobody, the others signed in through the login page."""
    made = {}

    def get(role: str, lang: str = "en"):
        if (role, lang) not in made:
            context = browser.new_context(base_url=live_server, locale=lang, viewport=DESKTOP)
            if role != "visitor":
                sign_in(context.new_page(), ROLES[role], close=True)
            made[role, lang] = context
        return made[role, lang]

    yield get
    for context in made.values():
        context.close()


def sign_in(page, email: str, password: str = PASSWORD, close: bool = False) -> None:
    """Through the login page, as a person would (the keyboard journeys do it by keyboard themselves)."""
    page.goto("/login")  # found by name, not by label: the same in every language
    page.locator("main form [name=email]").fill(email)
    page.locator("main form [name=password]").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)
    if close:
        page.close()


@pytest.fixture
def page(browser, live_server, world):
    """A fresh desktop page in English, signed in as nobody (the journeys sign in by keyboard)."""
    context = browser.new_context(base_url=live_server, locale="en", viewport=DESKTOP)
    yield context.new_page()
    context.close()
