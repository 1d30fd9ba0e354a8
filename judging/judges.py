"""A contest's judges: added by its organisers, each with the contest's judge
role, an optional organisation and expertise, and an invitation by mail
(pending until they sign in: voting.contests.organisers.accepted); removed
by them, keeping the scores they submitted (`remove_judge`).

An existing account is reused as it is: an organiser can make someone a
judge, never change their password or name (that would let any organiser
take over any account by its address). Nor does the answer say whether the
account existed: it is made of what the organiser sent and of the judging
row, alike for a new and an existing account (only the invitation mail, which
the organiser does not see, differs)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select

from voting.accounts import services as accounts
from voting.accounts.domain import password_problem
from voting.accounts.models import User, UserRole
from voting.audit import services as audit
from voting.contests.domain.spec_translations import localise
from voting.contests.entries import MAX_ID
from voting.contests.models import Contest
from voting.contests.organisers import accepted
from voting.errors import ApiError, not_found, validation_error
from voting.extensions import db
from voting.i18n.domain import LANGUAGES, msg
from voting.mail import mail_locale, send_template

from judging.models import Judge

log = logging.getLogger(__name__)


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
              expertise: list[str] | None, actor: User, now: datetime, locale: str | None = None) -> dict[str, Any]:
    """`invite_judge` without the mail's fate (the API's answer does not carry it)."""
    return invite_judge(contest, email, display_name, password, organisation, expertise, actor, now, locale)[0]


def invite_judge(contest: Contest, email: str, display_name: str, password: str | None, organisation: str | None,
                 expertise: list[str] | None, actor: User, now: datetime, locale: str | None = None
                 ) -> tuple[dict[str, Any], bool]:
    """Makes the account with that address (created if need be, reading mails
    in `locale`) a judge of the contest and mails the invitation. Answers the
    judge (id, address, name, organisation as sent; expertise and active as the
    judging row has them), the same for a new and an existing account, and
    whether the mail went: the role stands either way (the mail is sent after
    the commit), and adding the judge again updates them and sends it again."""
    judge, _new, mailed = _invite(contest, email, display_name, password, organisation, expertise, actor, now,
                                  locale, again=False)
    return judge, bool(mailed)


def invite_judge_once(contest: Contest, email: str, display_name: str, organisation: str | None,
                      expertise: list[str] | None, actor: User, now: datetime, locale: str | None = None
                      ) -> tuple[dict[str, Any], bool, bool | None]:
    """`invite_judge` as the people page asks it, like
    voting.contests.organisers.invite_organiser: answers (judge, whether they
    are new to the contest's judges, whether the mail went: None when none was
    due). Asking again for someone who already judges the contest names them
    as the contest's list does (their own name, which the organiser already
    sees there), applies the organisation and categories sent (blank leaves
    them; the judge answered has "updated": whether they changed) and mails
    the invitation again (a fresh link) only while they have not accepted it."""
    return _invite(contest, email, display_name, None, organisation, expertise, actor, now, locale, again=True)


def _invite(contest: Contest, email: str, display_name: str, password: str | None, organisation: str | None,
            expertise: list[str] | None, actor: User, now: datetime, locale: str | None, again: bool
            ) -> tuple[dict[str, Any], bool, bool | None]:
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
    if user is None:
        # Unverified until the invitee follows the mail's link, which sets the password and proves the mailbox.
        user, _created = accounts.ensure_user(address, password, display_name, verified=False,
                                              organisation=organisation, create_only=True)
        user.locale = locale if locale in LANGUAGES else None
        db.session.flush()
    row = db.session.scalar(select(Judge).where(Judge.contest_id == contest.id, Judge.user_id == user.id))
    grant = next((r for r in user.roles if r.role == "judge" and r.contest_id == contest.id), None)
    already = grant is not None and row is not None and row.active
    if again and already:
        # What was sent replaces what they have (blank leaves it, as for the API): the console's only way to
        # change a judge's categories or organisation. Audited as an add, with before and after.
        before = _audited(row)
        row.organisation = organisation[:200] if organisation else row.organisation
        row.expertise = chosen if expertise is not None else row.expertise
        updated = _audited(row) != before
        if updated:
            audit.append(contest, actor, "judge.added", f"user {user.id}",
                         {"user_id": user.id, "email": user.email, "before": before, "after": _audited(row)}, now)
        db.session.commit()  # ends the lock
        return ({"id": user.id, "email": user.email, "display_name": user.display_name,
                 "organisation": row.organisation, "expertise": list(row.expertise or []), "active": True,
                 "updated": updated}, False, None if accepted(grant, user) else _mail(contest, user))
    if accounts.grant_role(user, "judge", contest.id):
        grant = next(r for r in user.roles if r.role == "judge" and r.contest_id == contest.id)
        grant.invited_at = now  # pending until they sign in (voting.contests.organisers.accepted)
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
    # The account's own name, address and organisation are not the organiser's to learn from this answer.
    return ({"id": user.id, "email": address, "display_name": display_name.strip()[:120],
             "organisation": (organisation or "")[:200], "expertise": list(row.expertise or []), "active": True},
            not already, _mail(contest, user))


def _mail(contest: Contest, user: User) -> bool:
    """The invitation; whether it went. After the commit, so nothing here may
    fail the request: a mail that cannot be made or sent is logged, and the
    organiser is told to add the judge again."""
    try:
        # A link that sets the password for an account that has none: one made by this invitation or an earlier
        # one never followed (its link lasts fourteen days; adding the judge again mails a fresh one).
        link = accounts.invitation_link(user) if user.password_hash is None else None
        # The contest's title in the judge's language where its SPEC translates it (the mail names nothing else).
        title = localise({"title": contest.title}, contest.settings.get("translations"), mail_locale(user.locale))
        return send_template(user.email, "judge_invitation", user.locale, user=user, contest=title, link=link,
                             judging_url=_judging_url())
    except Exception:  # the role is granted and committed: only the mail is lost
        log.exception("could not mail the judge invitation of contest %s to user %s", contest.id, user.id)
        return False


def judge_people(contest: Contest) -> list[tuple[User, Judge, UserRole | None]]:
    """The contest's active judges with their accounts and judge grants (for
    the invitation's state), in the order they were added."""
    return [(user, row, grant) for row, user, grant in db.session.execute(
        select(Judge, User, UserRole).join(User, User.id == Judge.user_id)
        .outerjoin(UserRole, (UserRole.user_id == Judge.user_id) & (UserRole.role == "judge")
                   & (UserRole.contest_id == contest.id))
        .where(Judge.contest_id == contest.id, Judge.active.is_(True)).order_by(Judge.id))]


