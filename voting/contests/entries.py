"""Entries: the rows themselves (their fields checked, their photo stored,
their addition audited), read back, and shown as ENTRY.

Who may add what, and when, is voting.submissions's: participants' drafts,
submissions, edits, limits, moderation and the CSV import all make their rows
with `create_entry`. `add_entry` is the short way for organisers (approved at
once) and for scripts and tests (the demo, the page tests' fixtures); the API
and the pages go through voting.submissions.services."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from voting.accounts import countries
from voting.accounts.models import User
from voting.audit import services as audit
from voting.contests import events
from voting.contests.models import Contest, Entry
from voting.contests.services import phase_of
from voting.errors import ApiError, not_found, validation_error
from voting.extensions import db
from voting.media import photos
from voting.submissions.domain import fields

TEXT_LIMITS = fields.TEXT_LIMITS
ENTRY_FIELDS = set(fields.ENTRY_FIELDS)


def entry_problems(contest: Contest, data: dict[str, Any], partial: bool = False) -> dict[str, str]:
    """Every problem of an entry's fields, by field, under the contest's rules (its categories, its
    summary's word limit); `partial` for an edit, which names only what it changes."""
    return fields.field_problems(data, categories={c.slug for c in contest.categories}, countries=countries.codes(),
                                 max_words=contest.submission_rules()["summary_max_words"], partial=partial)


def create_entry(contest: Contest, data: dict[str, Any], actor: User | None, now: datetime,
                 image: photos.Upload | photos.Prepared | bytes | None = None, status: str = "approved") -> Entry:
    """The entry's row with its photo stored and its audit entry, in the
    caller's transaction: the caller decides who may, and commits. A caller
    holding a lock passes the photo already prepared (photos.prepare), so the
    decoding is not done under it."""
    problems = entry_problems(contest, data)
    image = photos.Upload.of(image) if isinstance(image, bytes) else image
    problems.update(photos.upload_problems(contest.kind, image))
    if problems:
        raise validation_error(problems)
    prepared = photos.prepare(contest.submission_rules(), image) if isinstance(image, photos.Upload) else image
    values = fields.cleaned(data)
    entry = Entry(contest_id=contest.id, category_id=contest.category(values["category"]).id,
                  title=values["title"], summary=values.get("summary", ""), team=values.get("team", ""),
                  organisation=values.get("organisation", ""), country=values.get("country", ""),
                  links=values.get("links", []), status=status,
                  submitted_by_id=actor.id if actor else None, submitted_at=None if status == "draft" else now,
                  updated_at=now)
    db.session.add(entry)
    db.session.flush()
    if prepared is not None:
        photos.attach(entry, prepared)
    audit.append(contest, actor, "entry.added", f"entry {entry.id}",
                 {"entry_id": entry.id, "before": None, "after": audited(entry)}, now)
    return entry


def add_entry(contest: Contest, data: dict[str, Any], actor: User, now: datetime,
              image: photos.Upload | bytes | None = None) -> Entry:
    organiser = actor.manages(contest.id)
    if not organiser and phase_of(contest, now) != "submission":
        raise ApiError("phase_closed", "Entries can be submitted only during the submission phase.", 409)
    if not organiser and not actor.verified:
        raise ApiError("email_unverified", "Confirm your address before submitting an entry.", 403)
    entry = create_entry(contest, data, actor, now, image, "approved" if organiser else "pending")
    db.session.commit()
    events.contest_changed.send(contest.slug)
    return entry


def audited(entry: Entry) -> dict[str, Any]:
    return {"category": entry.category.slug if entry.category else None, "title": entry.title,
            "status": entry.status}


def list_entries(contest: Contest, category: str | None = None,
                 statuses: tuple[str, ...] = ("approved",)) -> list[Entry]:
    query = select(Entry).where(Entry.contest_id == contest.id, Entry.status.in_(statuses))
    if category is not None:
        cat = contest.category(category)
        if cat is None:
            raise not_found("category")
        query = query.where(Entry.category_id == cat.id)
    return list(db.session.scalars(query.order_by(Entry.category_id, Entry.id)))


MAX_ID = 2**31 - 1  # ids are INTEGER columns


def get_entry(entry_id: int, contest: Contest | None = None) -> Entry:
    entry = db.session.get(Entry, entry_id) if 0 < entry_id <= MAX_ID else None
    if entry is None or (contest is not None and entry.contest_id != contest.id):
        raise not_found("entry")
    return entry


def serialise(entry: Entry) -> dict[str, Any]:
    body = {"id": entry.id, "category": entry.category.slug, "title": entry.title, "summary": entry.summary,
            "team": entry.team, "organisation": entry.organisation, "country": entry.country,
            "links": list(entry.links or []), "status": entry.status}
    body.update(photos.entry_fields(entry.photo))
    return body
