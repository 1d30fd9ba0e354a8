"""The published ledger of a contest: readable by anyone (docs/ledger.md)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from voting import clock
from voting.contests.access import public_contest
from voting.ledger import publish

bp = Blueprint("ledger_api", __name__, url_prefix="/api/v1")


@bp.get("/contests/<slug>/ledger")
def ledger(slug: str):
    now = clock.now()
    return jsonify(publish.ledger_json(public_contest(slug, now), now))
