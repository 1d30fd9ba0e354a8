"""Tallies and results in the public API (shared/API.md, "Tallies and
results"): organisers tally, read drafts and publish; everyone reads the
published RESULTS. Thin: parse, call one service, serialise."""

from __future__ import annotations

from typing import Annotated

from flask import Blueprint, jsonify, request
from pydantic import AwareDatetime, BaseModel, ConfigDict, StrictStr, StringConstraints

from voting import clock
from voting.api.request import json_payload, validate
from voting.contests.access import managed_contest, manages, public_contest
from voting.errors import validation_error
from voting.i18n.domain import N_
from voting.results import services

bp = Blueprint("results_api", __name__, url_prefix="/api/v1")
FLAGS = {"true": True, "1": True, "false": False, "0": False}


class PublishBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: AwareDatetime | None = None
    reason: Annotated[StrictStr, StringConstraints(max_length=services.REASON_MAX)] | None = None
    # The tally the organiser reviewed: publishing refuses (409) if a newer one has been made since.
    snapshot_sha256: Annotated[StrictStr, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None


def flag(name: str) -> bool:
    """A yes/no query parameter: true/false or 1/0; anything else is a 422."""
    raw = request.args.get(name)
    if raw is None:
        return False
    if raw.lower() not in FLAGS:
        raise validation_error({name: N_("must be true or false")})
    return FLAGS[raw.lower()]


@bp.post("/contests/<slug>/tally")
def tally(slug: str):
    contest, user = managed_contest(slug)
    job_id = services.request_tally(contest, user, flag("preview"), clock.now())
    return jsonify({"job_id": job_id, "review": services.review_status(contest)}), 202


@bp.get("/contests/<slug>/results")
def results(slug: str):
    if flag("draft"):
        contest, _ = managed_contest(slug)
        return jsonify(services.draft_results(contest))
    return jsonify(services.public_results(public_contest(slug, clock.now())))


@bp.post("/contests/<slug>/results/publish")
def publish(slug: str):
    contest, user = managed_contest(slug)
    body = validate(PublishBody, json_payload()) if request.get_data(cache=True) else PublishBody()
    return jsonify(services.publish(contest, user, clock.now(), body.at, body.reason, body.snapshot_sha256))


@bp.get("/contests/<slug>/results/snapshots/<sha256>")
def snapshot(slug: str, sha256: str):
    """A snapshot's whole body, to check its hash and recount: public once
    published, to the contest's organisers always."""
    contest = public_contest(slug, clock.now())
    found = services.snapshot_body(contest, sha256, manages(contest))
    return jsonify(found)
