"""Every page: landmarks, the skip link, the language, one h1 and headings in
order, a label for every field, errors tied to their fields, and a weight of
under 100 KB (HTML and CSS, without images)."""

from __future__ import annotations

import json
import re

import pytest

from tests.pages.support import CSS, add_entry, page, sign_in, submit
from tests.support.factories import spec

WEIGHT_LIMIT = 100_000
LABEL_EXEMPT = {"hidden", "submit", "button", "reset", "image"}
SUMMARY = "An ICT project that helps older people stay in touch with their families and doctors. " * 9


def check_page(resp, status: int = 200) -> None:
    assert resp.status_code == status, resp.get_data(as_text=True)[:1000]
    doc = page(resp)
    html_tag = doc.find("html")[0]
    assert html_tag.get("lang") and html_tag.get("dir") in {"ltr", "rtl"}
    assert doc.find("meta", name="viewport")

    tags = [tag for tag, _ in doc.elements]
    for landmark in ("header", "nav", "main", "footer"):
        assert landmark in tags, landmark
    assert tags.count("main") == 1
    first_link = next(attrs for tag, attrs in doc.elements if tag == "a")
    assert first_link["href"] == "#main" and doc.find("main", id="main")

    levels = [level for level, _ in doc.headings]
    assert levels.count(1) == 1 and levels[0] == 1, doc.headings
    for before, after in zip(levels, levels[1:]):
        assert after <= before + 1, f"heading skips a level: {doc.headings}"

    ids = [attrs["id"] for _, attrs in doc.elements if "id" in attrs]
    assert len(ids) == len(set(ids)), "duplicate ids"
    labelled = {attrs.get("for") for tag, attrs in doc.elements if tag == "label"}
    for tag, attrs in doc.elements:
        if tag in {"input", "select", "textarea"} and attrs.get("type") not in LABEL_EXEMPT:
            assert attrs.get("id") in labelled, f"no label for {tag} {attrs}"
        for ref in attrs.get("aria-describedby", "").split():
            assert ref in ids, f"aria-describedby points to a missing id {ref}"
        if tag == "img":
            assert attrs.get("alt"), attrs

    weight = len(resp.get_data()) + CSS.stat().st_size
    assert weight < WEIGHT_LIMIT, f"{weight} bytes"


@pytest.fixture
def big_contest(app, make):
    """18 categories like the WSIS Prizes, and 40 entries with long summaries,
    which the contest page still shows in full."""
    organiser = make.organiser()
    categories = [{"slug": f"c{i}", "title": f"C{i} An action line of the Information Society"} for i in range(1, 19)]
    make.contest(categories=categories, description="The WSIS Prizes.\n\n" + SUMMARY,
                 phases={"submission": spec()["phases"]["voting"]})
    for i in range(40):
        add_entry(app, "wsis-prizes-test", organiser.id, category=f"c{i % 18 + 1}", title=f"Project {i}",
                  team="Team", organisation="Ministry of Digital Affairs", country="SN", summary=SUMMARY)


def test_public_pages(client, big_contest):
    resp = client.get("/contests/wsis-prizes-test")
    check_page(resp)
    assert "Project 39" in page(resp).text  # the entries are on the page, not behind links
    for url in ("/", "/contests/wsis-prizes-test/categories/c1", "/login", "/register", "/forgot",
                "/reset?token=abc"):
        check_page(client.get(url))


def test_error_pages(client, make):
    make.user("ada@example.org")
    check_page(client.get("/contests/missing"), 404)
    check_page(client.get("/verify?token=abc"), 422)
    check_page(client.get("/reset"), 400)
    check_page(submit(client, "/register", email="x", password="y", display_name="", country="ZZ"), 422)
    check_page(submit(client, "/login", email="ada@example.org", password="wrong password"), 401)
    check_page(submit(client, "/reset?token=abc", "/reset", password="a good new password"), 422)
    sign_in(client, "ada@example.org")
    check_page(client.get("/organiser/"), 403)


def test_organiser_pages(app, client, make):
    organiser = make.organiser()
    voter = make.user("ada@example.org")
    make.contest(phases={"submission": spec()["phases"]["voting"]})
    add_entry(app, "wsis-prizes-test", voter.id, title="Waiting", summary=SUMMARY)
    sign_in(client, organiser.email)
    check_page(client.get("/"))
    check_page(client.get("/organiser/"))
    check_page(client.get("/verify/resend"))
    bad = json.dumps(spec(slug="Bad Slug", categories=[]))
    check_page(submit(client, "/organiser/", "/organiser/contests", spec=bad), 422)


def test_stylesheet_is_small_and_fluid():
    css = CSS.read_text()
    assert len(css) < 10_000
    assert ":focus-visible" in css
    # No fixed widths that could force horizontal scrolling at 320 px.
    for value in re.findall(r"(?<![-\w])(?:min-)?width:([^;}]+)", css):
        assert value.strip() in {"100%", "1px"}, value
