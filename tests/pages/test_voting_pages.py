"""The voting pages, used the way a browser would: sign in through the login
page, read the ballot form, fill in the proof of work and what the page saw as
pow.js does (asking the challenge endpoint and solving it, here in Python) and
send the form."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import redis
from rq import Queue
from sqlalchemy import select

from tests.pages.support import page, sign_in, submit
from tests.pages.test_page_quality import check_page
from tests.support.factories import PASSWORD, iso
from tests.support.voting import open_contest
from voting.guards.domain import pow
from voting.ballots.models import Ballot
from voting.contests.services import get_contest
from voting.extensions import db

VOTER = "voter@example.org"
FORM_FIELDS = {"csrf_token", "rendered", "website", "pow_token", "pow_nonce", "script"}
# What pow.js writes into the form's `script` field as the ballot leaves.
SCRIPT_SEEN = '{"visible_ms":41250,"input":true}'
# For each method: the form's choices for entries (a, b, c), and the selection the API stores.
METHODS = {
    "single": (lambda a, b, c: {"choice": str(b)}, lambda a, b, c: [b]),
    "approval": (lambda a, b, c: {"choice": [str(a), str(c)]}, lambda a, b, c: [a, c]),
    "score": (lambda a, b, c: {f"score-{a}": "4", f"score-{c}": "1"}, lambda a, b, c: {str(a): 4, str(c): 1}),
    "ranked": (lambda a, b, c: {f"rank-{c}": "1", f"rank-{a}": "2"}, lambda a, b, c: [c, a]),
}


def ballot_url(slug: str, category: str = "c1") -> str:
    return f"/contests/{slug}/vote/{category}"


def proof(client, slug: str) -> dict[str, str]:
    body = client.get(f"/api/v1/challenge?contest={slug}").get_json()
    return {"pow_token": body["token"], "pow_nonce": pow.solve(body["token"], body["bits"])}


def form_fields(client, slug: str, category: str = "c1") -> dict:
    """The ballot form's own fields (CSRF token, honeypot, render time, proof)."""
    fields = page(client.get(ballot_url(slug, category))).form(ballot_url(slug, category))["fields"]
    return {name: value for name, value in fields.items() if name in FORM_FIELDS}


def vote(client, slug: str, choices: dict, category: str = "c1", with_proof: bool = True, fields=None,
         with_script: bool | None = None, **extra):
    """`with_script`: as if pow.js ran (by default, when it sends a proof)."""
    body = {**(fields or form_fields(client, slug, category)), **choices}
    if with_proof:
        body.update(proof(client, slug))
    if with_proof if with_script is None else with_script:
        body["script"] = SCRIPT_SEEN
    body.update(extra)
    return client.post(ballot_url(slug, category), data=body)


def receipt_code(html: str) -> str:
    match = re.search(r"<code>([A-Z2-7]{4}(?:-[A-Z2-7]{1,4})+)</code>", html)
    assert match, html[:3000]
    return match.group(1)


def stored(app) -> list[Ballot]:
    with app.app_context():
        rows = list(db.session.scalars(select(Ballot).order_by(Ballot.id)))
        db.session.remove()
    return rows


def contest_id(app, slug: str) -> int:
    with app.app_context():
        found = get_contest(slug).id
        db.session.remove()
    return found


