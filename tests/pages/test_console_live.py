"""The console's live view (voting/organiser/live.py) as a browser without
JavaScript sees it: the ballots by status, the review queue, ballots per hour
as a chart and a table, the leading entries from the live counters, the
periodic jobs' state and the contest's jobs; without Redis, the rest still
shows; a contest without a public vote; only its organisers see it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from sqlalchemy import select

from voting.contests.models import Contest
from voting.extensions import db
from voting.worker import run_worker

from tests.pages.support import page, sign_in, submit
from tests.pages.test_page_quality import check_page
from tests.support.results import add_ballots
from tests.support.voting import cast, open_contest, voter_api

ORGANISER = "organiser@example.org"
SVG = "{http://www.w3.org/2000/svg}"


def home(slug: str) -> str:
    return f"/organiser/contests/{slug}"


def contest_id(app, slug: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(Contest.id).where(Contest.slug == slug))
        db.session.remove()
    return found


def boss(app):
    client = app.test_client()
    sign_in(client, ORGANISER)
    return client


def facts(html: str, dl_id: str) -> dict[str, str]:
    """A <dl class="facts">'s terms and values, as text."""
    block = html.split(f'id="{dl_id}"', 1)[1].split("</dl>", 1)[0]
    pairs = re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", block, re.S)
    return {re.sub(r"<[^>]+>", "", dt).strip(): " ".join(re.sub(r"<[^>]+>", "", dd).split()) for dt, dd in pairs}


def hour_rows(html: str) -> list[int]:
    body = html.split('id="per-hour-table"', 1)[1].split("</tbody>", 1)[0]
    return [int(n) for n in re.findall(r'<td class="num">([\d,]+)</td>', body)]


def chart(html: str) -> ET.Element:
    svg = html[html.index('<svg class="chart" id="per-hour"'):]
    return ET.fromstring(svg[:svg.index("</svg>") + 6])


def bars(html: str) -> list[str]:
    return [r.find(f"{SVG}title").text for r in chart(html).iter(f"{SVG}rect") if r.get("class") == "bar"]


def test_the_live_view_follows_the_vote(app, make):
    slug, ids = open_contest(app, pow_bits=0)
    organiser = boss(app)
    resp = organiser.get(home(slug))
    check_page(resp)
    html = resp.get_data(as_text=True)
    assert facts(html, "ballot-totals") == {"Counted": "0", "Under review (held, not counted)": "0",
                                            "Invalidated": "0"}
    rows = hour_rows(html)
    assert len(rows) == 25 and set(rows) == {0}  # voting opened a day ago: 24 full hours and this one
    assert bars(html) == [] and chart(html).get("role") == "img"
    assert page(resp).find("a", href=f"/organiser/contests/{slug}", **{"aria-current": "page"})

    for n, entry in enumerate([ids["c1"][1], ids["c1"][1], ids["c1"][0]]):
        assert cast(voter_api(app, make, f"v{n}@example.org"), slug, "c1", [entry],
                    with_proof=False).status_code == 201
    html = organiser.get(home(slug)).get_data(as_text=True)
    assert facts(html, "ballot-totals")["Counted"] == "3"
    rows = hour_rows(html)
    assert rows[-1] == 3 and sum(rows) == 3 and len(bars(html)) == 1 and ": 3 ballots" in bars(html)[0]
    assert re.search(r'<tfoot><tr><th scope="row">Total</th><td class="num">3</td>', html)
    # The leading entries, from the live counters.
    c1 = html.split('id="board-c1"', 1)[1].split("</table>", 1)[0]
    assert re.search(r"<th scope=\"row\">c1-1</th><td class=\"num\">2</td>.*c1-0</th><td class=\"num\">1</td>", c1)
    assert facts(html, "upkeep")["Live counters' lag"] == "None: they hold every counted ballot"


def test_held_and_invalidated_ballots_are_apart_and_the_queue_counts_them(app, make):
    slug, ids = open_contest(app, pow_bits=0)
    add_ballots(app, slug, "c1", [ids["c1"][0]], 2, status="under_review", reason="burst")
    add_ballots(app, slug, "c2", [ids["c2"][0]], 3, status="invalidated", reason="burst")
    add_ballots(app, slug, "c2", [ids["c2"][1]], 4)  # counted in SQL, never through the live counters
    html = boss(app).get(home(slug)).get_data(as_text=True)
    assert facts(html, "ballot-totals") == {"Counted": "4", "Under review (held, not counted)": "2",
                                            "Invalidated": "3"}
    assert facts(html, "review-queue") == {"Held ballots awaiting a decision": "2",
                                           "Flagged ballots not looked at (counted)": "0", "Open clusters": "0"}
    assert sum(hour_rows(html)) == 9  # the pace counts every ballot cast
    assert facts(html, "upkeep")["Live counters' lag"] == "4 counted ballots are not in the live counters yet"
    assert "(4) with those the live counters hold (0)" in html
    assert facts(html, "upkeep")["Last ledger seal"] == "None yet"
    assert facts(html, "sweeps")["Last sweep"] == "None yet"

    # The rebuild catches the counters up; its job is listed with a link to its page.
    organiser = boss(app)
    resp = submit(organiser, home(slug), f"/organiser/contests/{slug}/counters/rebuild")
    job_url = f"/organiser/jobs/rebuild-counters-{contest_id(app, slug)}"
    assert resp.status_code == 303 and resp.headers["Location"] == job_url
    doc = page(organiser.get(home(slug)))
    assert doc.find("a", href=job_url) and "Rebuild of the live counters Waiting to start" in doc.text
    with app.app_context():
        run_worker(["counters"], burst=True)
    html = organiser.get(home(slug)).get_data(as_text=True)
    assert facts(html, "upkeep")["Live counters' lag"] == "None: they hold every counted ballot"
    assert "Rebuild of the live counters Done" in page(organiser.get(home(slug))).text


