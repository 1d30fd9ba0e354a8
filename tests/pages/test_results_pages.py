"""The results pages as a browser without JavaScript sees them: nothing for
the public before publication, the organisers' draft with its banner and
forms (tally, publish now or at the announcement, correct with a reason),
the published results with their cut lines, ties, invalidation report,
charts and snapshot hash, and the announcement view stepping through the
places from the bottom up."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from tests.pages.support import page, sign_in, submit
from tests.pages.test_page_quality import check_page
from tests.support.api import Api
from tests.support.factories import PASSWORD
from tests.support.jury import SLUG as JURY_SLUG
from tests.support.jury import jury_contest
from tests.support.results import add_ballots, close_voting, public_vote, run_tallies

ORGANISER = "organiser@example.org"
BANNER = "Draft — not public"


@pytest.fixture
def prize(app):
    """Public vote alone: c1's entries get 5, 3 and 3 votes, c2's 2, 0, 0; three ballots invalidated by the
    burst rule and one under review."""
    slug, ids = public_vote(app)
    return slug, ids


@pytest.fixture
def boss(app):
    client = app.test_client()
    sign_in(client, ORGANISER)
    return client


def draft_url(slug: str) -> str:
    return f"/contests/{slug}/results?draft=1"


def tally_on_page(app, boss, slug: str) -> str:
    resp = submit(boss, draft_url(slug), f"/contests/{slug}/results/tally")
    assert resp.status_code == 303, resp.get_data(as_text=True)[:2000]
    run_tallies(app)
    return resp.headers["Location"]


def publish_on_page(boss, slug: str, **fields):
    return submit(boss, draft_url(slug), f"/contests/{slug}/results/publish", **fields)


def test_nothing_is_public_before_publication(app, client, make, prize, boss):
    slug, _ids = prize
    close_voting(app, slug)
    tally_on_page(app, boss, slug)
    for path in (f"/contests/{slug}/results", f"/contests/{slug}/results/categories/c1",
                 f"/contests/{slug}/results/announce", f"/contests/{slug}/results/announce?category=c1&step=3"):
        resp = client.get(path)
        assert resp.status_code == 404, path
        text = page(resp).text
        assert "c1-0" not in text and "Winner" not in text and "Votes" not in text, path
    resp = client.get(draft_url(slug))
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert "draft%3D1" in resp.headers["Location"] or "draft=1" in resp.headers["Location"]
    assert "results" not in page(client.get(f"/contests/{slug}")).text.lower()
    make.user("voter@example.org")
    sign_in(client, "voter@example.org")
    for path in (draft_url(slug), f"/contests/{slug}/results/announce?draft=1",
                 f"/contests/{slug}/results/categories/c1?draft=1"):
        assert client.get(path).status_code == 403, path
    assert client.get(f"/contests/{slug}/results?draft=maybe").status_code == 422
    assert client.get("/contests/no-such/results").status_code == 404


def test_the_draft_shows_every_number_under_a_banner(app, prize, boss):
    slug, ids = prize
    close_voting(app, slug)
    tally_on_page(app, boss, slug)
    resp = boss.get(draft_url(slug))
    assert resp.status_code == 200
    doc = page(resp)
    text = doc.text
    assert BANNER in text
    assert "Winner place 1 c1-0" in text.replace("·", "").replace("  ", " ")
    # The cut line: the margin, and how often the order flips, in words.
    assert "“c1-0” leads “c1-1” by 2 votes." in text
    assert re.search(r"In \d+(\.\d)?% of 1,000 resamplings of the counted ballots the order flips\.", text)
    assert "“c2-0” leads “c2-1” by 2 votes. In none of 1,000 resamplings" in text
    # The tie between the two entries level on 3 votes, and the rule that broke it.
    assert "At place 2, “c1-1” and “c1-2” were level on public votes. Decided by the earlier submission." in text
    # The invalidation report, by rule.
    assert "Counted 13" in text and "Under review 1" in text and "Invalidated 3" in text
    assert "Burst: 3" in text and "Shared device: 1" in text
    # The snapshot hash, linked to the snapshot's JSON.
    sha = re.search(r"Snapshot SHA-256: ([0-9a-f]{64})", text).group(1)
    links = [a["href"] for a in doc.find("a") if "href" in a]
    assert f"/api/v1/contests/{slug}/results/snapshots/{sha}" in links
    assert boss.get(f"/api/v1/contests/{slug}/results/snapshots/{sha}").status_code == 200
    assert f"/api/v1/contests/{slug}/exports/results.json?draft=true" in links
    # The organisers' forms: tally again, publish.
    assert doc.form(f"/contests/{slug}/results/tally") and doc.form(f"/contests/{slug}/results/publish")


def test_the_charts_are_labelled_images_with_their_numbers_as_text(app, prize, boss):
    slug, _ids = prize
    close_voting(app, slug)
    tally_on_page(app, boss, slug)
    resp = boss.get(f"/contests/{slug}/results/categories/c1?draft=1")
    assert resp.status_code == 200
    doc = page(resp)
    charts = doc.find("svg", role="img")
    assert len(charts) == 1
    ids = {attrs["id"] for _tag, attrs in doc.elements if "id" in attrs}
    for ref in charts[0]["aria-labelledby"].split():
        assert ref in ids
    html = resp.get_data(as_text=True)
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert '<title id="chart-c1-votes-title">Votes per entry in “C1 Public governance”</title>' in svg
    assert "<desc id=" in svg and "table below" in svg
    # Each bar says its number (and the winner's its award): readable without colour.
    assert ">5 · Winner</text>" in svg and svg.count(">3</text>") == 2
    assert 'fill="url(#chart-c1-votes-hatch)"' in svg  # the winner's bar differs by pattern too
    assert "style=" not in svg  # the CSP allows no inline styles
    # The same numbers in a table.
    table = html[html.index("<table"):html.index("</table>")]
    assert re.search(r"<th scope=\"row\">c1-0</th>\s*<td class=\"num\">5</td>", table)


def test_tally_while_voting_is_open_is_a_preview_and_cannot_be_published(app, prize, boss):
    slug, _ids = prize
    resp = boss.get(draft_url(slug))
    assert "There is no tally yet." in page(resp).text and "Tally a preview now" in page(resp).text
    where = tally_on_page(app, boss, slug)
    assert where == "/organiser/jobs/tally-1-preview"  # the tally's job page, which links to the draft
    job = page(boss.get(where))
    assert "Done" in job.text and "Tally 1 is stored." in job.text and job.find("a", href=draft_url(slug))
    text = page(boss.get(draft_url(slug))).text
    assert "This is a preview: it was counted before voting and judging had both closed" in text
    assert "A preview cannot be published." in text
    assert not [f for f in page(boss.get(draft_url(slug))).forms if f["action"].endswith("/results/publish")]


def test_publish_from_the_page_then_correct_with_a_reason(app, client, prize, boss):
    slug, ids = prize
    close_voting(app, slug)
    tally_on_page(app, boss, slug)
    first_sha = re.search(r"Snapshot SHA-256: ([0-9a-f]{64})", page(boss.get(draft_url(slug))).text).group(1)
    resp = publish_on_page(boss, slug)
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/contests/{slug}/results")

    public = client.get(f"/contests/{slug}/results")
    assert public.status_code == 200
    text = page(public).text
    assert BANNER not in text and "Winner place 1 c1-0" in text.replace("·", "").replace("  ", " ")
    assert not page(public).forms or all("/results/" not in f["action"] for f in page(public).forms)
    assert f"/contests/{slug}/results" in [a.get("href") for a in page(client.get(f"/contests/{slug}")).find("a")]
    assert "This tally is published." in page(boss.get(draft_url(slug))).text

    # A late decision changes c2: the new tally is a correction, which needs its reason.
    add_ballots(app, slug, "c2", [ids["c2"][2]], 9)
    tally_on_page(app, boss, slug)
    resp = publish_on_page(boss, slug)
    assert resp.status_code == 422
    doc = page(resp)
    assert "a correction of published results needs a reason" in doc.text
    assert doc.find("textarea", id="reason")[0].get("aria-invalid") == "true"
    assert "#reason" in [a.get("href") for a in doc.find("a")]
    resp = publish_on_page(boss, slug, reason="A late review of c2 counted nine ballots.")
    assert resp.status_code == 303
    text = page(client.get(f"/contests/{slug}/results")).text
    assert "Corrections" in text and "because: A late review of c2 counted nine ballots." in text
    links = [a.get("href") for a in page(client.get(f"/contests/{slug}/results")).find("a")]
    assert f"/api/v1/contests/{slug}/results/snapshots/{first_sha}" in links


def test_publish_refusals_are_shown_on_the_page(app, client, prize, boss):
    slug, _ids = prize
    close_voting(app, slug)
    tally_on_page(app, boss, slug)
    past = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    resp = publish_on_page(boss, slug, at=past)
    assert resp.status_code == 422
    assert "must be in the future" in page(resp).text and BANNER in page(resp).text
    assert page(resp).find("input", id="at")[0].get("aria-invalid") == "true"
    resp = publish_on_page(boss, slug, at="after the dinner")
    assert resp.status_code == 422 and "must be a date and time" in page(resp).text
    # A tally that finished after the page was shown is never published unseen.
    resp = publish_on_page(boss, slug, snapshot="0" * 64)
    assert resp.status_code == 409 and "The results changed since this page was shown" in page(resp).text
    assert client.get(f"/contests/{slug}/results").status_code == 404

    # Booked for the announcement: private until then.
    later = (datetime.now(timezone.utc) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    resp = publish_on_page(boss, slug, at=later)
    assert resp.status_code == 303 and resp.headers["Location"].endswith("draft=1")
    text = page(boss.get(draft_url(slug))).text
    assert "will be published at" in text and "To be published" in text
    assert client.get(f"/contests/{slug}/results").status_code == 404


def hidden_titles(doc) -> tuple[list[str], list[str]]:
    """(titles shown, titles hidden) of the announcement's places, top to bottom."""
    html = doc.html
    shown, hidden = [], []
    for attrs, title in re.findall(r'<li (data-order="\d+"(?: hidden)?)>\s*<p class="place">[^<]*</p>\s*'
                                   r'<p class="title">([^<]*)</p>', html):
        (hidden if attrs.endswith("hidden") else shown).append(title)
    return shown, hidden