@pytest.mark.parametrize("method", list(METHODS))
def test_vote_with_each_method(app, client, make, method):
    slug, ids = open_contest(app, method=method, max_choices=2, score_max=5)
    a, b, c = ids["c1"]
    make.user(VOTER)
    resp = client.get(ballot_url(slug))
    assert resp.status_code == 302 and resp.headers["Location"] == f"/login?next={ballot_url(slug)}"
    resp = submit(client, resp.headers["Location"], "/login", email=VOTER, password=PASSWORD)
    assert resp.headers["Location"] == ballot_url(slug)

    resp = client.get(ballot_url(slug))
    check_page(resp)
    doc = page(resp)
    labels = {attrs["for"] for tag, attrs in doc.elements if tag == "label"}
    if method in ("single", "approval"):
        kind = "radio" if method == "single" else "checkbox"
        assert len(doc.find("input", type=kind, name="choice")) == 3
        assert {f"choice-{e}" for e in (a, b, c)} <= labels
    elif method == "score":
        assert len(doc.find("fieldset")) == 3 and len(doc.find("input", type="radio", name=f"score-{a}")) == 6
        assert "Give each entry from 0 to 5 stars." in doc.text and "4 stars" in doc.text
    else:
        assert {f"rank-{e}" for e in (a, b, c)} <= labels and len(doc.find("select")) == 3
        assert "Not ranked" in doc.text
    assert all(f"c1-{i}" in doc.text for i in range(3))  # each choice labelled with its entry's title
    if method == "approval":
        assert "Choose up to 2 entries." in doc.text
    (honeypot,) = doc.find("input", name="website")
    assert honeypot["tabindex"] == "-1" and honeypot["autocomplete"] == "off" and "aria-hidden" not in honeypot
    assert doc.find("label", for_="website")
    assert doc.find("script", src="/static/pow.js", defer="") and "<noscript>" in doc.html
    assert doc.find("p", role="status")

    make_choices, selection = METHODS[method]
    resp = vote(client, slug, make_choices(a, b, c))
    assert resp.status_code == 303, page(resp).text[:2000]
    assert resp.headers["Location"] == ballot_url(slug) + "/thanks"
    thanks = client.get(resp.headers["Location"])
    check_page(thanks)
    code = receipt_code(thanks.get_data(as_text=True))
    assert code not in resp.headers["Location"]
    check = page(thanks).form("/receipts")  # "Check this receipt": a POST, the code in no URL
    assert check["method"] == "post" and check["fields"]["code"] == code
    assert code not in client.get(ballot_url(slug) + "/thanks").get_data(as_text=True)  # shown once

    receipt = client.post("/receipts", data=check["fields"])
    check_page(receipt)
    text = page(receipt).text
    assert "Received" in text and "C1 Public governance" in text and "WSIS Prizes (test)" in text
    assert VOTER not in text and "c1-" not in text  # neither the voter nor the choice

    (ballot,) = stored(app)
    assert ballot.selection == selection(a, b, c) and ballot.status == "counted"
    assert ballot.flags == [] and ballot.page_ms is not None and ballot.page_ms >= 0

    again = client.get(ballot_url(slug))
    assert "You have already voted in this category" in page(again).text
    assert not [f for f in page(again).forms if f["action"] == ballot_url(slug)]


def test_a_second_vote_in_a_category_is_409(app, client, make):
    slug, ids = open_contest(app)
    make.user(VOTER)
    sign_in(client, VOTER)
    fields = form_fields(client, slug)
    assert vote(client, slug, {"choice": str(ids["c1"][0])}, fields=fields).status_code == 303
    resp = vote(client, slug, {"choice": str(ids["c1"][1])}, fields=fields)
    check_page(resp, 409)
    assert "You have already voted in this category" in page(resp).text
    assert len(stored(app)) == 1


def test_honeypot_gets_the_normal_confirmation_but_is_held(app, client, make):
    slug, ids = open_contest(app)
    make.user(VOTER)
    sign_in(client, VOTER)
    resp = vote(client, slug, {"choice": str(ids["c1"][0])}, website="http://spam.example")
    assert resp.status_code == 303
    code = receipt_code(client.get(resp.headers["Location"]).get_data(as_text=True))
    assert "Received" in page(submit(client, "/receipts", code=code)).text
    (ballot,) = stored(app)
    assert ballot.status == "under_review" and "honeypot" in ballot.flags


def test_duplicate_ranks_are_a_form_error(app, client, make):
    slug, ids = open_contest(app, method="ranked")
    a, b, c = ids["c1"]
    make.user(VOTER)
    sign_in(client, VOTER)
    resp = vote(client, slug, {f"rank-{a}": "1", f"rank-{b}": "1", f"rank-{c}": "2"})
    check_page(resp, 422)
    doc = page(resp)
    assert "These entries share rank 1: “c1-0”, “c1-1”." in doc.text
    assert doc.find("a", href=f"#rank-{a}")
    assert doc.find("select", id=f"rank-{a}")[0]["aria-invalid"] == "true"
    assert not doc.find("select", id=f"rank-{c}")[0].get("aria-invalid")
    assert '<option selected>2</option>' in doc.html.split(f'id="rank-{c}"')[1].split("</select>")[0]
    assert doc.find("input", name="pow_token")[0]["value"] == ""  # a new proof for the next try
    assert stored(app) == []


