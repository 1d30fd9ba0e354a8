"""Finding a contest for the one who asks: the public reads contests that have
left their draft; only a contest's organisers (and admins) manage it. Used by
every view and API handler that names a contest, so the rule lives once."""

from __future__ import annotations

from datetime import datetime

from voting.accounts.models import User
from voting.auth import actor, require_manager, require_user
from voting.contests import services
from voting.contests.models import Contest


def public_contest(slug: str, now: datetime) -> Contest:
    """404 for an unknown contest, and for a draft unless the reader organises it."""
    return services.get_visible_contest(slug, actor(), now)


def managed_contest(slug: str) -> tuple[Contest, User]:
    """401 when signed out, 404 for an unknown contest, 403 for anyone who is
    not one of its organisers or an admin."""
    require_user()
    contest = services.get_contest(slug)
    return contest, require_manager(contest.id)


def manages(contest: Contest) -> bool:
    user = actor()
    return user is not None and user.manages(contest.id)
