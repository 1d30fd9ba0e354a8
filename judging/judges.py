"""A contest's judges: added by its organisers, each with the contest's judge
role, an optional organisation and expertise, and an invitation by mail.

An existing account is reused as it is: an organiser can make someone a
judge, never change their password or name (that would let any organiser
take over any account by its address). Nor does the answer say whether the
account existed: it is made of what the organiser sent and of the judging
row, alike for a new and an existing account (only the invitation mail, which
the organiser does not see, differs)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from voting.accounts import services as accounts
from voting.accounts.domain import password_problem
from voting.accounts.models import User
from voting.audit import services as audit
from voting.contests.models import Contest
from voting.errors import validation_error
from voting.extensions import db
from voting.i18n.domain import msg
from voting.mail import send_template

from judging.models import Judge


def judge_rows(contest: Contest, active_only: bool = True) -> list[Judge]:
    query = select(Judge).where(Judge.contest_id == contest.id)
    if active_only:
        query = query.where(Judge.active.is_(True))
    return list(db.session.scalars(query.order_by(Judge.id)))


def lock_contest(contest: Contest) -> None:
    """Serialise judging changes of one contest (a row lock on PostgreSQL; SQLite has one writer anyway)."""
    db.session.execute(select(Contest.id).where(Contest.id == contest.id).with_for_update())


def judge_of(contest: Contest, user: User) -> Judge | None:
    """The user's judge row in this contest, if they judge it (role and row both)."""
    if not user.has_role("judge", contest.id):
        return None
    return db.session.scalar(select(Judge).where(Judge.contest_id == contest.id, Judge.user_id == user.id,
                                                 Judge.active.is_(True)))


def ensure_judge(contest: Contest, user: User) -> Judge:
    """The user's judge row in the contest, made if missing (the caller commits)."""
    row = db.session.scalar(select(Judge).where(Judge.contest_id == contest.id, Judge.user_id == user.id))
    if row is None:
        row = Judge(contest_id=contest.id, user_id=user.id, organisation=user.organisation or "", expertise=[])
        db.session.add(row)
    row.active = True
    return row


def _expertise(contest: Contest, expertise: list[str] | None) -> list[str]:
    unknown = [slug for slug in expertise or [] if contest.category(slug) is None]
    if unknown:
        raise validation_error({"expertise": msg("not categories of this contest: %(slugs)s",
                                                 slugs=", ".join(unknown))})
    return sorted(set(expertise or []))


def add_judge(contest: Contest, email: str, display_name: str, password: str | None, organisation: str | None,
              expertise: list[str] | None, actor: User, now: datetime) -> dict[str, Any]:
    """Makes the account with that address (created if need be) a judge of the
    contest and mails the invitation. Answers the judge (id, address, name,
    organisation as sent; expertise and active as the judging row has them),
    the same for a new and an existing account."""
    chosen = _expertise(contest, expertise)
    # Look the account up by the address as it would be stored (validated and normalised): a raw lookup
    # could miss an existing account that creating one then finds and overwrites.
    address, why = accounts.check_address(email)
    if why:
        raise validation_error({"email": why})
    # Checked whether or not the account exists (a new one would take the password): a weak password
    # refused only for new addresses would tell which addresses have accounts.
    if password is not None and (problem := password_problem(password)):
        raise validation_error({"password": problem})
    lock_contest(contest)  # two adds of one judge at once would grant the role twice
    user = accounts.find_by_email(address)
    created = user is None
    if user is None:
        # Unverified until the invitee follows the mail's link, which sets the password and proves the mailbox.
        user, created = accounts.ensure_user(address, password, display_name, verified=False,
                                             organisation=organisation, create_only=True)
        db.session.flush()
    accounts.grant_role(user, "judge", contest.id)
    row = db.session.scalar(select(Judge).where(Judge.contest_id == contest.id, Judge.user_id == user.id))
    before = _audited(row) if row else None
    if row is None:
        row = Judge(contest_id=contest.id, user_id=user.id)
        db.session.add(row)
    row.organisation = (organisation or user.organisation or row.organisation or "")[:200]
    row.expertise = chosen if expertise is not None or before is None else row.expertise
    row.active = True
    audit.append(contest, actor, "judge.added", f"user {user.id}",
                 {"user_id": user.id, "email": user.email, "before": before, "after": _audited(row)}, now)
    db.session.commit()
    link = accounts.invitation_link(user) if created and not password else None
    send_template(user.email, "judge_invitation", user.locale, user=user, contest=contest, link=link,
                  judging_url=_judging_url())
    # The account's own name, address and organisation are not the organiser's to learn from this answer.
    return {"id": user.id, "email": address, "display_name": display_name.strip()[:120],
            "organisation": (organisation or "")[:200], "expertise": list(row.expertise or []), "active": True}


def _judging_url() -> str:
    from flask import current_app

    return current_app.config["VOTING"].base_url.rstrip("/") + "/judging/"


def _audited(row: Judge) -> dict[str, Any]:
    return {"organisation": row.organisation, "expertise": list(row.expertise or []), "active": row.active}