def test_nothing_chosen_is_a_form_error(app, client, make):
    slug, ids = open_contest(app)
    make.user(VOTER)
    sign_in(client, VOTER)
    resp = vote(client, slug, {})
    check_page(resp, 422)
    assert "Choose an entry before you send your vote." in page(resp).text


def test_a_selection_the_intake_refuses_is_422_with_its_reason(app, client, make):
    slug, ids = open_contest(app, method="approval", max_choices=2)
    make.user(VOTER)
    sign_in(client, VOTER)
    resp = vote(client, slug, {"choice": [str(e) for e in ids["c1"]]})
    check_page(resp, 422)
    assert "Choose between 1 and 2 entries." in page(resp).text
    assert all(page(resp).find("input", id=f"choice-{e}")[0].get("checked") is not None for e in ids["c1"])
    assert vote(client, slug, {"choice": [str(e) for e in ids["c1"][:2]]}).status_code == 303


def test_missing_proof_is_400_with_a_clear_message(app, client, make):
    slug, ids = open_contest(app, pow_bits=4)
    make.user(VOTER)
    sign_in(client, VOTER)
    resp = vote(client, slug, {"choice": str(ids["c1"][1])}, with_proof=False)
    check_page(resp, 400)
    doc = page(resp)
    assert "could not prove that this vote comes from a person's browser" in doc.text
    assert doc.find("input", id=f"choice-{ids['c1'][1]}")[0].get("checked") is not None  # choice kept
    assert stored(app) == []


def test_without_proof_of_work_no_script_is_needed_and_its_absence_is_recorded(app, client, make):
    """The form path without JavaScript: with pow_bits 0 the page still votes,
    and its ballot is flagged no_script (not held); with the script, nothing."""
    slug, ids = open_contest(app, pow_bits=0)
    make.user(VOTER)
    sign_in(client, VOTER)
    doc = page(client.get(ballot_url(slug)))
    assert "<noscript>" not in doc.html
    assert doc.find("script", src="/static/pow.js", defer="")  # still: it tells what the page saw
    assert doc.find("input", type="hidden", name="script")
    assert vote(client, slug, {"choice": str(ids["c1"][0])}, with_proof=False).status_code == 303
    assert vote(client, slug, {"choice": str(ids["c2"][0])}, category="c2", with_proof=False,
                with_script=True).status_code == 303
    without, with_script = stored(app)
    assert without.status == "counted" and without.flags == ["no_script"] and without.page_ms is not None
    assert with_script.status == "counted" and with_script.flags == []


def test_rate_limited_page_says_when_to_retry(app, client, make):
    slug, ids = open_contest(app, rate_limits={"account": "1/hour"})
    make.user(VOTER)
    sign_in(client, VOTER)
    assert vote(client, slug, {"choice": str(ids["c1"][0])}).status_code == 303
    resp = vote(client, slug, {"choice": str(ids["c2"][0])}, category="c2")
    check_page(resp, 429)
    assert int(resp.headers["Retry-After"]) >= 1 and "Too many votes" in page(resp).text


def test_my_votes_shows_the_used_categories_and_not_the_choices(app, client, make):
    slug, ids = open_contest(app)
    make.user(VOTER)
    assert client.get(f"/contests/{slug}/my-votes").status_code == 302
    sign_in(client, VOTER)
    assert vote(client, slug, {"choice": str(ids["c1"][2])}).status_code == 303
    resp = client.get(f"/contests/{slug}/my-votes")
    check_page(resp)
    doc = page(resp)
    assert "Voted on" in doc.text and not any(f"c1-{i}" in doc.html for i in range(3))
    assert not doc.find("a", href=ballot_url(slug, "c1")) and doc.find("a", href=ballot_url(slug, "c2"))

    contest_page = page(client.get(f"/contests/{slug}"))
    assert contest_page.find("a", href=f"/contests/{slug}/my-votes")
    assert contest_page.find("a", href=ballot_url(slug, "c2"))
    assert page(client.get(f"/contests/{slug}/categories/c2")).find("a", href=ballot_url(slug, "c2"))


