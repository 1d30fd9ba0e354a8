"""Pairwise judging endpoints: the pair in front of a judge, and their verdict
on it (or a skip). Thin: parse, call one service, serialise.

A verdict names both entries by id, `{"winner": 12, "loser": 7}`, rather than
"current" or "previous": a verdict sent from a stale page, or twice, can then
be told from one about the pair in front of the judge, and is refused instead
of being applied to the wrong pair."""

from __future__ import annotations

from typing import Annotated

from flask import Blueprint, jsonify
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from voting import clock
from voting.api.request import parse_body
from voting.auth import require_user
from voting.contests.access import public_contest
from voting.errors import validation_error
from voting.i18n.domain import N_

from judging import comparisons, scoring

bp = Blueprint("judging_pairwise_api", __name__, url_prefix="/api/v1")

Id = Annotated[StrictInt, Field(ge=1, le=2**31 - 1)]


class VerdictBody(BaseModel):
    """Either `winner` and `loser` (the pair in front of the judge), or `skip` (one entry of it)."""

    model_config = ConfigDict(extra="forbid")
    winner: Id | None = None
    loser: Id | None = None
    skip: Id | None = None


def check_verdict(body: VerdictBody) -> VerdictBody:
    """The rules across the body's fields (the judges' page checks its form with them too)."""
    if body.skip is not None:
        if body.winner is not None or body.loser is not None:
            raise validation_error({"skip": N_("give either skip or winner and loser, not both")})
        return body
    missing = {name: N_("is required") for name in ("winner", "loser") if getattr(body, name) is None}
    if missing:
        raise validation_error(missing)
    if body.winner == body.loser:
        raise validation_error({"loser": N_("must differ from winner")})
    return body


@bp.get("/judging/<slug>/pairwise/next")
def next_pair(slug: str):
    user = require_user()
    now = clock.now()
    contest = public_contest(slug, now)
    scoring.require_judge(contest, user)
    return jsonify(comparisons.next_entry(contest, user, now))


@bp.post("/judging/<slug>/pairwise/judgements")
def verdict(slug: str):
    user = require_user()
    now = clock.now()
    contest = public_contest(slug, now)
    scoring.require_judge(contest, user)  # before the body: nobody else learns how a verdict is checked
    body = check_verdict(parse_body(VerdictBody))
    if body.skip is not None:
        return jsonify(comparisons.skip(contest, user, body.skip, now))
    return jsonify(comparisons.judge(contest, user, body.winner, body.loser, now))
