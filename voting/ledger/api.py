"""The published ledger of a contest: readable by anyone (docs/ledger.md)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from voting import clock
from voting.contests.services import get_contest
from voting.ledger import publish

bp = Blueprint("ledger_api", __name__, url_prefix="/api/v1")


@bp.get("/contests/<slug>/ledger")
def ledger(slug: str):
    return jsonify(publish.ledger_json(get_contest(slug), clock.now()))
