"""A participant's entries: submit one (as a draft, or for moderation), edit it
until the submission phase closes, submit a draft, withdraw, list one's own.

Each change, in order:
1. the account: it owns the entry (403), its address is confirmed (403 `email_unverified`);
2. the phase: the submission window is open (409 `phase_closed`) and the entry's status allows the move
   (409, voting/submissions/domain/flow.py);
3. the fields, by the contest's rules, every problem at once (422), before anything is locked or stored;
   a new entry's photo is then read, checked and re-encoded (voting.media.photos.prepare), still outside
   the lock: it takes up to a second, and every other writer of the contest (on SQLite, of the database)
   would wait for it;
4. the contest's lock, then the per-person limit (409 `limit_reached`) and the team's one entry per
   category (voting.submissions.teams): under the lock, two requests at once cannot both pass;
5. the row, its audit entry, one commit; `contest_changed` tells the caches above.

An organiser's entries come through `submit` too: approved at once, in any phase, without a limit.
Organisers correct any submitted entry of their contest with `organiser_edit` (the status kept, the
category fixed once voting or judging opened: domain/organiser_edit.py).
The rate limit is the views' (voting/submissions/limits.py), since it counts requests, not rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from voting.accounts.models import User
from voting.audit import services as audit
from voting.contests import entries, events
from voting.contests.models import Contest, Entry
from voting.contests.services import get_contest_by_id, phase_of, require_unpublished
from voting.errors import ApiError, forbidden, not_found, validation_error
from voting.extensions import db
from voting.i18n.domain import N_, nmsg
from voting.media import photos
from voting.media.photos import Upload
from voting.submissions.domain import fields, flow
from voting.submissions.domain import organiser_edit as edit_rules

UNCHANGED: Any = object()  # an edit that does not name the team


def phase_closed() -> ApiError:
    return ApiError("phase_closed", "Entries can be submitted and changed only during the submission phase.", 409)


def _may_enter(contest: Contest, actor: User, now: datetime) -> bool:
    """Whether the actor is one of the contest's organisers; refuses anyone
    else outside the phase or without a confirmed address."""
    if actor.manages(contest.id):
        require_unpublished(contest)  # the published results counted the entries as they stood
        return True
    if phase_of(contest, now) != "submission":
        raise phase_closed()
    if not actor.verified:
        raise ApiError("email_unverified", "Confirm your address before submitting an entry.", 403)
    return False


def _own(contest: Contest, entry: Entry, actor: User) -> None:
    """The entrant's own moves are theirs alone."""
    if entry.contest_id != contest.id or entry.submitted_by_id != actor.id:
        raise forbidden("Only its entrant can change an entry.")


def _open(contest: Contest, now: datetime) -> None:
    """...and are made during the submission phase."""
    if phase_of(contest, now) != "submission":
        raise phase_closed()


def _refuse(why: str | None, code: str = "conflict") -> None:
    if why:
        raise ApiError(code, why, 409)


def lock_for_writers(contest: Contest) -> None:
    """The contest's lock, held until the commit. On SQLite, FOR UPDATE is
    not there and a SELECT runs outside any transaction, so a no-op UPDATE
    takes the database's write lock first: a second writer waits here, then
    counts what the first wrote."""
    contest.lock()  # which, on SQLite, takes the write lock (Contest.lock)


def counted_entries(contest: Contest, user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(Entry).where(
        Entry.contest_id == contest.id, Entry.submitted_by_id == user.id, Entry.status.in_(flow.COUNTED))) or 0


def _check_limit(contest: Contest, user: User) -> None:
    limit = contest.submission_rules()["max_per_person"]
    if limit is not None and counted_entries(contest, user) >= limit:
        raise ApiError("limit_reached", nmsg("You have reached this contest's limit of %(num)d entry per person; "
                                             "withdraw it to submit another.",
                                             "You have reached this contest's limit of %(num)d entries per person; "
                                             "withdraw one to submit another.", limit), 409)


def _team_rule():
    """Teams' check, once voting.submissions.teams offers it; None before."""
    try:
        from voting.submissions.teams.services import check_entry_team
    except ModuleNotFoundError as exc:
        if (exc.name or "").startswith("voting.submissions.teams"):
            return None
        raise
    return check_entry_team