def test_unverified_voter_is_sent_to_confirm_the_address(app, client, make):
    slug, ids = open_contest(app)
    make.user(VOTER, verified=False)
    sign_in(client, VOTER)
    doc = page(client.get(ballot_url(slug)))
    assert doc.find("a", href="/verify/resend")
    assert not [f for f in doc.forms if f["action"] == ballot_url(slug)]
    token = doc.form("/logout")["fields"]["csrf_token"]
    resp = vote(client, slug, {"choice": str(ids["c1"][0])}, fields={"csrf_token": token})
    check_page(resp, 403)
    assert page(resp).find("a", href="/verify/resend")
    assert stored(app) == []


def test_voting_not_open_says_when_it_opens(app, client, make):
    now = datetime.now(timezone.utc)
    make.organiser()
    # Entries closed yesterday (a draft, before any window, would not be shown at all).
    make.contest(phases={"submission": {"opens_at": iso(now - timedelta(days=9)),
                                        "closes_at": iso(now - timedelta(days=1))},
                         "voting": {"opens_at": iso(now + timedelta(days=2)),
                                    "closes_at": iso(now + timedelta(days=9))}})
    make.user(VOTER)
    sign_in(client, VOTER)
    url = ballot_url("wsis-prizes-test")
    resp = client.get(url)
    check_page(resp)
    doc = page(resp)
    assert "Voting opens on" in doc.text and not [f for f in doc.forms if f["action"] == url]
    assert not page(client.get("/contests/wsis-prizes-test")).find("a", href=url)
    token = doc.form("/logout")["fields"]["csrf_token"]
    resp = client.post(url, data={"csrf_token": token, "choice": "1"})
    check_page(resp, 409)
    assert "Voting opens on" in page(resp).text
    assert client.get(ballot_url("wsis-prizes-test", "nope")).status_code == 404


def test_receipt_lookup(app, client):
    resp = client.get("/receipts")
    check_page(resp)
    assert page(resp).form("/receipts")["method"] == "post"  # the code goes in the body, in no URL
    resp = submit(client, "/receipts", code="ABCD-EFGH")
    check_page(resp, 404)
    assert "There is no ballot with the receipt code “ABCD-EFGH”" in page(resp).text
    check_page(submit(client, "/receipts", code=" "), 422)


def test_leaderboard_for_organisers(app, client, make, redis_client, monkeypatch):
    slug, ids = open_contest(app)
    make.user(VOTER)
    sign_in(client, VOTER)
    assert vote(client, slug, {"choice": str(ids["c1"][1])}).status_code == 303
    url = f"/organiser/contests/{slug}/leaderboard"
    check_page(client.get(url), 403)

    organiser = app.test_client()
    sign_in(organiser, "organiser@example.org")
    assert page(organiser.get("/organiser/")).find("a", href=url)
    resp = organiser.get(url)
    check_page(resp)
    doc = page(resp)
    assert "counted ballots only" in doc.text and "tally" in doc.text
    first_row = doc.html.split("<tbody>")[1].split("</tr>")[0]
    assert "c1-1" in first_row and '<td class="num">1</td>' in first_row

    resp = submit(organiser, url, f"/organiser/contests/{slug}/counters/rebuild")
    assert resp.status_code == 303 and resp.headers["Location"].startswith("/organiser/jobs/rebuild-counters-")
    flashed = re.search(r"The counters are being rebuilt from the ballots \(job ([^)]+)\)\.",
                        page(organiser.get(resp.headers["Location"])).text)
    assert flashed and str(contest_id(app, slug)) in flashed.group(1)
    assert flashed.group(1) in Queue("counters", connection=redis_client).job_ids

    def unreachable(*args):
        raise redis.ConnectionError("down")
    monkeypatch.setattr("voting.ballots.live.board", unreachable)
    resp = organiser.get(url)
    check_page(resp)
    assert "The live counters are unavailable right now" in page(resp).text


@pytest.mark.parametrize("method", ["score", "ranked"])
def test_a_big_category_ballot_stays_under_100_kb(app, client, make, method):
    slug, ids = open_contest(app, method=method, entries_per_category=100)
    make.user(VOTER)
    sign_in(client, VOTER)
    resp = client.get(ballot_url(slug))
    check_page(resp)  # includes the weight
    if method == "ranked":
        assert "You can rank up to 30 entries." in page(resp).text
        assert "<option>30</option>" in resp.get_data(as_text=True)
        assert "<option>31</option>" not in resp.get_data(as_text=True)
