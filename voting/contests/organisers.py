"""Who manages a contest: its creator and the organisers they add or invite.
Each addition and removal enters the contest's audit log with its transaction.

An invitation is a contest role (organiser here, judge in judging/judges.py)
granted by one of the contest's organisers, with the time it was sent
(`UserRole.invited_at`). It counts as accepted once the invitee has followed
the invitation's link (which verifies the account after the invitation) or
signed in since (`accept_invitations`, on every sign-in); a grant made
directly (creating the contest, the command line) needs no accepting."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import current_app
from flask_login import user_logged_in
from sqlalchemy import select, update

from voting import clock
from voting.accounts import services as accounts
from voting.accounts.models import User, UserRole
from voting.audit import services as audit
from voting.contests.domain.spec_translations import localise
from voting.contests.entries import MAX_ID
from voting.contests.models import Contest
from voting.errors import ApiError, not_found, validation_error
from voting.extensions import db
from voting.i18n.domain import LANGUAGES, N_
from voting.mail import mail_locale, send_template

log = logging.getLogger(__name__)


def organisers(contest: Contest) -> list[User]:
    return [user for user, _grant in organiser_grants(contest)]


def organiser_grants(contest: Contest) -> list[tuple[User, UserRole]]:
    """The contest's organisers with their grants, oldest first."""
    return [(grant.user, grant) for grant in db.session.scalars(
        select(UserRole).join(User, UserRole.user_id == User.id)
        .where(UserRole.role == "organiser", UserRole.contest_id == contest.id).order_by(UserRole.id))]


def accepted(grant: UserRole | None, user: User) -> bool:
    """Whether the grant needs nothing more of its holder: made directly, or an
    invitation they have accepted (signed in since, or verified the account by
    its link since)."""
    if grant is None or grant.invited_at is None or grant.accepted_at is not None:
        return True
    return user.verified_at is not None and user.verified_at >= grant.invited_at


def lock(contest: Contest) -> None:
    """Serialise changes to one contest's people: two organisers removing each
    other at once would otherwise both see two and leave none (a row lock on
    PostgreSQL; SQLite has one writer anyway)."""
    db.session.execute(select(Contest.id).where(Contest.id == contest.id).with_for_update())


def add_organiser(contest: Contest, email: Any, actor: User, now: datetime, *, display_name: str | None = None,
                  locale: str | None = None, invite_new: bool = False) -> tuple[User, bool]:
    """`invite_organiser` without the mail's fate (the API's answer does not carry it)."""
    user, new, _mailed = invite_organiser(contest, email, actor, now, display_name=display_name, locale=locale,
                                          invite_new=invite_new)
    return user, new


def invite_organiser(contest: Contest, email: Any, actor: User, now: datetime, *, display_name: str | None = None,
                     locale: str | None = None, invite_new: bool = False) -> tuple[User, bool, bool | None]:
    """Makes the account with that address an organiser of the contest and
    mails them. Answers (account, whether it is new to the role, whether the
    mail went: None when none was due). The role stands whether or not the
    mail went (it is sent after the commit); asking again sends it again.

    Without `invite_new` (the API) an address without an account is a 404: the
    organiser asks the person to register first. With it (the console) such an
    address gets an unverified account (`display_name`, and `locale`, the
    language of the mails, for a new account only: an existing one keeps its
    own) and an invitation whose link sets its password. An existing account
    is told it was added. Asking again for someone still invited mails them
    again (a fresh link: the first lasts fourteen days); for someone who has
    accepted it changes nothing."""
    if not isinstance(email, str) or not email.strip() or len(email) > 320:
        raise validation_error({"email": N_("must be an e-mail address")})
    address, why = accounts.check_address(email.strip())
    if invite_new and why:
        raise validation_error({"email": why})
    lock(contest)  # two invitations of one person at once would grant the role twice
    user = accounts.find_by_email(address or email)
    if user is None:
        if not invite_new:
            raise not_found("account with that address")
        user, _created = accounts.ensure_user(address, None, (display_name or "").strip() or None, verified=False,
                                              create_only=True)
        user.locale = locale if locale in LANGUAGES else None
        db.session.flush()
    grant = next((r for r in user.roles if r.role == "organiser" and r.contest_id == contest.id), None)
    if grant is not None:
        db.session.commit()  # ends the lock
        return user, False, None if accepted(grant, user) else _mail(contest, user, actor)
    user.roles.append(UserRole(role="organiser", contest_id=contest.id, invited_at=now))
    audit.append(contest, actor, "organiser.added", f"user {user.id}",
                 {"user_id": user.id, "email": user.email, "before": None, "after": "organiser"}, now)
    db.session.commit()
    return user, True, _mail(contest, user, actor)


def _mail(contest: Contest, user: User, actor: User) -> bool:
    """The invitation, in the invitee's language: with a link that sets the
    password for an account that has none yet (made by an invitation), else
    the news that they were added. Whether it went. After the commit, so
    nothing here may fail the request: a mail that cannot be made or sent is
    logged, and the organiser is told to invite again."""
    try:
        base = current_app.config["VOTING"].base_url.rstrip("/")
        title = localise({"title": contest.title}, contest.settings.get("translations"), mail_locale(user.locale))
        link = accounts.invitation_link(user) if user.password_hash is None else None
        return send_template(user.email, "organiser_invitation", user.locale, user=user, inviter=actor,
                             contest_title=title["title"], link=link,
                             console_url=f"{base}/organiser/contests/{contest.slug}")
    except Exception:  # the role is granted and committed: only the mail is lost
        log.exception("could not mail the organiser invitation of contest %s to user %s", contest.id, user.id)
        return False


def remove_organiser(contest: Contest, user_id: int, actor: User, now: datetime) -> User:
    """Takes the role away; a contest always keeps at least one organiser.
    Answers the account that lost it."""
    lock(contest)
    grant = db.session.scalar(select(UserRole).where(
        UserRole.role == "organiser", UserRole.contest_id == contest.id, UserRole.user_id == user_id)
    ) if 0 < user_id <= MAX_ID else None
    if grant is None:
        db.session.rollback()
        raise not_found("organiser")
    if len(organiser_grants(contest)) <= 1:
        db.session.rollback()
        raise ApiError("locked", "A contest keeps at least one organiser.", 409)
    user = grant.user
    user.roles.remove(grant)  # deleted as an orphan, and gone from the account as loaded (the actor's own)
    audit.append(contest, actor, "organiser.removed", f"user {user.id}",
                 {"user_id": user.id, "email": user.email, "before": "organiser", "after": None}, now)
    db.session.commit()
    return user


def accept_invitations(user: User, now: datetime) -> None:
    """The account's pending invitations (organiser and judge alike) are
    accepted: its holder has signed in since they were sent."""
    done = db.session.execute(update(UserRole).where(
        UserRole.user_id == user.id, UserRole.invited_at.is_not(None), UserRole.accepted_at.is_(None))
        .values(accepted_at=now).execution_options(synchronize_session="fetch"))
    if done.rowcount:
        db.session.commit()


@user_logged_in.connect
def _accepted_on_sign_in(_app, user: User, **_extra) -> None:
    accept_invitations(user, clock.now())


def serialise(user: User, contest: Contest | None = None) -> dict[str, Any]:
    """An organiser as the API shows them; with the contest, whether they have
    accepted its invitation (`accepted`)."""
    found = {"id": user.id, "email": user.email, "display_name": user.display_name}
    if contest is not None:
        grant = next((r for r in user.roles if r.role == "organiser" and r.contest_id == contest.id), None)
        found["accepted"] = accepted(grant, user)
    return found
