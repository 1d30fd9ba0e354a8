"""Team endpoints of the public API (shared/API.md, "Teams"). Thin: parse,
call one service, serialise. Guards come before bodies, so a caller who may
not act learns that first (401, 403), whatever the body."""

from __future__ import annotations

from typing import Annotated

from flask import Blueprint, jsonify
from pydantic import BaseModel, ConfigDict, StrictStr, StringConstraints

from voting import clock
from voting.api.request import parse_body
from voting.auth import require_user
from voting.submissions.teams import services
from voting.submissions.teams.limits import invitation_limits

bp = Blueprint("teams_api", __name__, url_prefix="/api/v1")


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TeamBody(Body):
    # The service says what a good name is; this bounds only what is read.
    name: Annotated[StrictStr, StringConstraints(max_length=1000)]


class InvitationBody(Body):
    email: Annotated[StrictStr, StringConstraints(max_length=320)]


class JoinBody(Body):
    token: Annotated[StrictStr, StringConstraints(max_length=1000)]


@bp.post("/contests/<slug>/teams")
def create_team(slug: str):
    user = require_user()
    body = parse_body(TeamBody)
    team = services.create_team(slug, user, body.name, clock.now())
    return jsonify(services.serialise(team)), 201


@bp.get("/teams/<int:team_id>")
def get_team(team_id: int):
    team = services.readable_team(team_id, require_user())
    return jsonify(services.serialise(team))


@bp.post("/teams/<int:team_id>/invitations")
@invitation_limits
def invite(team_id: int):
    user = require_user()
    services.member_team(team_id, user)  # the guard: members only, before the body is read
    body = parse_body(InvitationBody)
    invitation = services.invite(team_id, user, body.email, clock.now())
    return jsonify({"email": invitation.email, "expires_at": invitation.expires_at.isoformat()}), 201


@bp.post("/teams/join")
def join():
    user = require_user()
    body = parse_body(JoinBody)
    team = services.join(body.token, user, clock.now())
    return jsonify(services.serialise(team))


@bp.delete("/teams/<int:team_id>/members/me")
def leave(team_id: int):
    services.leave(team_id, require_user(), clock.now())
    return "", 204
