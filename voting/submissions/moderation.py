"""Moderation: organisers approve an entry, reject it, or ask its entrant for
changes, with a reason that is mailed to the entrant, kept on the entry (the
entrant's page shows it) and written to the audit log with the status before
and after. Only approved entries are public and votable (the intake's view of
the contest drops its copy on `contest_changed`).

`moderate_many` is the console's bulk action: one decision and one reason for
several entries, each through `moderate` (same rules, its own commit, its own
mail and audit entry). It is per entry, not all-or-nothing: an organiser who
approves forty entries of which two were withdrawn meanwhile wants the other
thirty-eight approved and the two named, not forty left to do again. What is
wrong with the request itself (no entry chosen, no decision, a missing reason,
changes asked for outside the submission phase) refuses it whole, before any
entry moves.

`find` and `status_counts` feed the console's list: a text search over the
title, summary, team, organisation and the submitter's name and address, and
filters by status and category."""

from __future__ import annotations

from datetime import datetime

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Select, func, or_, select

from voting.accounts.models import User
from voting.api.request import unstorable_text
from voting.audit import services as audit
from voting.contests import events
from voting.contests.models import Contest, Entry
from voting.contests.services import phase_of, require_unpublished
from voting.errors import ApiError, forbidden, validation_error
from voting.extensions import db
from voting.i18n.domain import N_, msg, nmsg
from voting.mail import send_template
from voting.submissions.domain import flow
from voting.submissions.services import lock_for_writers

REASON_LIMIT = 500


def _checked_reason(status: str, reason: str | None) -> str:
    if reason is not None and (not isinstance(reason, str) or len(reason) > REASON_LIMIT):
        raise validation_error({"reason": msg("must be text of at most %(num)d characters", num=REASON_LIMIT)})
    if reason is not None and unstorable_text(reason):  # a form's NUL: PostgreSQL would refuse it after the checks
        raise validation_error({"reason": N_("holds a character that cannot be stored")})
    if status == "changes_requested" and not (reason or "").strip():
        raise validation_error({"reason": N_("must say what the entrant should change")})
    return (reason or "").strip()


def moderate(contest: Contest, entry: Entry, status: str, actor: User, now: datetime,
             reason: str | None = None, unchanged_refused: bool = False) -> Entry:
    """Decide on a submitted entry (again, if need be). Asking for changes
    needs the submission phase open, since only then can the entrant edit.
    `unchanged_refused` (the bulk action's) refuses an entry that already has
    the status, so that the report names it rather than counting it as done."""
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
    if unchanged_refused and entry.status == status:
        raise ApiError("conflict", "This entry already has that status.", 409)
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


def status_counts(contest: Contest, text: str = "", category_id: int | None = None) -> dict[str, int]:
    """How many of the contest's entries have each status (drafts are their entrants' own and left out),
    among those that match the search and the category when given."""
    query = _matching(select(Entry.status, func.count()).select_from(Entry), contest, text, category_id)
    rows = db.session.execute(query.where(Entry.status.in_(flow.SUBMITTED)).group_by(Entry.status))
    return {status: 0 for status in flow.SUBMITTED} | dict(rows.all())


SEARCH_LIMIT = 200  # characters of a search: more is a paste gone wrong, not a title


def _matching(query: Select, contest: Contest, text: str, category_id: int | None) -> Select:
    """The query narrowed to the contest, the category and entries whose text
    or submitter holds every word of the search (case-insensitive; LIKE's
    wildcards in the search are matched as themselves). A number also finds
    the entry with that id."""
    query = query.where(Entry.contest_id == contest.id)
    if category_id is not None:
        query = query.where(Entry.category_id == category_id)
    words = text[:SEARCH_LIMIT].split()
    if words:
        query = query.outerjoin(User, User.id == Entry.submitted_by_id)
    for word in words:
        matches = [column.icontains(word, autoescape=True) for column in
                   (Entry.title, Entry.summary, Entry.team, Entry.organisation, User.display_name, User.email)]
        if word.isascii() and word.lstrip("#").isdigit() and len(word) < 10:
            matches.append(Entry.id == int(word.lstrip("#")))
        query = query.where(or_(*matches))
    return query


def find(contest: Contest, statuses: tuple[str, ...], text: str, category_id: int | None, offset: int,
         limit: int) -> list[tuple[Entry, User | None]]:
    """One page of the matching entries with their submitters, oldest submission first (first come, first
    decided)."""
    query = _matching(select(Entry), contest, text, category_id).where(Entry.status.in_(statuses))
    ids = list(db.session.scalars(query.order_by(Entry.submitted_at, Entry.id).offset(offset).limit(limit)
                                  .with_only_columns(Entry.id)))
    found = {e.id: e for e in db.session.scalars(select(Entry).where(Entry.id.in_(ids)))} if ids else {}
    people = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_({e.submitted_by_id for e in found.values() if e.submitted_by_id})))}
    return [(found[i], people.get(found[i].submitted_by_id)) for i in ids]


BULK_LIMIT = 100  # entries in one bulk decision: four pages of the list; each is its own commit and mail


@dataclass(frozen=True)
class Outcome:
    """What became of one entry of a bulk decision: `refusal` is None when it moved."""
    entry_id: int
    title: str
    refusal: str | None


def _bulk_request(ids: list[int], status: str, reason: str | None, contest: Contest, now: datetime) -> str:
    problems = {}
    if not ids:
        problems["entries"] = N_("choose at least one entry")
    elif len(ids) > BULK_LIMIT:
        problems["entries"] = nmsg("choose at most %(num)d entry at once", "choose at most %(num)d entries at once",
                                   BULK_LIMIT)
    if status not in flow.DECISIONS:
        problems["status"] = N_("must be approved, rejected or changes_requested")
    try:
        why = _checked_reason(status, reason)
    except ApiError as err:
        problems.update(err.fields or {})
        why = ""
    if problems:
        raise validation_error(problems)
    if status == "changes_requested" and phase_of(contest, now) != "submission":
        raise ApiError("phase_closed", "Changes can be asked for only while the submission phase is open: the "
                       "entrant could not make them.", 409, {"status": N_("the submission phase is not open")})
    return why


def moderate_many(contest: Contest, entry_ids: list[int], status: str, actor: User, now: datetime,
                  reason: str | None = None) -> list[Outcome]:
    """One decision for several entries, entry by entry (the module's docstring
    says why). An entry that already has the status, or cannot be decided on
    (a withdrawn entry), is reported with its title and why; a draft, an entry
    of another contest and an id of none at all alike as no such entry, without
    a title. The others move."""
    if not actor.manages(contest.id):
        raise forbidden()
    ids = list(dict.fromkeys(entry_ids))  # each once, in the order chosen
    why = _bulk_request(ids, status, reason, contest, now)
    # A draft is its entrant's own, as everywhere organisers look: reported as no entry at all, its title unsaid.
    found = {e.id: e for e in db.session.scalars(select(Entry).where(
        Entry.id.in_(ids), Entry.contest_id == contest.id, Entry.status != "draft"))}
    outcomes = []
    for entry_id in ids:
        entry = found.get(entry_id)
        if entry is None:
            outcomes.append(Outcome(entry_id, "", N_("There is no such entry in this contest.")))
            continue
        try:
            moderate(contest, entry, status, actor, now, why or None, unchanged_refused=True)
        except ApiError as err:
            if err.code == "locked":
                raise  # the results were published: no entry can move, and the request is refused whole
            db.session.rollback()
            outcomes.append(Outcome(entry_id, entry.title, err.message))
        else:
            outcomes.append(Outcome(entry_id, entry.title, None))
    return outcomes


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
