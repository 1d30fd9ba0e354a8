"""What the galleries and the /media/ routes show: a category's approved
entries a page at a time, one approved entry, and a photo's file for those
who may see it (everyone once the entry is approved and its contest visible;
before that its contest's organisers and its entrant; the kept full-size
original only to organisers, the entrant and the contest's judges)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from voting.accounts.models import User
from voting.contests.models import Contest, Entry
from voting.contests.services import get_contest_by_id, visible_to
from voting.errors import not_found
from voting.extensions import db
from voting.media import photos

PER_PAGE = 24  # a grid of 2, 3, 4 or 6 columns fills evenly
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class GalleryPage:
    entries: list[Entry]
    page: int
    pages: int
    total: int


def category_page(contest: Contest, category: str, page: int) -> GalleryPage:
    """One page of the category's approved entries, oldest first; a page past the last is not found."""
    found = contest.category(category)
    if found is None:
        raise not_found("category")
    where = (Entry.contest_id == contest.id, Entry.category_id == found.id, Entry.status == "approved")
    total = db.session.scalar(select(func.count()).select_from(Entry).where(*where)) or 0
    pages = max(1, math.ceil(total / PER_PAGE))
    if not 1 <= page <= pages:
        raise not_found("page")
    rows = db.session.scalars(select(Entry).where(*where).order_by(Entry.id)
                              .limit(PER_PAGE).offset((page - 1) * PER_PAGE))
    return GalleryPage(list(rows), page, pages, total)


def public_entry(contest: Contest, entry_id: int) -> Entry:
    """An approved entry of the contest (the caller found the contest visible)."""
    entry = db.session.get(Entry, entry_id) if 0 < entry_id <= MAX_ID else None
    if entry is None or entry.contest_id != contest.id or entry.status != "approved":
        raise not_found("entry")
    return entry


def _publicly_visible(entry: Entry, now: datetime) -> bool:
    return entry.status == "approved" and visible_to(get_contest_by_id(entry.contest_id), None, now)


def _close_to(entry: Entry, user: User | None) -> bool:
    return user is not None and (user.manages(entry.contest_id) or user.id == entry.submitted_by_id)


def photo_file(entry_id: int, name: str, user: User | None, now: datetime) -> photos.Served | None:
    """The file a /media/ URL names, or None when it is not there for this asker (404)."""
    entry = db.session.get(Entry, entry_id) if 0 < entry_id <= MAX_ID else None
    if entry is None:
        return None
    public = _publicly_visible(entry, now)
    close = _close_to(entry, user)
    if not (public or close):
        return None
    judge = user is not None and user.has_role("judge", entry.contest_id)
    return photos.served(entry.photo, name, public, may_see_original=close or judge)


def display_url(entry_id: int, user: User | None, now: datetime) -> str | None:
    """Where the old address of an entry's image (/media/entries/<id>.jpg) now points."""
    entry = db.session.get(Entry, entry_id) if 0 < entry_id <= MAX_ID else None
    if entry is None or entry.photo is None or not (_publicly_visible(entry, now) or _close_to(entry, user)):
        return None
    return photos.url(entry.photo, "display")