def test_the_last_seal_and_sweep(app, make):
    from voting import clock
    from voting.fraud import services as fraud_services
    from voting.ledger import sealing

    slug, ids = open_contest(app, pow_bits=0)
    add_ballots(app, slug, "c1", [ids["c1"][0]], 3)
    cid = contest_id(app, slug)
    with app.app_context():
        assert sealing.seal(cid, clock.now()) is not None
        fraud_services.sweep(cid, clock.now())
        db.session.remove()
    html = boss(app).get(home(slug)).get_data(as_text=True)
    assert re.fullmatch(r"batch 1 at .+; ballots in the ledger: 3", facts(html, "upkeep")["Last ledger seal"])
    assert facts(html, "sweeps")["Last sweep"] != "None yet"


def test_without_redis_the_page_still_shows_what_sql_holds(app, make, make_app):
    slug, ids = open_contest(app, pow_bits=0)
    add_ballots(app, slug, "c1", [ids["c1"][0]], 2)
    down = make_app(redis_url="redis://127.0.0.1:1/0")
    resp = boss(down).get(home(slug))
    check_page(resp)
    html = resp.get_data(as_text=True)
    text = page(resp).text
    assert "The live counters are unavailable right now" in text
    assert "The jobs cannot be listed now: the job queue is unavailable." in text
    assert facts(html, "upkeep")["Live counters' lag"] == "Unknown: the live counters cannot be reached"
    assert facts(html, "ballot-totals")["Counted"] == "2" and sum(hour_rows(html)) == 2


def test_a_contest_without_a_public_vote(app, make):
    from datetime import datetime, timedelta, timezone

    from tests.support.factories import iso

    now = datetime.now(timezone.utc)
    make.organiser(ORGANISER)
    slug = make.contest(slug="hack-test", kind="hackathon", phases={
        "submission": {"opens_at": iso(now - timedelta(days=3)), "closes_at": iso(now + timedelta(days=3))}}).slug
    resp = boss(app).get(home(slug))
    check_page(resp)
    text = page(resp).text
    assert "This contest has no public vote, so it has no ballots and no live counts." in text
    assert "Ballots per hour" not in text and "Rebuild the counters" not in text
    assert "No job of this contest is waiting, running or has run in the last hour." in text


def test_before_voting_opens_there_is_no_chart(app, make):
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import update

    now = datetime.now(timezone.utc)
    slug, _ids = open_contest(app, pow_bits=0)
    with app.app_context():
        db.session.execute(update(Contest).where(Contest.slug == slug).values(
            voting_opens_at=now + timedelta(days=1), voting_closes_at=now + timedelta(days=5)))
        db.session.commit()
        db.session.remove()
    resp = boss(app).get(home(slug))
    check_page(resp)
    assert "Voting has not opened yet: there are no ballots to chart." in page(resp).text
    assert '<svg class="chart"' not in resp.get_data(as_text=True)


def test_in_arabic_the_chart_runs_right_to_left(app, make):
    slug, ids = open_contest(app, pow_bits=0)
    add_ballots(app, slug, "c1", [ids["c1"][0]], 2)
    organiser = boss(app)
    resp = organiser.get(home(slug) + "?lang=ar")
    check_page(resp)
    assert page(resp).find("html")[0]["dir"] == "rtl"
    svg = chart(resp.get_data(as_text=True))
    assert svg.get("direction") == "rtl"
    ticks = [float(t.get("x")) for t in svg.iter(f"{SVG}text") if t.get("class") == "tick"]
    assert ticks == sorted(ticks, reverse=True)  # the first hour on the right


def test_only_the_contests_organisers_see_it(app, client, make):
    slug, _ids = open_contest(app, pow_bits=0)
    assert client.get(home(slug)).status_code in (302, 303)  # signed out: the sign-in page
    make.organiser("other@example.org", manages=False)
    other = app.test_client()
    sign_in(other, "other@example.org")
    check_page(other.get(home(slug)), 403)
    check_page(boss(app).get(home("no-such-contest")), 404)
    make.user("voter@example.org")
    voter = app.test_client()
    sign_in(voter, "voter@example.org")
    check_page(voter.get(home(slug)), 403)
