"""Fraud review and audit endpoints of the public API (organisers only)."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import Blueprint, jsonify
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, StringConstraints

from voting import clock
from voting.api.request import parse_body
from voting.audit import services as audit
from voting.ballots import jobs as ballot_jobs
from voting.contests.access import managed_contest
from voting.fraud import decisions, jobs, overview, report, services

bp = Blueprint("fraud_api", __name__, url_prefix="/api/v1")
Reason = Annotated[StrictStr, StringConstraints(max_length=500)]


class DecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["count", "invalidate"]
    reason: Reason


class BallotDecisionBody(DecisionBody):
    ballot_ids: Annotated[list[Annotated[StrictInt, Field(ge=1, le=2**31 - 1)]], Field(min_length=1,
                                                                                       max_length=10000)]


@bp.post("/contests/<slug>/fraud/sweep")
def sweep(slug: str):
    contest, _user = managed_contest(slug)
    services.require_open_review(contest)
    job = jobs.enqueue_sweep(contest.id, final=services.voting_closed(contest, clock.now()), full=True)
    return jsonify({"job_id": job.id}), 202


@bp.get("/contests/<slug>/fraud/status")
def review_status(slug: str):
    contest, _user = managed_contest(slug)
    return jsonify(overview.status(contest))


@bp.get("/contests/<slug>/fraud/clusters")
def clusters(slug: str):
    contest, _user = managed_contest(slug)
    return jsonify({"clusters": overview.clusters(contest)})


@bp.post("/contests/<slug>/fraud/clusters/<int:cluster_id>/decision")
def decide_cluster(slug: str, cluster_id: int):
    contest, actor = managed_contest(slug)
    cluster = services.get_cluster(contest, cluster_id)
    body = parse_body(DecisionBody)
    services.require_open_review(contest)
    result = decisions.decide_cluster(contest, cluster, body.decision, body.reason, actor, clock.now())
    ballot_jobs.enqueue_rebuild(contest.id)
    return jsonify(result)


@bp.post("/contests/<slug>/fraud/ballots/decision")
def decide_ballots(slug: str):
    contest, actor = managed_contest(slug)
    body = parse_body(BallotDecisionBody)
    services.require_open_review(contest)
    result = decisions.decide(contest, body.ballot_ids, body.decision, body.reason, actor, clock.now())
    ballot_jobs.enqueue_rebuild(contest.id)
    return jsonify(result)


@bp.get("/contests/<slug>/fraud/report")
def invalidation_report(slug: str):
    contest, _user = managed_contest(slug)
    return jsonify(report.invalidation_report(contest, flagged=True))


@bp.get("/contests/<slug>/audit")
def audit_log(slug: str):
    contest, _user = managed_contest(slug)
    return jsonify({"contest": contest.slug, "entries": [audit.serialise(e) for e in audit.entries(contest)]})