def _check_team(contest: Contest, actor: User, team_id: int | None, category_id: int,
                entry_id: int | None = None) -> None:
    if team_id is None:
        return
    check = _team_rule()
    if check is None:
        raise validation_error({"team_id": N_("teams are not available yet")})
    if entry_id is None:
        check(contest, actor, team_id, category_id)
    else:
        check(contest, actor, team_id, category_id, entry_id=entry_id)


def submit(contest: Contest, data: dict[str, Any], actor: User, now: datetime, image: Upload | None = None,
           draft: bool = False, team_id: int | None = None) -> Entry:
    """A new entry: a draft, or submitted (pending moderation); an organiser's is approved at once."""
    organiser = _may_enter(contest, actor, now)
    problems = entries.entry_problems(contest, data)
    problems.update(photos.upload_problems(contest.kind, image))
    if problems:
        raise validation_error(problems)
    if not organiser:
        _check_limit(contest, actor)  # a first time, so that someone over the limit costs no decoding
    # The photo is decoded and re-encoded before the lock (the slow part); only storing it happens under it.
    prepared = photos.prepare(contest.submission_rules(), image) if image is not None else None
    lock_for_writers(contest)
    if not organiser:
        _check_limit(contest, actor)  # again: another request may have added an entry meanwhile
    category = contest.category(data["category"])
    _check_team(contest, actor, team_id, category.id)
    status = "draft" if draft else "approved" if organiser else "pending"
    # The photo is stored under the lock, after every check: a refusal after storing it would leave an orphan
    # (and the files stored are deleted again if the transaction rolls back: voting/media/transaction.py).
    entry = entries.create_entry(contest, data, actor, now, prepared, status)
    if team_id is not None:
        entry.team_id = team_id
    db.session.commit()
    events.contest_changed.send(contest.slug)
    return entry


def _handed_in(contest: Contest, actor: User) -> str:
    return "approved" if actor.manages(contest.id) else "pending"


def edit(contest: Contest, entry: Entry, changes: dict[str, Any], actor: User, now: datetime,
         hand_in: bool = False, team_id: Any = UNCHANGED) -> Entry:
    """The entrant's edit: only the fields named change. An approved entry
    edited is pending again (flow.after_edit); `hand_in` also submits a draft
    or an entry sent back for changes."""
    _own(contest, entry, actor)
    problems = entries.entry_problems(contest, changes, partial=True)
    if problems:
        raise validation_error(problems)
    _open(contest, now)
    _refuse(flow.edit_refusal(entry.status))
    values = fields.cleaned(changes)
    category = contest.category(values["category"]) if "category" in values else entry.category
    lock_for_writers(contest)
    db.session.refresh(entry)  # as it is now that no other change of the contest can run
    _refuse(flow.edit_refusal(entry.status))
    new_team = entry.team_id if team_id is UNCHANGED else team_id
    if new_team is not None and (new_team != entry.team_id or category.id != entry.category_id):
        _check_team(contest, actor, new_team, category.id, entry.id)
    changed = _apply(entry, values, category)
    if team_id is not UNCHANGED and team_id != entry.team_id:
        entry.team_id = team_id
        changed.append("team_id")
    before = entry.status
    moderated = not actor.manages(contest.id)
    if changed and moderated:
        entry.status = flow.after_edit(before)
    if hand_in and flow.submit_refusal(entry.status) is None:
        entry.status = _handed_in(contest, actor)
    if entry.status != before and entry.status != "draft":
        entry.submitted_at = now
    if changed or entry.status != before:
        entry.updated_at = now
        audit.append(contest, actor, "entry.edited", f"entry {entry.id}",
                     {"entry_id": entry.id, "fields": changed, "before": before, "after": entry.status}, now)
    db.session.commit()
    events.contest_changed.send(contest.slug)
    return entry


def _apply(entry: Entry, values: dict[str, Any], category) -> list[str]:
    """Set what differs; answer the names of the fields that changed."""
    changed = []
    if category.id != entry.category_id:
        entry.category_id, entry.category = category.id, category
        changed.append("category")
    for name, value in values.items():
        if name != "category" and getattr(entry, name) != value:
            setattr(entry, name, value)
            changed.append(name)
    return changed


