"""Judging endpoints of the public API: organisers add judges, make the
assignments and follow progress; judges list their entries, score them and
declare conflicts. Thin: parse, call one service, serialise."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import Blueprint, jsonify
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr, StringConstraints

from voting import clock
from voting.api.request import parse_body
from voting.auth import require_user
from voting.contests.access import managed_contest, public_contest
from voting.contests.entries import get_entry

from judging import aggregate, assignments, judges, rounds, scoring

bp = Blueprint("judging_api", __name__, url_prefix="/api/v1")

Short = Annotated[StrictStr, StringConstraints(max_length=320)]
Text = Annotated[StrictStr, StringConstraints(max_length=scoring.COMMENT_LIMIT)]
Id = Annotated[StrictInt, Field(ge=1, le=2**31 - 1)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class JudgeBody(Body):
    email: Short
    display_name: Annotated[StrictStr, StringConstraints(min_length=1, max_length=120)]
    password: Annotated[StrictStr, StringConstraints(max_length=256)] | None = None
    organisation: Annotated[StrictStr, StringConstraints(max_length=200)] | None = None
    expertise: Annotated[list[Annotated[StrictStr, StringConstraints(max_length=64)]], Field(max_length=200)] | None = None


class AssignBody(Body):
    judges_per_entry: Annotated[StrictInt, Field(ge=1, le=50)] | None = None


class ScoreBody(Body):
    scores: dict[Annotated[StrictStr, StringConstraints(max_length=40)], Any]
    comment: Text = ""
    comment_to_entrant: StrictBool = False
    submit: StrictBool = False


class ConflictBody(Body):
    entry_id: Id
    reason: Annotated[StrictStr, StringConstraints(max_length=500)] = ""


class OrganiserConflictBody(ConflictBody):
    judge_id: Id


class RoundBody(Body):
    top: Annotated[StrictInt, Field(ge=1, le=10_000)] | None = None
    min_score: Annotated[StrictFloat, Field(ge=0, le=10, allow_inf_nan=False)] | None = None
    mode: Literal["rubric", "pairwise"] | None = None
    criteria: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=50)] | None = None
    judges_per_entry: Annotated[StrictInt, Field(ge=1, le=50)] | None = None
    judge_ids: Annotated[list[Id], Field(min_length=1, max_length=1000)] | None = None


class ReopenBody(Body):
    judge_id: Id
    entry_id: Id
    reason: Annotated[StrictStr, StringConstraints(max_length=500)]


@bp.post("/contests/<slug>/judges")
def add_judge(slug: str):
    contest, user = managed_contest(slug)
    body = parse_body(JudgeBody)
    # The same answer for a new and an existing account: whether an address has an account is not told.
    return jsonify({"judge": judges.add_judge(contest, body.email, body.display_name, body.password,
                                              body.organisation, body.expertise, user, clock.now())}), 201


@bp.post("/contests/<slug>/assignments")
def make_assignments(slug: str):
    contest, user = managed_contest(slug)
    body = parse_body(AssignBody)
    return jsonify(assignments.plan(contest, user, clock.now(), body.judges_per_entry))


@bp.get("/contests/<slug>/judging/progress")
def progress(slug: str):
    contest, _user = managed_contest(slug)
    return jsonify({"judges": scoring.progress(contest)})


@bp.get("/contests/<slug>/judging/ranking")
def ranking(slug: str):
    contest, _user = managed_contest(slug)
    return jsonify(aggregate.ranking(contest))


@bp.post("/contests/<slug>/judging/conflicts")
def organiser_conflict(slug: str):
    contest, user = managed_contest(slug)
    body = parse_body(OrganiserConflictBody)
    new = assignments.record_conflict(contest, body.judge_id, body.entry_id, body.reason, user, clock.now())
    return jsonify({"entry_id": body.entry_id, "judge_id": body.judge_id}), 201 if new else 200


@bp.post("/contests/<slug>/rounds")
def advance_round(slug: str):
    contest, user = managed_contest(slug)
    body = parse_body(RoundBody)
    return jsonify(rounds.advance(contest, user, clock.now(), top=body.top, min_score=body.min_score,
                                  criteria=body.criteria, judges_per_entry=body.judges_per_entry, mode=body.mode,
                                  judge_ids=body.judge_ids)), 201


@bp.post("/contests/<slug>/judging/reopen")
def reopen(slug: str):
    contest, user = managed_contest(slug)
    body = parse_body(ReopenBody)
    return jsonify(scoring.reopen(contest, body.judge_id, body.entry_id, user, body.reason, clock.now()))


@bp.get("/judging/assignments")
def my_assignments():
    return jsonify({"assignments": scoring.my_assignments(require_user())})


@bp.put("/judging/<slug>/entries/<int:entry_id>/score")
def score(slug: str, entry_id: int):
    user = require_user()
    now = clock.now()
    contest = public_contest(slug, now)
    scoring.require_judge(contest, user)  # before the body: nobody else learns how a sheet is checked
    body = parse_body(ScoreBody)
    return jsonify(scoring.save(contest, entry_id, user, body.scores, body.comment, body.comment_to_entrant,
                                body.submit, now))


@bp.post("/judging/<slug>/conflicts")
def declare_conflict(slug: str):
    user = require_user()
    now = clock.now()
    contest = public_contest(slug, now)
    scoring.require_judge(contest, user)
    body = parse_body(ConflictBody)
    entry = get_entry(body.entry_id, contest)
    new = assignments.add_conflict(contest, user.id, entry, "declared", body.reason, user, now)
    return jsonify({"entry_id": entry.id, "judge_id": user.id}), 201 if new else 200
