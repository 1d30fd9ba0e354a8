"""What an entry's entrant and the contest's organisers see of it: ENTRY plus
its contest, times, moderation reason, who submitted it, and its eligibility
checks (computed now, from the contest's current rules). The public sees
ENTRY only (voting.contests.entries.serialise)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from voting.accounts.models import User
from voting.contests import entries
from voting.contests.models import Contest, Entry
from voting.extensions import db
from voting.media.models import EntryPhoto
from voting.submissions.domain import eligibility
from voting.submissions.domain.fields import ENTRY_FIELDS


def photo_size(entry: Entry, kind: str) -> tuple[int, int] | None:
    """The photo's (width, height), as the media side recorded it (the kept original, upright)."""
    if kind != "photo":
        return None
    row = db.session.execute(select(EntryPhoto.width, EntryPhoto.height)
                             .where(EntryPhoto.entry_id == entry.id)).first()
    return (row.width, row.height) if row else None


def checks(entry: Entry, contest: Contest, now: datetime) -> list[eligibility.Check]:
    rules = contest.submission_rules()
    facts = eligibility.EntryFacts(kind=contest.kind,
                                   values={name: getattr(entry, name) for name in ENTRY_FIELDS if name != "category"},
                                   submitted_at=entry.submitted_at, photo_size=photo_size(entry, contest.kind))
    return eligibility.checks(facts, window=contest.windows().get("submission"), max_words=rules["summary_max_words"],
                              min_megapixels=rules["min_megapixels"], now=now)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def detail(entry: Entry, contest: Contest, now: datetime) -> dict[str, Any]:
    found = checks(entry, contest, now)
    submitter = db.session.get(User, entry.submitted_by_id) if entry.submitted_by_id else None
    body = {**entries.serialise(entry), "contest": contest.slug,
            "submitted_by": {"id": submitter.id, "display_name": submitter.display_name} if submitter else None,
            "submitted_at": _iso(entry.submitted_at), "updated_at": _iso(entry.updated_at),
            "moderation_reason": entry.moderation_reason or "",
            "eligible": eligibility.verdict(found),
            "eligibility": [{"check": c.key, "ok": c.ok, "message": c.message} for c in found]}
    if entry.team_id is not None:
        body["team_id"] = entry.team_id
    return body