def hand_in(contest: Contest, entry: Entry, actor: User, now: datetime) -> Entry:
    """Submit a draft, or an entry sent back for changes, for moderation."""
    _own(contest, entry, actor)
    _open(contest, now)
    lock_for_writers(contest)
    db.session.refresh(entry)
    refusal = flow.submit_refusal(entry.status)
    _refuse(refusal, "already_submitted" if entry.status in flow.HANDED_IN else "conflict")
    before = entry.status
    entry.status = _handed_in(contest, actor)
    entry.submitted_at = entry.updated_at = now
    audit.append(contest, actor, "entry.submitted", f"entry {entry.id}",
                 {"entry_id": entry.id, "before": before, "after": entry.status}, now)
    db.session.commit()
    events.contest_changed.send(contest.slug)
    return entry


def withdraw(contest: Contest, entry: Entry, actor: User, now: datetime) -> Entry:
    """The entrant takes the entry back: it leaves every list and stops counting towards the limit."""
    _own(contest, entry, actor)
    _open(contest, now)
    lock_for_writers(contest)
    db.session.refresh(entry)
    _refuse(flow.withdraw_refusal(entry.status))
    before = entry.status
    entry.status = "withdrawn"
    entry.updated_at = now
    audit.append(contest, actor, "entry.withdrawn", f"entry {entry.id}",
                 {"entry_id": entry.id, "before": before, "after": "withdrawn"}, now)
    db.session.commit()
    events.contest_changed.send(contest.slug)
    return entry


def my_entries(user: User, contest: Contest | None = None) -> list[tuple[Contest, Entry]]:
    """The account's entries, withdrawn ones included (they say what happened), newest contests first."""
    query = select(Entry).where(Entry.submitted_by_id == user.id)
    if contest is not None:
        query = query.where(Entry.contest_id == contest.id)
    found = list(db.session.scalars(query.order_by(Entry.contest_id.desc(), Entry.id)))
    return [(get_contest_by_id(e.contest_id), e) for e in found]


def readable_entry(contest: Contest, entry_id: int, viewer: User | None) -> tuple[Entry, bool]:
    """(the entry, whether the viewer may see its details): an approved entry
    for anyone; any other to its entrant, and to the contest's organisers once
    submitted (a draft is its entrant's alone). 404 otherwise, as for an entry
    that does not exist."""
    entry = entries.get_entry(entry_id, contest)
    own = viewer is not None and entry.submitted_by_id == viewer.id
    organiser = viewer is not None and viewer.manages(contest.id) and entry.status in flow.SUBMITTED
    if own or organiser:
        return entry, True
    if entry.status == "approved":
        return entry, False
    raise not_found("entry")


def organiser_edit(contest: Contest, entry: Entry, changes: dict[str, Any], actor: User, now: datetime) -> Entry:
    """An organiser's correction of a submitted entry of their contest
    (domain/organiser_edit.py says what may change, and when). Only the fields
    named change; the status stays as it is (the organisers have read what they
    wrote), and the audit entry keeps the short fields' values before and after."""
    if not actor.manages(contest.id) or entry.contest_id != contest.id:
        raise forbidden()
    problems = entries.entry_problems(contest, changes, partial=True)
    moving = "category" in changes and changes["category"] != entry.category.slug
    lock = edit_rules.category_lock(contest.windows(), now) if moving else None
    if lock and "category" not in problems:
        problems["category"] = lock
    if problems:
        raise validation_error(problems)
    require_unpublished(contest)  # the published results counted the entries as they stood
    _refuse(edit_rules.refusal(entry.status))
    values = fields.cleaned(changes)
    category = contest.category(values["category"]) if "category" in values else entry.category
    lock_for_writers(contest)
    db.session.refresh(entry)  # as it is now that no other change of the contest can run
    _refuse(edit_rules.refusal(entry.status))
    before = _values(entry)
    changed = _apply(entry, values, category)
    if changed:
        entry.updated_at = now
        audit.append(contest, actor, "entry.edited", f"entry {entry.id}",
                     {"entry_id": entry.id, "by_organiser": True, "status": entry.status,
                      **edit_rules.audit_details(before, _values(entry), changed)}, now)
    db.session.commit()
    events.contest_changed.send(contest.slug)
    return entry


def _values(entry: Entry) -> dict[str, Any]:
    return {"category": entry.category.slug, "title": entry.title, "summary": entry.summary, "team": entry.team,
            "organisation": entry.organisation, "country": entry.country, "links": list(entry.links or [])}
