"""Read-only queries behind the review pages. They fetch one page of ballots at
a time, so a page stays small however many ballots a contest or cluster has.
Nothing here writes: every change goes through voting.fraud.services."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from voting.ballots.models import Ballot
from voting.contests.models import Category, Contest
from voting.extensions import db
from voting.fraud.models import FraudCluster, FraudClusterBallot, FraudVerdict
from voting.fraud.overview import verdict

ROW = (Ballot.id, Category.slug, Ballot.status, Ballot.status_reason, Ballot.cast_at, Ballot.ip_prefix,
       FraudVerdict.action, FraudVerdict.score)


def _rows(query, offset: int, limit: int) -> list[dict[str, Any]]:
    rows = db.session.execute(query.join(Category, Category.id == Ballot.category_id)
                              .outerjoin(FraudVerdict, FraudVerdict.ballot_id == Ballot.id)
                              .order_by(Ballot.id).offset(offset).limit(limit))
    return [{"id": bid, "category": category, "status": status, "reason": reason, "cast_at": cast_at,
             "ip_prefix": prefix, "verdict": verdict(action), "score": score}
            for bid, category, status, reason, cast_at, prefix, action, score in rows]


def _held_filter(contest: Contest) -> tuple:
    # Ballots the intake held (honeypot, too_fast) that no sweep put in a
    # cluster: without this list nobody would ever decide on them.
    in_cluster = select(FraudClusterBallot.ballot_id).where(FraudClusterBallot.ballot_id == Ballot.id).exists()
    return Ballot.contest_id == contest.id, Ballot.status == "under_review", ~in_cluster


def held_count(contest: Contest) -> int:
    return db.session.scalar(select(func.count()).select_from(Ballot).where(*_held_filter(contest))) or 0


def held_ballots(contest: Contest, offset: int, limit: int) -> list[dict[str, Any]]:
    return _rows(select(*ROW).where(*_held_filter(contest)), offset, limit)


def cluster_counts(cluster: FraudCluster) -> dict[str, int]:
    """How many of the cluster's ballots have each status."""
    return dict(db.session.execute(
        select(Ballot.status, func.count()).join(FraudClusterBallot, FraudClusterBallot.ballot_id == Ballot.id)
        .where(FraudClusterBallot.cluster_id == cluster.id).group_by(Ballot.status)).all())


def cluster_flagged(cluster: FraudCluster) -> int:
    """The cluster's flagged ballots still counted that nobody has decided on."""
    return db.session.scalar(
        select(func.count()).select_from(Ballot).join(FraudClusterBallot, FraudClusterBallot.ballot_id == Ballot.id)
        .join(FraudVerdict, FraudVerdict.ballot_id == Ballot.id)
        .where(FraudClusterBallot.cluster_id == cluster.id, FraudVerdict.action == "flag",
               Ballot.status == "counted", Ballot.decided_at.is_(None))) or 0


def cluster_ballots(cluster: FraudCluster, offset: int, limit: int) -> list[dict[str, Any]]:
    return _rows(select(*ROW).join(FraudClusterBallot, FraudClusterBallot.ballot_id == Ballot.id)
                 .where(FraudClusterBallot.cluster_id == cluster.id), offset, limit)