def test_the_announcement_reveals_places_from_the_bottom_up(app, client, prize, boss):
    slug, _ids = prize
    close_voting(app, slug)
    tally_on_page(app, boss, slug)
    base = f"/contests/{slug}/results/announce"
    # Before publication: the organisers' draft only.
    assert client.get(base).status_code == 404
    resp = boss.get(f"{base}?draft=1")
    assert resp.status_code == 200 and BANNER in page(resp).text
    assert "draft=1" in page(resp).find("a", id="announce-next")[0]["href"]

    assert publish_on_page(boss, slug).status_code == 303
    doc = page(client.get(base))
    assert doc.headings[0] == (1, "C1 Public governance")
    assert hidden_titles(doc) == ([], ["c1-0", "c1-1", "c1-2"])
    assert doc.find("a", id="announce-next")[0]["href"] == f"{base}?category=c1&step=1"
    assert doc.find("a", id="announce-back")[0].get("hidden") == ""  # nothing before the first place
    doc = page(client.get(f"{base}?category=c1&step=2"))
    assert hidden_titles(doc) == (["c1-1", "c1-2"], ["c1-0"])
    assert doc.find("a", id="announce-back")[0]["href"] == f"{base}?category=c1&step=1"
    doc = page(client.get(f"{base}?category=c1&step=3"))
    assert hidden_titles(doc) == (["c1-0", "c1-1", "c1-2"], [])
    assert "Winner" in doc.text and "Votes: 5" in doc.text
    assert doc.find("a", id="announce-next")[0]["href"] == f"{base}?category=c2&step=0"  # on to the next category
    doc = page(client.get(f"{base}?category=c2&step=0"))
    assert doc.find("a", id="announce-back")[0]["href"] == f"{base}?category=c1&step=3"
    # The keyboard script is a file of our own origin (no inline code under the CSP), the hint shows with it.
    scripts = doc.find("script")
    assert scripts and all(s.get("src", "").startswith("/static/announce.js") for s in scripts)
    assert doc.find("p", id="announce-hint")[0].get("hidden") == ""
    assert client.get("/static/announce.js").status_code == 200
    # Steps and categories that do not exist.
    assert client.get(f"{base}?category=c1&step=4").status_code == 400
    assert client.get(f"{base}?category=c1&step=two").status_code == 400
    assert client.get(f"{base}?category=c9").status_code == 404


