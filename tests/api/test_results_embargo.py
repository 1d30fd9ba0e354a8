"""The embargo: before publication no public endpoint or page tells counts,
rankings or winners, whoever asks (anonymous, a voter, a judge of another
contest). Every GET route of the app is visited, found from the URL map, so a
route added later is checked too; after publication the results are there."""

from __future__ import annotations

import json
import re

import pytest

from tests.support.api import Api
from tests.support.factories import PASSWORD
from tests.support.results import add_ballots, close_voting, run_tallies
from tests.support.voting import open_contest

# Keys that carry a count, a place or an award in any JSON answer.
SECRET_KEYS = {"public_votes", "ranking", "winners", "champions", "award", "jury_score", "leaves", "counts",
               "categories_counts", "leaderboard", "cut_lines", "margin"}
# Routes that are not about a contest's votes at all, or that only organisers reach (403/401 checked below).
SKIP = {"static", "openapi.openapi", "openapi.docs", "health.health", "health.ready"}


@pytest.fixture
def embargoed(app, make):
    """Voting closed, 37 votes for one entry and 23 for another, tallied, not published."""
    slug, ids = open_contest(app, awards={"policy": "public"})
    add_ballots(app, slug, "c1", [ids["c1"][0]], 37)
    add_ballots(app, slug, "c1", [ids["c1"][1]], 23)
    close_voting(app, slug)
    organiser = Api(app.test_client())
    organiser.login("organiser@example.org", PASSWORD)
    assert organiser.post(f"/api/v1/contests/{slug}/tally").status_code == 202
    run_tallies(app)
    draft = organiser.get(f"/api/v1/contests/{slug}/results?draft=true").get_json()
    assert draft["categories"][0]["ranking"][0]["public_votes"] == 37
    make.user("voter@example.org")
    return {"slug": slug, "ids": ids, "organiser": organiser, "sha": draft["snapshot_sha256"]}


def paths(app, found: dict) -> list[str]:
    values = {"slug": found["slug"], "category": "c1", "entry_id": str(found["ids"]["c1"][0]),
              "sha256": found["sha"], "cluster_id": "1", "job_id": f"tally-1-final", "code": "AAAA-BBBB",
              "_code": "AAAA-BBBB"}
    out = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIP:
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:[a-z]+:)?{name}>", values.get(name, "1"), path)
        out.append(path)
        if "<" not in rule.rule and rule.rule.startswith("/api/"):
            out.append(f"{path}?draft=true")
    for query in ("?draft=true", "?draft=1", "?preview=true"):
        out += [f"/api/v1/contests/{found['slug']}/results{query}", f"/contests/{found['slug']}/results{query}"]
    return sorted(set(out))


def keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


def leaks(resp) -> list[str]:
    text = resp.get_data(as_text=True)
    found = []
    if resp.mimetype == "application/json" and text.strip():
        found += sorted(keys(json.loads(text)) & SECRET_KEYS)
    else:
        lowered = text.lower()
        found += [w for w in ("winner", "champion", "37 votes", ">37<", "37</", "23 votes", ">23<")
                  if w in lowered]
    return found


def visitors(app) -> dict[str, Api]:
    anonymous = Api(app.test_client())
    voter = Api(app.test_client())
    voter.login("voter@example.org", PASSWORD)
    return {"anonymous": anonymous, "voter": voter}


def test_no_public_route_tells_counts_rankings_or_winners_before_publication(app, embargoed):
    problems = []
    for who, api in visitors(app).items():
        for path in paths(app, embargoed):
            resp = api.get(path)
            assert resp.status_code < 500, (who, path, resp.status_code)
            if resp.status_code < 400 or resp.status_code not in (401, 403):
                problems += [f"{who} {path}: {w}" for w in leaks(resp)]
    assert not problems, problems


def test_after_publication_the_results_are_public(app, embargoed):
    slug = embargoed["slug"]
    assert embargoed["organiser"].post(f"/api/v1/contests/{slug}/results/publish").status_code == 200
    anonymous = visitors(app)["anonymous"]
    results = anonymous.get(f"/api/v1/contests/{slug}/results").get_json()
    assert results["categories"][0]["ranking"][0]["public_votes"] == 37
    ledger = anonymous.get(f"/api/v1/contests/{slug}/ledger").get_json()
    assert ledger["leaves_published"] is True and sum(b["size"] for b in ledger["batches"]) == 60
