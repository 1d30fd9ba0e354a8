"""Downloads of results, anonymised ballots and judges' scores (exports.py).

Results (CSV and the RESULTS JSON): anyone once published, 404
`not_published` before; `?draft=true` gives organisers the latest tally, as
GET …/results does. Ballots and scores: organisers only (401 signed out,
403 anyone else). Thin: check who asks, call one export, wrap it as a file.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, stream_with_context

from voting import clock
from voting.contests.access import managed_contest, public_contest
from voting.contests.models import Contest
from voting.results import exports
from voting.results.api import flag

bp = Blueprint("results_exports", __name__, url_prefix="/api/v1/contests/<slug>/exports")
CSV = "text/csv; charset=utf-8"
JSON = "application/json; charset=utf-8"


def _file(body, mimetype: str, name: str, private: bool) -> Response:
    resp = Response(body, content_type=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    # Drafts, ballots and sheets are for organisers' eyes: no cache may keep them. Published results are
    # checked again each time, so a correction is seen at once.
    resp.headers["Cache-Control"] = "private, no-store" if private else "no-cache"
    return resp


def _results_contest(slug: str) -> tuple[Contest, bool]:
    """The contest and whether the latest tally (organisers) or the published results are asked for."""
    if flag("draft"):
        return managed_contest(slug)[0], True
    return public_contest(slug, clock.now()), False


@bp.get("/results.json")
def results_json(slug: str):
    contest, draft = _results_contest(slug)
    results, name = exports.results_document(contest, draft)
    body = json.dumps(results, ensure_ascii=False, indent=2) + "\n"
    return _file(body, JSON, f"{name}.json", draft)


@bp.get("/results.csv")
def results_csv(slug: str):
    contest, draft = _results_contest(slug)
    body, name = exports.results_csv(contest, draft)
    return _file(body, CSV, f"{name}.csv", draft)


@bp.get("/ballots.csv")
def ballots_csv(slug: str):
    contest, _user = managed_contest(slug)
    pieces, name = exports.ballots_csv(contest)
    # Streamed: the generator reads the ballots while the answer is sent, inside this request's context.
    return _file(stream_with_context(pieces), CSV, f"{name}.csv", True)


@bp.get("/scores.csv")
def scores_csv(slug: str):
    contest, _user = managed_contest(slug)
    body, name = exports.scores_csv(contest)
    return _file(body, CSV, f"{name}.csv", True)
