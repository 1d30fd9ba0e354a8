"""Who manages a contest: its creator and the organisers they add. Each
addition and removal enters the contest's audit log with its transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from voting.accounts import services as accounts
from voting.accounts.models import User, UserRole
from voting.audit import services as audit
from voting.contests.entries import MAX_ID
from voting.contests.models import Contest
from voting.errors import ApiError, not_found, validation_error
from voting.extensions import db
from voting.i18n.domain import N_


def organisers(contest: Contest) -> list[User]:
    return list(db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "organiser", UserRole.contest_id == contest.id).order_by(UserRole.id)))


def add_organiser(contest: Contest, email: Any, actor: User, now: datetime) -> tuple[User, bool]:
    """Makes the account with that address an organiser of the contest.
    Answers (account, whether it is new to the role); 404 when no account has
    the address (the organiser asks the person to register first)."""
    if not isinstance(email, str) or not email.strip() or len(email) > 320:
        raise validation_error({"email": N_("must be an e-mail address")})
    address, _why = accounts.check_address(email.strip())
    user = accounts.find_by_email(address or email)
    if user is None:
        raise not_found("account with that address")
    if user.has_role("organiser", contest.id):
        return user, False
    user.roles.append(UserRole(role="organiser", contest_id=contest.id))
    audit.append(contest, actor, "organiser.added", f"user {user.id}",
                 {"user_id": user.id, "email": user.email, "before": None, "after": "organiser"}, now)
    db.session.commit()
    return user, True


def remove_organiser(contest: Contest, user_id: int, actor: User, now: datetime) -> None:
    """Takes the role away; a contest always keeps at least one organiser."""
    grant = db.session.scalar(select(UserRole).where(
        UserRole.role == "organiser", UserRole.contest_id == contest.id, UserRole.user_id == user_id)
    ) if 0 < user_id <= MAX_ID else None
    if grant is None:
        raise not_found("organiser")
    if len(organisers(contest)) <= 1:
        raise ApiError("locked", "A contest keeps at least one organiser.", 409)
    user = grant.user
    db.session.delete(grant)
    audit.append(contest, actor, "organiser.removed", f"user {user.id}",
                 {"user_id": user.id, "email": user.email, "before": "organiser", "after": None}, now)
    db.session.commit()


def serialise(user: User) -> dict[str, Any]:
    return {"id": user.id, "email": user.email, "display_name": user.display_name}
