"""Moderation: organisers approve an entry, reject it, or ask its entrant for
changes, with a reason that is mailed to the entrant, kept on the entry (the
entrant's page shows it) and written to the audit log with the status before
and after. Only approved entries are public and votable (the intake's view of
the contest drops its copy on `contest_changed`)."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from voting.accounts.models import User
from voting.audit import services as audit
from voting.contests import events
from voting.contests.models import Contest, Entry
from voting.contests.services import phase_of, require_unpublished
from voting.errors import ApiError, forbidden, validation_error
from voting.extensions import db
from voting.i18n.domain import N_, msg
from voting.mail import send_template
from voting.submissions.domain import flow
from voting.submissions.services import lock_for_writers

REASON_LIMIT = 500


def _checked_reason(status: str, reason: str | None) -> str:
    if reason is not None and (not isinstance(reason, str) or len(reason) > REASON_LIMIT):
        raise validation_error({"reason": msg("must be text of at most %(num)d characters", num=REASON_LIMIT)})
    if status == "changes_requested" and not (reason or "").strip():
        raise validation_error({"reason": N_("must say what the entrant should change")})
    return (reason or "").strip()


def moderate(contest: Contest, entry: Entry, status: str, actor: User, now: datetime,
             reason: str | None = None) -> Entry:
    """Decide on a submitted entry (again, if need be). Asking for changes
    needs the submission phase open, since only then can the entrant edit."""
    if not actor.manages(contest.id) or entry.contest_id != contest.id:
        raise forbidden()
    if status not in flow.DECISIONS:
        raise validation_error({"status": N_("must be approved, rejected or changes_requested")})
    why = _checked_reason(status, reason)
    lock_for_writers(contest)  # on SQLite too: a withdraw must not slip in between the read and the write
    require_unpublished(contest)  # the published results counted the entries as they stood
    db.session.refresh(entry)  # the entrant may have withdrawn it a moment ago
    refusal = flow.moderation_refusal(entry.status)
    if refusal:
        raise ApiError("conflict", refusal, 409)
    if status == "changes_requested" and phase_of(contest, now) != "submission":
        raise ApiError("phase_closed", "Changes can be asked for only while the submission phase is open: the "
                       "entrant could not make them.", 409)
    before, before_reason = entry.status, entry.moderation_reason
    entry.status, entry.moderation_reason, entry.updated_at = status, why, now
    audit.append(contest, actor, "entry.moderated", f"entry {entry.id}",
                 {"entry_id": entry.id, "before": before, "after": status, "reason": why}, now)
    db.session.commit()
    events.contest_changed.send(contest.slug)
    if (before, before_reason) != (status, why):
        _tell_entrant(contest, entry, actor)
    return entry


def status_counts(contest: Contest) -> dict[str, int]:
    """How many of the contest's entries have each status (drafts are their entrants' own and left out)."""
    rows = db.session.execute(select(Entry.status, func.count()).where(Entry.contest_id == contest.id,
                                                                      Entry.status.in_(flow.SUBMITTED))
                              .group_by(Entry.status))
    return {status: 0 for status in flow.SUBMITTED} | dict(rows.all())


def queue(contest: Contest, status: str, offset: int, limit: int) -> list[Entry]:
    """One page of the contest's entries of a status, oldest submission first (first come, first decided)."""
    return list(db.session.scalars(select(Entry).where(Entry.contest_id == contest.id, Entry.status == status)
                                   .order_by(Entry.submitted_at, Entry.id).offset(offset).limit(limit)))


def _tell_entrant(contest: Contest, entry: Entry, actor: User) -> None:
    """After the commit: a mail that fails to go is logged (voting.mail), and the decision stands."""
    entrant = db.session.get(User, entry.submitted_by_id) if entry.submitted_by_id else None
    if entrant is None or entrant.id == actor.id:
        return
    base = current_app.config["VOTING"].base_url.rstrip("/")
    send_template(entrant.email, "entry_moderated", entrant.locale,
                  user=entrant, contest=contest, entry=entry, reason=entry.moderation_reason,
                  link=f"{base}/my-entries",
                  edit_link=f"{base}/contests/{contest.slug}/entries/{entry.id}/edit")
