"""The stylesheets mirror under dir="rtl": they say start and end (logical
properties), never left and right, so that an Arabic page is laid out from the
right without a stylesheet of its own. Arrows that point along the reading
direction turn round (voting/templating.py's `arrows`); arrows that name keys
of the keyboard, inside translated sentences, do not."""

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "voting" / "static"
PHYSICAL = [
    re.compile(r"(?<![-\w])(?:margin|padding|border|scroll-margin|scroll-padding)-(?:left|right)\b"),
    re.compile(r"(?<![-\w])(?:left|right)\s*:"),
    re.compile(r"(?<![-\w])(?:text-align|float|clear|caption-side)\s*:\s*(?:left|right)\b"),
    re.compile(r"border-(?:top|bottom)-(?:left|right)-radius"),
]
# A four-value shorthand whose second and fourth values differ is lopsided in one direction.
SHORTHAND = re.compile(r"(?<![-\w])(margin|padding|inset|border-width|border-radius)\s*:\s*([^;}!]+)")


def problems(css: str) -> list[str]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    found = [m.group(0) for pattern in PHYSICAL for m in pattern.finditer(css)]
    for m in SHORTHAND.finditer(css):
        values = m.group(2).split()
        if len(values) == 4 and values[1] != values[3]:
            found.append(m.group(0).strip())
    return found


@pytest.mark.parametrize("name", sorted(p.name for p in STATIC.glob("*.css")))
def test_stylesheets_use_logical_properties(name):
    found = problems((STATIC / name).read_text())
    assert not found, f"voting/static/{name}: physical directions, which do not mirror in Arabic: {found}"


def test_the_check_finds_what_it_must():
    css = (".a{margin-left:1rem;padding:0 1rem 0 2rem}.b{left:0;text-align:right}/* margin-right: 1 */"
           ".c{margin-inline-start:1rem;padding:.5rem 1rem;inset-inline-end:0;text-align:start}")
    assert problems(css) == ["margin-left", "left:", "text-align:right", "padding:0 1rem 0 2rem"]


def test_arrows_turn_round_in_right_to_left_pages():
    from voting.templating import ARROWS

    assert ARROWS["rtl"] == {"next": ARROWS["ltr"]["back"], "back": ARROWS["ltr"]["next"]}
    from tests.unit.test_translations_marked import flatten

    templates = Path(__file__).resolve().parents[2] / "templates"
    for path in templates.rglob("*.html"):
        own = flatten(path.read_text())  # the template's own text, outside its tags and expressions
        assert not set(own) & set("→←⇒⇐➔"), (
            f"{path.name}: an arrow that would point the wrong way in Arabic: use {{{{ arrows.next }}}}")
