"""Invitations' rate limits, shared by the API and the pages: one budget per
account and one per team, whichever door the invitations go through
(Flask-Limiter's moving window on Redis, as the accounts' limits)."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from voting.accounts.limits import marking
from voting.extensions import limiter
from voting.submissions.teams import domain


def _account() -> str:
    return str(current_user.id) if current_user.is_authenticated else "-"


def _team() -> str:
    return str((request.view_args or {}).get("team_id", "-"))


def _sent(response) -> bool:
    # Only invitations that went out count: the API's 201, the page's redirect after sending.
    return response.status_code in (201, 303)


per_account = marking(limiter.shared_limit(domain.INVITATIONS_PER_ACCOUNT, scope="team-invite-account",
                                           key_func=_account, deduct_when=_sent))
per_team = marking(limiter.shared_limit(domain.INVITATIONS_PER_TEAM, scope="team-invite-team",
                                        key_func=_team, deduct_when=_sent))


def invitation_limits(view):
    return per_account(per_team(view))
