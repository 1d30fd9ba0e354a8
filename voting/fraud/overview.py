"""What the review shows (read only): the clusters with their kind, strength
and each ballot's verdict, and the state of the review as a whole (the last
sweep, the final sweep, what still awaits a decision) for the organiser
before a tally."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from voting.ballots.models import Ballot
from voting.contests.models import Category, Contest
from voting.extensions import db
from voting.fraud.domain.policy import KINDS
from voting.fraud.models import FraudCluster, FraudClusterBallot, FraudSweep, FraudVerdict
from voting.fraud.services import final_sweep, last_sweep, voting_closed

# A verdict's action as the review names it: the ballot was held, or flagged.
VERDICTS = {"hold": "held", "flag": "flagged"}


def verdict(action: str | None) -> str | None:
    return VERDICTS.get(action or "")


def kind(rule: str) -> str | None:
    """volume, behaviour or policy (voting/fraud/domain/policy.py); None for a rule the code no longer has."""
    return KINDS.get(rule)


def clusters(contest: Contest) -> list[dict[str, Any]]:
    slugs = {cid: slug for cid, slug in db.session.execute(
        select(Category.id, Category.slug).where(Category.contest_id == contest.id))}
    found = []
    for cluster in db.session.scalars(select(FraudCluster).where(FraudCluster.contest_id == contest.id)
                                      .order_by(FraudCluster.id)):
        rows = db.session.execute(
            select(Ballot, FraudVerdict.action, FraudVerdict.score)
            .join(FraudClusterBallot, FraudClusterBallot.ballot_id == Ballot.id)
            .outerjoin(FraudVerdict, FraudVerdict.ballot_id == Ballot.id)
            .where(FraudClusterBallot.cluster_id == cluster.id).order_by(Ballot.id))
        found.append({"id": cluster.id, "rule": cluster.rule, "kind": kind(cluster.rule),
                      "strength": cluster.strength, "evidence": cluster.evidence, "status": cluster.status,
                      "found_at": cluster.found_at.isoformat(),
                      "ballots": [{"id": b.id, "category": slugs.get(b.category_id), "status": b.status,
                                   "cast_at": b.cast_at.isoformat(), "ip_prefix": b.ip_prefix,
                                   "verdict": verdict(action), "score": score,
                                   "decided_at": b.decided_at.isoformat() if b.decided_at else None}
                                  for b, action, score in rows]})
    return found


def sweep_json(found: FraudSweep | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {"id": found.id, "final": found.final, "started_at": found.started_at.isoformat(),
            "finished_at": found.finished_at.isoformat(), "high_water_ballot_id": found.high_water_ballot_id,
            "held": found.held, "flagged": found.flagged}


def flagged_undecided(contest: Contest) -> int:
    """Flagged ballots still counted that no organiser has decided on: the queue's other half."""
    return db.session.scalar(
        select(func.count()).select_from(FraudVerdict).join(Ballot, Ballot.id == FraudVerdict.ballot_id)
        .where(FraudVerdict.contest_id == contest.id, FraudVerdict.action == "flag", Ballot.status == "counted",
               Ballot.decided_at.is_(None))) or 0


def status(contest: Contest) -> dict[str, Any]:
    """The review as a whole: the last sweep, when the final sweep ran (None:
    not yet; a final tally runs it first), the ballots under review (not
    counted unless an organiser counts them), flagged and not decided (counted),
    invalidated, and the clusters still open."""
    by_status = dict(db.session.execute(
        select(Ballot.status, func.count()).where(Ballot.contest_id == contest.id,
                                                  Ballot.status.in_(("under_review", "invalidated")))
        .group_by(Ballot.status)).all())
    final = final_sweep(contest.id)
    open_clusters = db.session.scalar(select(func.count()).select_from(FraudCluster).where(
        FraudCluster.contest_id == contest.id, FraudCluster.status == "open")) or 0
    return {"last_sweep": sweep_json(last_sweep(contest.id)),
            "final_sweep_at": final.finished_at.isoformat() if final else None,
            "under_review": by_status.get("under_review", 0), "flagged": flagged_undecided(contest),
            "invalidated": by_status.get("invalidated", 0), "open_clusters": open_clusters}


def page_state(contest: Contest, now: datetime) -> dict[str, Any]:
    """status() with the sweeps as rows (pages format their times) and
    whether there is a vote and it has closed: the review queue and the
    results page show it before a tally."""
    return {**status(contest), "last": last_sweep(contest.id), "final": final_sweep(contest.id),
            "voting_closed": voting_closed(contest, now),
            "has_vote": contest.settings["voting"]["method"] != "none"}
