"""Entries: added by organisers (approved at once) or by participants during
the submission phase (pending until moderated)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from voting.accounts.countries import is_country
from voting.accounts.models import User
from voting.audit import services as audit
from voting.contests import events, images
from voting.contests.models import ENTRY_STATUSES, Contest, Entry
from voting.contests.services import phase_of
from voting.errors import ApiError, forbidden, not_found, validation_error
from voting.extensions import db

TEXT_LIMITS = {"title": 300, "summary": 5000, "team": 300, "organisation": 300}
ENTRY_FIELDS = {"category", "title", "summary", "team", "organisation", "country"}


def entry_problems(contest: Contest, data: dict[str, Any]) -> dict[str, str]:
    problems = {key: "is not a known field" for key in data if key not in ENTRY_FIELDS}
    for key, limit in TEXT_LIMITS.items():
        value = data.get(key, "")
        if not isinstance(value, str):
            problems[key] = "must be a string"
        elif len(value) > limit:
            problems[key] = f"must be at most {limit} characters"
    if not isinstance(data.get("title"), str) or not data.get("title", "").strip():
        problems.setdefault("title", "is required")
    category = data.get("category")
    if not isinstance(category, str) or not category:
        problems["category"] = "is required"
    elif contest.category(category) is None:
        problems["category"] = "is not a category of this contest"
    country = data.get("country")
    if country not in (None, "") and not is_country(country):
        problems["country"] = "must be an ISO 3166-1 alpha-2 country code"
    return problems


def add_entry(contest: Contest, data: dict[str, Any], actor: User, now: datetime,
              image: bytes | None = None) -> Entry:
    organiser = actor.manages(contest.id)
    if not organiser and phase_of(contest, now) != "submission":
        raise ApiError("phase_closed", "Entries can be submitted only during the submission phase.", 409)
    if not organiser and not actor.verified:
        raise ApiError("email_unverified", "Confirm your address before submitting an entry.", 403)
    problems = entry_problems(contest, data)
    if contest.kind == "photo" and image is None:
        problems["image"] = "a photo contest entry needs an image file"
    if image is not None and contest.kind != "photo":
        problems["image"] = "only photo contests take images"
    if problems:
        raise validation_error(problems)
    stored = images.store(contest.id, image) if image is not None else None
    entry = Entry(contest_id=contest.id, category_id=contest.category(data["category"]).id,
                  title=data["title"].strip(), summary=data.get("summary", "").strip(),
                  team=data.get("team", "").strip(), organisation=data.get("organisation", "").strip(),
                  country=(data.get("country") or "").upper(), image_path=stored,
                  status="approved" if organiser else "pending", submitted_by_id=actor.id)
    db.session.add(entry)
    db.session.flush()
    audit.append(contest, actor, "entry.added", f"entry {entry.id}",
                 {"entry_id": entry.id, "before": None, "after": _audited(entry)}, now)
    db.session.commit()
    events.contest_changed.send(contest.slug)
    return entry


def _audited(entry: Entry) -> dict[str, Any]:
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


REASON_LIMIT = 500


def moderate(contest: Contest, entry: Entry, status: str, actor: User, now: datetime,
             reason: str | None = None) -> Entry:
    """Approve or reject an entry (again, if need be), with the reason in the
    audit log beside the status before and after."""
    if not actor.manages(contest.id) or entry.contest_id != contest.id:
        raise forbidden()
    if status not in ENTRY_STATUSES or status == "pending":
        raise validation_error({"status": "must be approved or rejected"})
    if reason is not None and (not isinstance(reason, str) or len(reason) > REASON_LIMIT):
        raise validation_error({"reason": f"must be text of at most {REASON_LIMIT} characters"})
    before = entry.status
    entry.status = status
    audit.append(contest, actor, "entry.moderated", f"entry {entry.id}",
                 {"entry_id": entry.id, "before": before, "after": status, "reason": reason or ""}, now)
    db.session.commit()
    events.contest_changed.send(contest.slug)
    return entry


def serialise(entry: Entry) -> dict[str, Any]:
    body = {"id": entry.id, "category": entry.category.slug, "title": entry.title, "summary": entry.summary,
            "team": entry.team, "organisation": entry.organisation, "country": entry.country,
            "status": entry.status}
    if entry.image_path:
        body["image_url"] = f"/media/entries/{entry.id}.jpg"
    return body
