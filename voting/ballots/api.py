"""Ballot intake, challenges, receipts, leaderboard and counter jobs of the public API."""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Annotated, Any

from flask import Blueprint, jsonify, request
from pydantic import BaseModel, ConfigDict, StrictStr, StringConstraints

from voting import clock, queues
from voting.api.request import parse_body
from voting.auth import login_required_error, remember_verified, require_organiser, session_user
from voting.ballots import backends, challenges, contest_view, counters, intake, jobs, receipt_lookup
from voting.contests.services import get_contest
from voting.errors import not_found, validation_error
from voting.netutil import client_ip, network_prefix

bp = Blueprint("ballots_api", __name__, url_prefix="/api/v1")

DEVICE_COOKIE = "vdid"
DEVICE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
Short = Annotated[StrictStr, StringConstraints(max_length=500)]


class Proof(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: Short
    nonce: Annotated[StrictStr, StringConstraints(max_length=40)]


class FormSignals(BaseModel):
    """What a ballot page sends besides the ballot: the honeypot field and the
    signed render time."""
    model_config = ConfigDict(extra="forbid")
    website: Short = ""
    rendered: Short | None = None


class BallotBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: Annotated[StrictStr, StringConstraints(max_length=64)]
    selection: list[Any] | dict[str, Any]
    pow: Proof | None = None
    form: FormSignals | None = None


def device_id() -> str:
    value = request.cookies.get(DEVICE_COOKIE, "")
    return value if DEVICE_PATTERN.match(value) else ""


def give_device_cookie(response) -> None:
    if not device_id():
        response.set_cookie(DEVICE_COOKIE, secrets.token_urlsafe(16), max_age=2 * 365 * 86400, httponly=True,
                            samesite="Lax", secure=request.is_secure)


def client_info() -> intake.Client:
    ip = client_ip()
    agent = request.headers.get("User-Agent", "")[:512]
    return intake.Client(ip=ip, prefix=network_prefix(ip), device_id=device_id(),
                         user_agent_hash=hashlib.sha256(agent.encode()).hexdigest())


@bp.get("/challenge")
def challenge():
    slug = request.args.get("contest")
    if not slug:
        raise validation_error({"contest": "is required"})
    issued = challenges.issue(backends.current(), contest_view.get(slug), clock.now())
    response = jsonify({"token": issued.token, "bits": issued.bits, "expires_at": issued.expires_at.isoformat()})
    response.headers["Cache-Control"] = "no-store"
    give_device_cookie(response)
    return response


@bp.post("/contests/<slug>/ballots")
def cast_ballot(slug: str):
    voter = session_user()
    if voter is None:
        raise login_required_error()
    contest, intake_backends = contest_view.get(slug), backends.current()
    body = parse_body(BallotBody)
    form = body.form or FormSignals()
    ballot = intake.BallotInput(
        category=body.category, selection=body.selection,
        pow_token=body.pow.token if body.pow else None, pow_nonce=body.pow.nonce if body.pow else None,
        honeypot=form.website, rendered_at=challenges.rendered_at(intake_backends, contest, form.rendered))
    result = intake.cast(intake_backends, contest, voter, client_info(), ballot, clock.now())
    if result.voter_verified and not voter.verified:
        remember_verified()
    response = jsonify({"receipt": result.receipt, "status": "received"})
    give_device_cookie(response)
    return response, 201


@bp.get("/receipts/<code>")
def receipt(code: str):
    return jsonify(receipt_lookup.lookup(code, clock.now()))


@bp.get("/contests/<slug>/leaderboard")
def leaderboard(slug: str):
    require_organiser()
    return jsonify({"categories": counters.leaderboard(get_contest(slug))})


@bp.post("/contests/<slug>/counters/rebuild")
def rebuild(slug: str):
    require_organiser()
    job = jobs.enqueue_rebuild(get_contest(slug).id)
    return jsonify({"job_id": job.id}), 202


@bp.get("/jobs/<job_id>")
def job_status(job_id: str):
    require_organiser()
    status = queues.job_status(job_id) if len(job_id) <= 100 else None
    if status is None:
        raise not_found("job")
    return jsonify(status)
