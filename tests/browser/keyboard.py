"""Driving a page by keyboard alone, checking at every step that the focused
element shows where it is; and axe on whatever page a journey reaches.

A focus indicator counts when the focused element has a non-zero outline or
a box shadow, and that style differs from the same element's unfocused one
(recorded for every focusable element when the page is first driven), so a
ring that is always there does not pass for a focus indicator."""

from __future__ import annotations

from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe

from tests.support.factories import PASSWORD

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]"
_SIGNATURE = "s => [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join('|')"
REMEMBER = f"""() => {{
  const signature = {_SIGNATURE};
  window.__unfocused = new Map();
  for (const el of document.querySelectorAll("{FOCUSABLE}")) {{
    if (el !== document.activeElement) window.__unfocused.set(el, signature(getComputedStyle(el)));
  }}
}}"""
FOCUSED = f"""() => {{
  const signature = {_SIGNATURE};
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const s = getComputedStyle(el);
  const shown = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || (s.boxShadow || "none") !== "none";
  const before = window.__unfocused ? window.__unfocused.get(el) : undefined;
  return {{html: el.outerHTML.slice(0, 160), shown, now: signature(s), before: before === undefined ? null : before}};
}}"""
DOCUMENT_MARK = "() => String(window.__page = window.__page || Math.random())"  # new with each document
STEPS = 80  # more Tab presses than any page here needs to reach a control


class Keyboard:
    """Tab, Shift+Tab, Enter, Space and typing; nothing that a mouse does."""

    def __init__(self, page):
        self.page = page
        self.steps: list[str] = []  # every element focused on the way, for the failure message
        self._remembered_for: str | None = None

    def _remember(self) -> None:
        marker = self.page.evaluate(DOCUMENT_MARK)
        if marker != self._remembered_for:  # a new document: its elements' unfocused styles
            self.page.evaluate(REMEMBER)
            self._remembered_for = marker

    def check_focus(self) -> dict:
        found = self.page.evaluate(FOCUSED)
        assert found, f"nothing has the focus after: {self.steps[-3:]}"
        self.steps.append(found["html"])
        assert found["shown"], f"no visible focus indicator on {found['html']} ({found['now']})"
        assert found["before"] is None or found["before"] != found["now"], \
            f"the focus indicator of {found['html']} looks the same unfocused ({found['now']})"
        return found

    def tab_to(self, locator, backwards: bool = False) -> None:
        """Tab (or Shift+Tab) until `locator` has the focus, checking the indicator at each stop."""
        self._remember()
        target = locator.element_handle()
        for _ in range(STEPS):
            self.page.keyboard.press("Shift+Tab" if backwards else "Tab")
            self.check_focus()
            if target.evaluate("el => el === document.activeElement"):
                return
        raise AssertionError(f"{STEPS} presses of Tab never reached {locator}; focused: {self.steps[-10:]}")

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def erase(self, count: int) -> None:
        for _ in range(count):
            self.page.keyboard.press("Backspace")

    def press(self, key: str) -> None:
        assert key in {"Enter", "Space"}, key
        self.page.keyboard.press(key)
        self._remembered_for = None


# axe leaves the contrast of SVG text undecided; the charts' text (results/charts.py) is checked here
# instead: its fill against the page's white, where it stands beside its bar, never on it.
SVG_TEXT_FILLS = """() => [...new Set([...document.querySelectorAll("svg text")].map(t => getComputedStyle(t).fill))]"""


def _luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _undecided(rule: dict) -> list[dict]:
    nodes = rule["nodes"]
    if rule["id"] == "color-contrast":
        nodes = [n for n in nodes if not n["html"].startswith("<text")]
    return nodes


def axe_problems(page) -> list[str]:
    """axe's WCAG 2.1 A and AA violations on the page as it is now, and what it
    could not decide ("incomplete": e.g. a contrast whose background it could
    not find), which here counts as a failure too: it is how white text on a
    transparent button got past the violations."""
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA},
                                       "resultTypes": ["violations", "incomplete"]}).response
    found = [("violation", v, v["nodes"]) for v in results["violations"]]
    found += [("undecided", v, _undecided(v)) for v in results["incomplete"]]
    problems = [f"{kind}: {v['id']} ({v['impact']}): {v['help']} at " + ", ".join(str(n["target"]) for n in nodes[:5])
                for kind, v, nodes in found if nodes]
    for fill in page.evaluate(SVG_TEXT_FILLS):
        ratio = 1.05 / (_luminance(fill) + 0.05)  # against white
        if ratio < 4.5:
            problems.append(f"SVG text in {fill} has a contrast of {ratio:.1f}:1 on white")
    return problems


def assert_accessible(page) -> None:
    found = axe_problems(page)
    assert not found, f"{page.url}:\n" + "\n".join(found)


def sign_in_by_keyboard(page, email: str, next_path: str) -> "Keyboard":
    """Signs in on the login page by keyboard alone (focus visible at each stop), landing on `next_path`."""
    keys = Keyboard(page)
    page.goto(f"/login?next={next_path}")
    keys.tab_to(page.get_by_label("Email address"))
    keys.type(email)
    keys.tab_to(page.get_by_label("Password"))
    keys.type(PASSWORD)
    keys.tab_to(page.get_by_role("main").get_by_role("button", name="Sign in"))
    keys.press("Enter")
    page.wait_for_url(lambda url: urlsplit(url).path == next_path)
    return keys
