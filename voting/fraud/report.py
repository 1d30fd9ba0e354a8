"""The invalidation report: how many ballots were counted, are under review
or were invalidated, and by which rule or check, per contest and category.
With `flagged`, the organisers' copy adds the flagged ballots (counted, in
the review queue) by the rule named as the reason; the tally's copy, which
the published results carry, leaves them out."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select

from voting.ballots.models import Ballot
from voting.contests.models import Contest
from voting.extensions import db
from voting.fraud.models import FraudVerdict


def _blank() -> dict[str, Any]:
    return {"counted": 0, "under_review": 0, "invalidated": 0, "invalidated_by_reason": {},
            "under_review_by_reason": {}}


def _add(bucket: dict[str, Any], status: str, reason: str | None, n: int) -> None:
    bucket[status] += n
    if status in ("invalidated", "under_review"):
        by = bucket[f"{status}_by_reason"]
        key = reason or "review"
        by[key] = by.get(key, 0) + n


def _flagged(contest: Contest, totals: dict[str, Any], per_category: dict[int, dict[str, Any]]) -> None:
    """Flagged ballots still counted and not decided, by reason rule."""
    for bucket in (totals, *per_category.values()):
        bucket["flagged"], bucket["flagged_by_reason"] = 0, {}
    rows = db.session.execute(
        select(Ballot.category_id, FraudVerdict.reason, func.count())
        .join(FraudVerdict, FraudVerdict.ballot_id == Ballot.id)
        .where(Ballot.contest_id == contest.id, FraudVerdict.action == "flag", Ballot.status == "counted",
               Ballot.decided_at.is_(None))
        .group_by(Ballot.category_id, FraudVerdict.reason))
    for category_id, reason, n in rows:
        for bucket in (totals, per_category[category_id]):
            bucket["flagged"] += n
            bucket["flagged_by_reason"][reason] = bucket["flagged_by_reason"].get(reason, 0) + n


def invalidation_report(contest: Contest, flagged: bool = False) -> dict[str, Any]:
    totals = _blank()
    # Every category has its bucket, ballots or not.
    per_category: dict[int, dict[str, Any]] = defaultdict(_blank, {c.id: _blank() for c in contest.categories})
    rows = db.session.execute(
        select(Ballot.category_id, Ballot.status, Ballot.status_reason, func.count())
        .where(Ballot.contest_id == contest.id)
        .group_by(Ballot.category_id, Ballot.status, Ballot.status_reason))
    for category_id, status, reason, n in rows:
        _add(totals, status, reason, n)
        _add(per_category[category_id], status, reason, n)
    if flagged:
        _flagged(contest, totals, per_category)
    return {**totals, "categories": [{"slug": c.slug, **per_category[c.id]} for c in contest.categories]}
