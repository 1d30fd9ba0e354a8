"""The invalidation report: how many ballots were counted, are under review
or were invalidated, and by which rule or check, per contest and category."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select

from voting.ballots.models import Ballot
from voting.contests.models import Contest
from voting.extensions import db


def _blank() -> dict[str, Any]:
    return {"counted": 0, "under_review": 0, "invalidated": 0, "invalidated_by_reason": {},
            "under_review_by_reason": {}}


def _add(bucket: dict[str, Any], status: str, reason: str | None, n: int) -> None:
    bucket[status] += n
    if status in ("invalidated", "under_review"):
        by = bucket[f"{status}_by_reason"]
        key = reason or "review"
        by[key] = by.get(key, 0) + n


def invalidation_report(contest: Contest) -> dict[str, Any]:
    totals = _blank()
    per_category: dict[int, dict[str, Any]] = defaultdict(_blank)
    rows = db.session.execute(
        select(Ballot.category_id, Ballot.status, Ballot.status_reason, func.count())
        .where(Ballot.contest_id == contest.id)
        .group_by(Ballot.category_id, Ballot.status, Ballot.status_reason))
    for category_id, status, reason, n in rows:
        _add(totals, status, reason, n)
        _add(per_category[category_id], status, reason, n)
    return {**totals, "categories": [{"slug": c.slug, **per_category[c.id]} for c in contest.categories]}