def test_jury_scores_have_their_chart(app, make, client):
    organiser, ids = jury_contest(app, make)
    assert organiser.post(f"/api/v1/contests/{JURY_SLUG}/tally").status_code == 202
    run_tallies(app)
    assert organiser.post(f"/api/v1/contests/{JURY_SLUG}/results/publish").status_code == 200
    resp = client.get(f"/contests/{JURY_SLUG}/results")
    assert resp.status_code == 200
    doc = page(resp)
    assert [c["id"] for c in doc.find("svg", role="img")] == ["chart-frailty-jury", "chart-finance-jury"]
    html = resp.get_data(as_text=True)
    assert "Jury scores in “Frailty”" in html and ">7.40 · Winner</text>" in html and ">4.40</text>" in html
    assert "counted ballot" not in doc.text  # no public vote: no counts to speak of
    assert "“Walk” leads “=Grip” by 3.00 points of jury score." in doc.text
    assert "The jury's scores are not resampled" in doc.text
    assert "Alpha Lab" in doc.text  # the winner with its entry's details


def test_a_big_contest_links_each_category_to_its_own_page(app, client, monkeypatch, prize):
    from voting.results import pages

    slug, _ids = prize
    close_voting(app, slug)
    organiser = Api(app.test_client())
    organiser.login(ORGANISER, PASSWORD)
    assert organiser.post(f"/api/v1/contests/{slug}/tally").status_code == 202
    run_tallies(app)
    assert organiser.post(f"/api/v1/contests/{slug}/results/publish").status_code == 200
    monkeypatch.setattr(pages, "EMBED_ROWS", 4)
    doc = page(client.get(f"/contests/{slug}/results"))
    assert not doc.find("svg") and not doc.find("table")
    assert f"/contests/{slug}/results/categories/c1" in [a.get("href") for a in doc.find("a")]
    # The summary keeps the ties that decide an award; the tie for second place waits on the category's page.
    assert "At place 2" not in doc.text and "1 more tie, below the awards, is on the category's page." in doc.text
    doc = page(client.get(f"/contests/{slug}/results/categories/c1"))
    assert doc.find("svg", role="img") and doc.find("table") and "At place 2" in doc.text
    assert client.get(f"/contests/{slug}/results/categories/c9").status_code == 404


def test_the_tally_form_says_what_the_fraud_review_still_holds(app, prize, boss):
    """Before a tally the organiser sees the ballots under review (left out
    unless counted), and whether the final sweep has run (a final tally runs
    it first)."""
    slug, _ids = prize
    doc = page(boss.get(draft_url(slug)))
    assert "1 ballot is still under review and will not be counted unless you count it." in doc.text
    assert "At the close of voting" in doc.text  # the final sweep, while voting is open
    assert doc.find("a", href=f"/organiser/contests/{slug}/review")
    close_voting(app, slug)
    doc = page(boss.get(draft_url(slug)))
    assert "Not run yet: it is queued at the close, and a final tally runs it first" in doc.text
    tally_on_page(app, boss, slug)
    resp = boss.get(draft_url(slug))
    check_page(resp)
    text = page(resp).text
    assert "Final sweep" in text and "Not run yet" not in text
    assert "1 ballot is still under review" in text
