"""Exports: the results as CSV and JSON (published for everyone, the draft
for organisers), the anonymised ballots streamed as CSV, and the judges'
score sheets as CSV; who may download what."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.api.test_openapi import check_response
from tests.support.api import Api, assert_error
from tests.support.factories import PASSWORD
from tests.support.jury import JUDGES
from tests.support.jury import SLUG as JURY_SLUG
from tests.support.jury import jury_contest
from tests.support.results import close_voting, public_vote, run_tallies

EXPORTS = "/api/v1/contests/{slug}/exports"


@pytest.fixture
def tallied(app):
    """A closed public vote, tallied and not published: c1 5/3/3 votes, c2 2/0/0, plus held ballots."""
    slug, ids = public_vote(app)
    close_voting(app, slug)
    api = Api(app.test_client())
    api.login("organiser@example.org", PASSWORD)
    assert api.post(f"/api/v1/contests/{slug}/tally").status_code == 202
    run_tallies(app)
    return slug, ids


@pytest.fixture
def organiser(app, tallied) -> Api:
    """The organiser of the tallied contest."""
    api = Api(app.test_client())
    api.login("organiser@example.org", PASSWORD)
    return api


def rows(resp) -> list[dict[str, str]]:
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    assert resp.mimetype == "text/csv" and resp.mimetype_params.get("charset") == "utf-8"
    return list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))


def header(resp) -> list[str]:
    return next(csv.reader(io.StringIO(resp.get_data(as_text=True))))


def attachment(resp) -> str:
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    return disposition.split("=", 1)[1].strip('"')


def test_results_follow_the_embargo(app, client, make, organiser, tallied):
    slug, ids = tallied
    base = EXPORTS.format(slug=slug)
    for name in ("results.csv", "results.json"):
        assert_error(client.get(f"{base}/{name}"), 404, "not_published")
        assert_error(client.get(f"{base}/{name}?draft=true"), 401, "login_required")
        assert_error(client.get(f"{base}/{name}?draft=perhaps"), 422, "validation_error")
    make.user("voter@example.org")
    voter = Api(app.test_client())
    voter.login("voter@example.org", PASSWORD)
    assert_error(voter.get(f"{base}/results.csv?draft=true"), 403, "forbidden")
    assert_error(client.get("/api/v1/contests/no-such/exports/results.csv"), 404, "not_found")

    draft = organiser.get(f"/api/v1/contests/{slug}/results?draft=true").get_json()
    resp = organiser.get(f"{base}/results.csv?draft=true")
    assert header(resp) == ["category", "rank", "entry_id", "title", "public_votes", "jury_score", "hybrid_score",
                            "award", "champion"]
    found = rows(resp)
    assert [(r["category"], r["entry_id"], r["public_votes"], r["award"]) for r in found][:4] == [
        ("c1", str(draft["categories"][0]["ranking"][0]["entry_id"]), "5", "winner"),
        ("c1", str(draft["categories"][0]["ranking"][1]["entry_id"]), "3", ""),
        ("c1", str(draft["categories"][0]["ranking"][2]["entry_id"]), "3", ""),
        ("c2", str(ids["c2"][0]), "2", "winner")]
    assert len(found) == 6
    assert attachment(resp) == f"{slug}-results-{draft['snapshot_sha256'][:12]}.csv"
    assert "no-store" in resp.headers["Cache-Control"]

    assert organiser.post(f"/api/v1/contests/{slug}/results/publish").status_code == 200
    resp = client.get(f"{base}/results.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert attachment(resp) == f"{slug}-results-{draft['snapshot_sha256'][:12]}.json"
    assert json.loads(resp.get_data(as_text=True)) == client.get(f"/api/v1/contests/{slug}/results").get_json()
    assert len(rows(client.get(f"{base}/results.csv"))) == 6


def test_the_answers_fit_the_openapi_document(app, client, organiser, tallied):
    slug, _ids = tallied
    base = EXPORTS.format(slug=slug)
    documented = "/api/v1/contests/{slug}/exports/"
    for name in ("results.json", "results.csv"):
        check_response(client.get(f"{base}/{name}"), documented + name, "get")  # 404 not_published
        check_response(client.get(f"{base}/{name}?draft=true"), documented + name, "get")  # 401
        check_response(client.get(f"{base}/{name}?draft=2"), documented + name, "get")  # 422
    check_response(organiser.get(f"{base}/results.json?draft=true"), documented + "results.json", "get")
    for name in ("ballots.csv", "scores.csv"):
        check_response(client.get(f"{base}/{name}"), documented + name, "get")  # 401
        check_response(organiser.get(f"/api/v1/contests/no-such/exports/{name}"), documented + name, "get")


def test_the_ballots_export_names_nobody(app, client, make, organiser, tallied):
    slug, ids = tallied
    resp = organiser.get(f"{EXPORTS.format(slug=slug)}/ballots.csv")
    assert resp.is_streamed
    assert header(resp) == ["category", "selection", "status", "status_reason"]
    found = rows(resp)
    assert len(found) == 17
    assert sorted({(r["category"], r["selection"]) for r in found}) == sorted(
        {("c1", json.dumps([e])) for e in ids["c1"]} | {("c2", json.dumps([ids["c2"][0]]))})
    assert [r["category"] for r in found] == sorted(r["category"] for r in found)  # grouped by category
    assert sum(r["status"] == "counted" for r in found) == 13
    assert {(r["status"], r["status_reason"]) for r in found if r["status"] != "counted"} == {
        ("invalidated", "burst"), ("under_review", "shared_device")}
    text = resp.get_data(as_text=True)
    for personal in ("2001:db8", "bulk", "@", "0" * 64, "receipt"):  # address, names, mail, device hash, receipts
        assert personal not in text
    assert attachment(resp) == f"{slug}-ballots.csv" and "no-store" in resp.headers["Cache-Control"]

    base = EXPORTS.format(slug=slug)
    for name in ("ballots.csv", "scores.csv"):
        assert_error(client.get(f"{base}/{name}"), 401, "login_required")
    make.user("voter@example.org")
    make.organiser("other@example.org", manages=False)
    for email in ("voter@example.org", "other@example.org"):
        api = Api(app.test_client())
        api.login(email, PASSWORD)
        for name in ("ballots.csv", "scores.csv"):
            assert_error(api.get(f"{base}/{name}"), 403, "forbidden")
    assert_error(organiser.get("/api/v1/contests/no-such/exports/ballots.csv"), 404, "not_found")


def test_the_ballots_export_is_streamed_in_pieces(app, monkeypatch, tallied):
    from sqlalchemy import select

    from voting.contests.models import Contest
    from voting.extensions import db
    from voting.results import exports

    slug, _ids = tallied
    monkeypatch.setattr(exports, "ROWS_PER_CHUNK", 5)
    monkeypatch.setattr(exports, "BATCH", 4)
    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.slug == slug))
        pieces, _name = exports.ballots_csv(contest)
        found = list(pieces)
        db.session.remove()
    assert len(found) == 4  # 17 rows: three pieces of five and the rest
    assert len(list(csv.reader(io.StringIO("".join(found))))) == 18


def test_the_scores_export_has_a_row_per_sheet(app, client, make):
    organiser, ids = jury_contest(app, make)
    resp = organiser.get(f"{EXPORTS.format(slug=JURY_SLUG)}/scores.csv")
    assert header(resp) == ["round", "category", "entry_id", "entry_title", "judge", "status", "weighted_total",
                            "score_impact", "score_feasibility", "comment"]
    found = rows(resp)
    assert len(found) == 8  # four entries, two judges each
    walk = [r for r in found if r["entry_id"] == str(ids["Walk"])]
    assert {r["judge"] for r in walk} <= {e.split("@")[0].title() for e in JUDGES} and len(walk) == 2
    assert {(r["category"], r["status"], r["score_impact"], r["score_feasibility"], r["weighted_total"])
            for r in walk} == {("frailty", "submitted", "9", "3", "7.4")}
    # Text typed by entrants and judges cannot run as a spreadsheet formula.
    assert {r["entry_title"] for r in found if r["entry_id"] == str(ids["=Grip"])} == {"'=Grip"}
    assert {r["comment"] for r in found} == {"'-1 for the budget"}
    assert "@" not in resp.get_data(as_text=True)  # names, not addresses
    assert attachment(resp) == f"{JURY_SLUG}-scores.csv"
