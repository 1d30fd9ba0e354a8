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


def test_results_pages(app, client, make):
    """The draft with its forms (and a refused form), the published results,
    a category's page and the announcement view; and their stylesheet."""
    from tests.support.api import Api
    from tests.support.factories import PASSWORD
    from tests.support.results import add_ballots, close_voting, run_tallies
    from tests.support.voting import open_contest

    slug, ids = open_contest(app, awards={"policy": "public"})
    add_ballots(app, slug, "c1", [ids["c1"][0]], 4)
    add_ballots(app, slug, "c1", [ids["c1"][1]], 2, status="invalidated", reason="burst")
    close_voting(app, slug)
    api = Api(app.test_client())
    api.login("organiser@example.org", PASSWORD)
    assert api.post(f"/api/v1/contests/{slug}/tally").status_code == 202
    run_tallies(app)
    sign_in(client, "organiser@example.org")
    check_page(client.get(f"/contests/{slug}/results?draft=1"))
    check_page(submit(client, f"/contests/{slug}/results?draft=1", f"/contests/{slug}/results/publish",
                      at="not a time"), 422)
    check_page(client.get(f"/contests/{slug}/results/announce?draft=1"))
    assert submit(client, f"/contests/{slug}/results?draft=1", f"/contests/{slug}/results/publish").status_code == 303
    for url in (f"/contests/{slug}/results", f"/contests/{slug}/results/categories/c1",
                f"/contests/{slug}/results/announce?category=c1&step=2", f"/contests/{slug}/results?draft=1"):
        check_page(client.get(url))
    css = (CSS.parent / "results.css").read_text()
    assert len(css) < 5_000
    for value in re.findall(r"(?<![-\w])(?:min-)?width:([^;}]+)", css):
        assert value.strip() in {"100%", "auto"}, value


def test_results_pages_of_a_wsis_sized_contest(app, client):
    """18 categories of 70 entries, champions and level groups: the results page
    summarises each category (the ties that decide something, links to the
    rest) and a category's page holds its 70 bars and rows, each under budget."""
    from tests.support.api import Api
    from tests.support.factories import PASSWORD, make_contest, make_organiser
    from tests.support.results import add_ballots, close_voting, run_tallies
    from voting.contests import entries as entry_service
    from voting.extensions import db

    categories = [{"slug": f"c{i}", "title": f"C{i} An action line of the Information Society"} for i in range(1, 19)]
    with app.app_context():
        organiser = make_organiser("organiser@example.org")
        contest = make_contest(categories=categories, voting={"method": "single", "pow_bits": 0})
        ids = {c.slug: [entry_service.add_entry(contest, {"category": c.slug, "title": f"Project {i} of {c.title}",
                                                          "organisation": "Ministry of Digital Affairs"},
                                                organiser, contest.voting_opens_at).id for i in range(70)]
               for c in contest.categories}
        slug = contest.slug
        db.session.remove()
    for category, entries in ids.items():
        for k, entry in enumerate(entries[:6]):
            add_ballots(app, slug, category, [entry], 1 + k % 2)
    close_voting(app, slug)
    api = Api(app.test_client())
    api.login("organiser@example.org", PASSWORD)
    assert api.post(f"/api/v1/contests/{slug}/tally").status_code == 202
    run_tallies(app)
    assert api.post(f"/api/v1/contests/{slug}/results/publish").status_code == 200
    check_page(client.get(f"/contests/{slug}/results"))
    resp = client.get(f"/contests/{slug}/results/categories/c18")
    check_page(resp)
    assert len(page(resp).find("tr")) == 71
