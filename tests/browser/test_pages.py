"""Every page each role sees, in each language, in a real browser: axe-core
finds no WCAG 2.1 A or AA violation (nor anything it could not decide); at 320 px wide the document does not
scroll sideways (a wide table scrolls in its own focusable, labelled box);
and the document with its stylesheets and scripts weighs under 100 KB.

Each page is loaded once per (language, role) by `survey`, which keeps what
the three tests assert, so a failure names the page and the check."""

from __future__ import annotations

import pytest
from tests.browser.keyboard import axe_problems
from tests.browser.pages import NOT_PAGES, pages

# Arabic (and the other UN languages) join here once their catalogues exist: one entry each.
LANGUAGES = ["en", "ar"]
RTL = {"ar"}
ROLES = ["visitor", "voter", "participant", "judge", "organiser"]
NARROW = {"width": 320, "height": 640}
WEIGHT_LIMIT = 100 * 1024
COUNTED = {"document", "stylesheet", "script"}  # without images (and without pow.js's fetch of a challenge)
# Elements that scroll sideways at 320 px: each must be a region a keyboard can reach and a screen reader names.
SCROLLERS = """() => [...document.querySelectorAll("body *")].filter(el => {
    const x = getComputedStyle(el).overflowX;
    return (x === "auto" || x === "scroll") && el.scrollWidth > el.clientWidth;
  }).map(el => ({html: el.outerHTML.slice(0, 120), focusable: el.tabIndex >= 0,
                 named: !!(el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")),
                 role: el.getAttribute("role")}))"""

_surveys: dict[tuple[str, str], list[dict]] = {}


def _survey_page(page, path: str, sizes: list) -> dict:
    sizes.clear()
    response = page.goto(path, wait_until="load")
    found = {"path": path, "status": response.status, "lang": page.evaluate("document.documentElement.lang"),
             "dir": page.evaluate("document.documentElement.dir")}
    found["violations"] = axe_problems(page)
    found["weight"] = sum(size for _url, size in sizes)
    found["parts"] = list(sizes)
    page.set_viewport_size(NARROW)
    found["width"] = page.evaluate("document.documentElement.scrollWidth")
    found["scrollers"] = page.evaluate(SCROLLERS)
    page.set_viewport_size({"width": 1280, "height": 900})
    return found


@pytest.fixture
def survey(contexts, world):
    def get(lang: str, role: str) -> list[dict]:
        if (lang, role) not in _surveys:
            page = contexts(role, lang).new_page()
            # No cache, so that every page's stylesheets and scripts are fetched and weighed.
            page.context.new_cdp_session(page).send("Network.setCacheDisabled", {"cacheDisabled": True})
            sizes: list = []

            def weigh(response):
                if response.request.resource_type in COUNTED:
                    transferred = response.request.sizes()
                    sizes.append((response.url, transferred["responseBodySize"] + transferred["responseHeadersSize"]))

            page.on("requestfinished", lambda request: weigh(request.response()))
            _surveys[lang, role] = [_survey_page(page, path, sizes) for path, _status in pages(world)[role]]
            for found, (_path, status) in zip(_surveys[lang, role], pages(world)[role]):
                found["expected"] = status
            page.close()
        return _surveys[lang, role]
    return get


CASES = [pytest.param(lang, role, id=f"{lang}-{role}") for lang in LANGUAGES for role in ROLES]


@pytest.mark.parametrize("lang,role", CASES)
def test_no_wcag_21_aa_violations(survey, lang, role):
    problems = []
    for found in survey(lang, role):
        if found["status"] != found["expected"]:
            problems.append(f"{found['path']}: answered {found['status']}, expected {found['expected']}")
        if not found["lang"].startswith(lang) or found["dir"] != ("rtl" if lang in RTL else "ltr"):
            problems.append(f"{found['path']}: <html lang={found['lang']!r} dir={found['dir']!r}>")
        problems += [f"{found['path']}: {v}" for v in found["violations"]]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang,role", CASES)
def test_no_horizontal_scrolling_at_320_px(survey, lang, role):
    problems = []
    for found in survey(lang, role):
        if found["width"] > NARROW["width"]:
            problems.append(f"{found['path']}: the document is {found['width']} px wide at 320 px")
        for box in found["scrollers"]:
            if not (box["focusable"] and box["named"] and box["role"] == "region"):
                problems.append(f"{found['path']}: a box that scrolls sideways is not a focusable, named region: "
                                f"{box['html']}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang,role", CASES)
def test_every_page_weighs_under_100_kb(survey, lang, role):
    problems = []
    for found in survey(lang, role):
        kinds = {url.rsplit(".", 1)[-1] for url, _size in found["parts"]}
        assert found["parts"] and "css" in kinds, f"{found['path']}: nothing weighed: {found['parts']}"
        if found["weight"] >= WEIGHT_LIMIT:
            problems.append(f"{found['path']}: {found['weight']} bytes: {found['parts']}")
    assert not problems, "\n".join(problems)


def test_every_page_is_listed(app, world):
    """Every GET route that renders a page has a page in the survey (a new page joins it, or this fails)."""
    adapter = app.url_map.bind("localhost")
    listed = {adapter.match(path.split("?")[0])[0] for role in pages(world).values() for path, _status in role}
    routes = {rule.endpoint for rule in app.url_map.iter_rules()
              if "GET" in rule.methods and not rule.rule.startswith("/api/") and rule.endpoint not in NOT_PAGES}
    assert routes - listed == set()