def remove_judge(contest: Contest, user_id: int, actor: User, now: datetime) -> dict[str, Any]:
    """Takes a judge off the contest: the judging row is kept, inactive (so it
    can be added again), and the judge role goes, so their judging pages close.

    Their submitted scores stay: they are the record and still count. While
    the current rubric round is open, what they left unfinished is taken off
    them (a started draft is voided, its history kept, as for a conflict) and
    the assignments are repaired (`assignments.plan`) so that those entries
    get other judges; once judging is over or the results are published,
    nothing moves. Audited. Answers how many were submitted (kept) and
    unfinished (taken off), and whether the plan was repaired."""
    # judging.assignments imports this module: imported here, when a judge is removed.
    from judging import assignments

    lock_contest(contest)
    row = db.session.scalar(select(Judge).where(Judge.contest_id == contest.id, Judge.user_id == user_id,
                                                Judge.active.is_(True))) if 0 < user_id <= MAX_ID else None
    if row is None:
        db.session.rollback()
        raise not_found("judge of this contest")
    user = db.session.get(User, user_id)
    before = _audited(row)
    row.active = False
    for grant in [r for r in user.roles if r.role == "judge" and r.contest_id == contest.id]:
        user.roles.remove(grant)
    rnd = assignments.current_round(contest, create=False)
    window = contest.windows().get("judging")
    moving = (rnd is not None and rnd.closed_at is None and contest.published_at is None
              and (window is None or now < window.closes_at))
    mine = [a for a in assignments.stored(rnd) if a.judge_id == user_id] if rnd is not None else []
    kept = [a for a in mine if a.sheet is not None and a.sheet.status == "submitted"]
    dropped = [a for a in mine if a not in kept] if moving else []
    for assignment in dropped:
        if assignment.sheet is not None:
            assignments.void_sheet(contest, rnd, assignment, "judge removed", actor, now)
        db.session.delete(assignment)
    audit.append(contest, actor, "judge.removed", f"user {user.id}",
                 {"user_id": user.id, "email": user.email, "before": before, "after": _audited(row),
                  "submitted_kept": len(kept), "unfinished_dropped": len(dropped)}, now)
    db.session.commit()
    repaired = False
    if dropped and rnd.mode == "rubric":
        try:
            assignments.plan(contest, actor, now)  # commits, with its own audit entry
            repaired = True
        except ApiError:  # the removal stands; the organiser repairs the plan from the judging page
            db.session.rollback()
    return {"user": user, "submitted": len(kept), "dropped": len(dropped), "repaired": repaired}


def _judging_url() -> str:
    from flask import current_app

    return current_app.config["VOTING"].base_url.rstrip("/") + "/judging/"


def _audited(row: Judge) -> dict[str, Any]:
    return {"organisation": row.organisation, "expertise": list(row.expertise or []), "active": row.active}
