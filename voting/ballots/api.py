"""Ballot intake, challenges, receipts, leaderboard and counter jobs of the public API."""

from __future__ import annotations

import secrets

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import MethodNotAllowed

from voting import clock, queues
from voting.api.request import parse_body
from voting.auth import login_required_error, remember_verified, require_manager, require_user, session_user
from voting.ballots import backends, challenges, contest_view, counters, intake, jobs, receipt_lookup, route, wire
from voting.contests.domain import phases
from voting.contests.access import managed_contest, public_contest
from voting.errors import not_found, validation_error
from voting.i18n.domain import N_
from voting.netutil import client_ip, network_prefix

bp = Blueprint("ballots_api", __name__, url_prefix="/api/v1")


def device_id() -> str:
    return wire.device_id(request.cookies.get(wire.DEVICE_COOKIE))


def give_device_cookie(response) -> None:
    if not device_id():
        # Secure as the session cookie is (config.Settings.secure_cookies): behind a TLS-terminating proxy
        # the request itself may look like plain HTTP.
        secure = current_app.config["SESSION_COOKIE_SECURE"] or request.is_secure
        response.set_cookie(wire.DEVICE_COOKIE, secrets.token_urlsafe(16), max_age=2 * 365 * 86400, httponly=True,
                            samesite="Lax", secure=secure)


def client_info() -> intake.Client:
    return wire.client(client_ip(), request.headers.get("User-Agent", ""), device_id())


@bp.get("/challenge")
def challenge():
    slug = request.args.get("contest")
    if not slug:
        raise validation_error({"contest": N_("is required")})
    now = clock.now()
    view = contest_view.get(slug)  # 404 for an unknown contest
    if phases.current_phase(view.windows, now, published=False) == "draft":
        public_contest(slug, now)  # a draft: 404 unless the caller organises it (asked only then, not per ballot)
    ip = client_ip()
    issued = challenges.issue(backends.current(), view, now, ip, network_prefix(ip))
    response = jsonify({"token": issued.token, "bits": issued.bits, "expires_at": issued.expires_at.isoformat()})
    response.headers["Cache-Control"] = "no-store"
    give_device_cookie(response)
    return response


@bp.post("/contests/<slug>/ballots")
def cast_ballot(slug: str):
    """Ballots the ballot route (ballots/route.py) does not take as they are,
    and those it began and hands over with the intake's refusal to render."""
    handed_over = route.handed_over(request.environ)
    if handed_over is not None:
        raise handed_over
    voter = session_user()
    if voter is None:
        raise login_required_error()
    contest, intake_backends = contest_view.get(slug), backends.current()
    ballot = wire.ballot_input(intake_backends, contest, parse_body(wire.BallotBody))
    result = intake.cast(intake_backends, contest, voter, client_info(), ballot, clock.now())
    if result.voter_verified and not voter.verified:
        remember_verified()
    response = jsonify({"receipt": result.receipt, "status": "received"})
    give_device_cookie(response)
    return response, 201


@bp.get("/receipts/<code>")
def receipt(code: str):
    if code == "lookup":  # the path of the POST lookup below, which no receipt code can spell
        raise MethodNotAllowed(valid_methods=["POST"])
    return jsonify(receipt_lookup.lookup(code, clock.now()))


@bp.post("/receipts/lookup")
def receipt_by_body():
    """The same answer as `receipt`, with the code in the body: no URL (and
    so no access log, history or Referer) ever holds it."""
    body = parse_body(receipt_lookup.LookupBody)
    return jsonify(receipt_lookup.lookup(body.receipt, clock.now()))


@bp.get("/contests/<slug>/leaderboard")
def leaderboard(slug: str):
    contest, _user = managed_contest(slug)
    return jsonify({"categories": counters.leaderboard(contest)})


@bp.post("/contests/<slug>/counters/rebuild")
def rebuild(slug: str):
    contest, _user = managed_contest(slug)
    job = jobs.enqueue_rebuild(contest.id)
    return jsonify({"job_id": job.id}), 202


@bp.get("/jobs/<job_id>")
def job_status(job_id: str):
    user = require_user()
    found = queues.job_status(job_id) if len(job_id) <= 100 else None
    if found is None:
        raise not_found("job")
    status, contest_id = found
    if contest_id is None:
        if not user.is_admin:  # a job of no contest (the periodic tick): admins only
            raise not_found("job")
    else:
        require_manager(contest_id)
    return jsonify(status)
