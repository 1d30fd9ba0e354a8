"""Participants' team pages: a contest's team page (form one, or go to yours),
a team's page (members, the invitation form, leaving), and the page the
mailed link opens (accept the invitation).

Thin: each handler reads a form, calls one service and redirects, or renders
the page again with the service's refusal (its message, each problem next to
its field, its HTTP status). The forms are not validated here: CSRFProtect
has checked the token before the view runs, and the services own the rules,
so the pages and the API accept and refuse alike.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from voting import clock
from voting.accounts.forms import sentence, show_error
from voting.accounts.models import User
from voting.auth import login_required, require_user
from voting.errors import ApiError, say
from voting.submissions.teams import services
from voting.submissions.teams.forms import InviteForm, JoinForm, TeamForm
from voting.submissions.teams.limits import invitation_limits
from voting.submissions.teams.models import TeamInvitation

bp = Blueprint("team_pages", __name__)


def _status(err: ApiError | None) -> int:
    return err.status if err else 200


# A contest's team page.

def _contest_page(slug: str, user: User, now: datetime, form: TeamForm | None = None, err: ApiError | None = None):
    contest, team = services.my_team(slug, user, now)
    form = form or TeamForm()
    summary = show_error(form, err.fields) if err else []
    return render_template("teams/contest.html", contest=contest, team=team, form=form, summary=summary,
                           open=services.changes_open(contest, now),
                           message=say(err.message) if err else ""), _status(err)


@bp.get("/contests/<slug>/teams")
@login_required
def contest_teams(slug: str):
    return _contest_page(slug, require_user(), clock.now())


@bp.post("/contests/<slug>/teams")
@login_required
def create(slug: str):
    user, now, form = require_user(), clock.now(), TeamForm()
    try:
        team = services.create_team(slug, user, form.name.data or "", now)
    except ApiError as err:
        return _contest_page(slug, user, now, form, err)
    flash(_("Your team %(name)s is formed. Invite your teammates below.", name=team.name), "success")
    return redirect(url_for(".team", team_id=team.id), 303)


# A team's page.

def _team_page(team_id: int, user: User, now: datetime, form: InviteForm | None = None, err: ApiError | None = None):
    team = services.readable_team(team_id, user)  # 403 and 404 as the API answers them
    form = form or InviteForm()
    summary = show_error(form, err.fields) if err else []
    members = [{"name": m.user.display_name, "you": m.user_id == user.id} for m in team.members]
    return render_template("teams/team.html", team=team, contest=team.contest, members=members, form=form,
                           summary=summary, member=team.has_member(user.id),
                           open=services.changes_open(team.contest, now),
                           message=say(err.message) if err else ""), _status(err)


@bp.get("/teams/<int:team_id>")
@login_required
def team(team_id: int):
    return _team_page(team_id, require_user(), clock.now())


@bp.post("/teams/<int:team_id>/invitations")
@login_required
@invitation_limits
def invite(team_id: int):
    user, now, form = require_user(), clock.now(), InviteForm()
    try:
        invitation = services.invite(team_id, user, (form.email.data or "").strip(), now)
    except ApiError as err:
        return _team_page(team_id, user, now, form, err)
    flash(_("We have sent an invitation to %(email)s.", email=invitation.email), "success")
    return redirect(url_for(".team", team_id=team_id), 303)


@bp.post("/teams/<int:team_id>/leave")
@login_required
def leave(team_id: int):
    user, now = require_user(), clock.now()
    try:
        team, dissolved = services.leave(team_id, user, now)
    except ApiError as err:
        return _team_page(team_id, user, now, err=err)
    if dissolved:
        flash(_("You have left the team %(name)s. It had no other members, so it no longer exists.",
                name=team.name), "success")
    else:
        flash(_("You have left the team %(name)s.", name=team.name), "success")
    return redirect(url_for(".contest_teams", slug=team.contest.slug), 303)


# The mailed link.

def _bad_link(err: ApiError):
    reason = sentence((err.fields or {}).get("token", ""))
    return render_template("teams/bad_link.html", message=say(err.message), reason=reason), err.status


def _join_page(invitation: TeamInvitation, user: User, form: JoinForm, err: ApiError | None = None):
    team = invitation.team
    details = {"team": team.name, "contest": team.contest.title, "email": invitation.email,
               "inviter": invitation.invited_by.display_name if invitation.invited_by else "",
               "yours": invitation.email_normalised == user.email_normalised, "verified": user.verified}
    return render_template("teams/join.html", invitation=details, form=form,
                           message=say(err.message) if err else ""), _status(err)


@bp.get("/teams/join")
@login_required  # signing in comes back here, with the token
def join():
    user, token = require_user(), request.args.get("token", "")
    try:
        invitation = services.pending_invitation(token, clock.now())
    except ApiError as err:
        return _bad_link(err)
    return _join_page(invitation, user, JoinForm(token=token))


@bp.post("/teams/join")
@login_required
def join_submit():
    user, now, form = require_user(), clock.now(), JoinForm()
    token = form.token.data or ""
    try:
        team = services.join(token, user, now)
    except ApiError as err:
        if err.fields and "token" in err.fields:
            return _bad_link(err)
        return _join_page(services.pending_invitation(token, now), user, form, err)
    flash(_("You have joined the team %(name)s.", name=team.name), "success")
    return redirect(url_for(".team", team_id=team.id), 303)
