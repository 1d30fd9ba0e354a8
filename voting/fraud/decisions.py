"""Organisers' review decisions: count or invalidate, with a reason.

- On **ballots named by id**: every one of them, whatever was decided before
  (this is how an organiser changes their mind about one ballot).
- On a **cluster**: only its ballots nobody has decided on yet (`decided_at`
  unset); a ballot an organiser decided one by one, or through another
  cluster, is left alone, and the answer lists those with their status.

Held ballots (under review) and flagged ones (still counted) are decided
alike: count confirms them (a flagged ballot stays counted and leaves the
queue), invalidate takes them out of every count. Each decision enters the
audit log in the same transaction, under the contest's lock (so a sweep
running at the same time either sees the decision or is seen by it), and a
sealed ballot whose published status changes gets a ledger amendment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from sqlalchemy import select

from voting.accounts.models import User
from voting.audit import services as audit
from voting.ballots.models import Ballot
from voting.contests.models import Contest
from voting.errors import validation_error
from voting.extensions import db
from voting.fraud.models import FraudCluster, FraudClusterBallot
from voting.fraud.services import CHUNK, cluster_status
from voting.i18n.domain import N_, msg
from voting.ledger import amendments

DECISIONS = {"count": "counted", "invalidate": "invalidated"}


def check_decision(decision: object, reason: object) -> tuple[str, str]:
    problems = {}
    if decision not in DECISIONS:
        problems["decision"] = N_("must be count or invalidate")
    if not isinstance(reason, str) or not reason.strip():
        problems["reason"] = N_("is required: say why, for the audit log")
    elif len(reason) > 500:
        problems["reason"] = msg("must be at most %(num)d characters", num=500)
    if problems:
        raise validation_error(problems)
    return DECISIONS[decision], reason.strip()


def _ballots(contest: Contest, ids: Sequence[int]) -> list[Ballot]:
    """The contest's ballots with these ids, read afresh (after the lock)."""
    ids = sorted(set(ids))
    found: list[Ballot] = []
    for start in range(0, len(ids), CHUNK):
        found += db.session.scalars(select(Ballot).where(Ballot.id.in_(ids[start:start + CHUNK]),
                                                         Ballot.contest_id == contest.id)
                                    .order_by(Ballot.id).execution_options(populate_existing=True))
    return found


def decide(contest: Contest, ballot_ids: list[int], decision: object, reason: object, actor: User,
           now: datetime) -> dict[str, Any]:
    """Count or invalidate these ballots of the contest, every one of them. Commits."""
    status, why = check_decision(decision, reason)
    wanted = set(ballot_ids)
    known = 0
    ordered = sorted(wanted)
    for start in range(0, len(ordered), CHUNK):
        known += len(db.session.scalars(select(Ballot.id).where(Ballot.id.in_(ordered[start:start + CHUNK]),
                                                                Ballot.contest_id == contest.id)).all())
    if known != len(wanted):
        raise validation_error({"ballot_ids": N_("names ballots that are not in this contest")})
    contest.lock()
    ballots = _ballots(contest, ordered)
    return _apply(contest, ballots, [], decision, status, why, actor, now, f"{len(ballots)} ballot(s)")


def decide_cluster(contest: Contest, cluster: FraudCluster, decision: object, reason: object, actor: User,
                   now: datetime) -> dict[str, Any]:
    """Count or invalidate the cluster's undecided ballots; the others are left
    alone (and listed in the answer). Commits."""
    status, why = check_decision(decision, reason)
    contest.lock()
    ids = db.session.scalars(select(FraudClusterBallot.ballot_id)
                             .where(FraudClusterBallot.cluster_id == cluster.id)).all()
    ballots = _ballots(contest, ids)
    undecided = [b for b in ballots if b.decided_at is None]
    left = [b for b in ballots if b.decided_at is not None]
    result = _apply(contest, undecided, left, decision, status, why, actor, now,
                    f"cluster {cluster.id} ({cluster.rule})")
    return {**result, "cluster": {"id": cluster.id, "status": cluster.status}}


def _apply(contest: Contest, ballots: list[Ballot], left: list[Ballot], decision: str, status: str, why: str,
           actor: User, now: datetime, subject: str) -> dict[str, Any]:
    details: dict[str, Any] = {"reason": why, "ballots": [b.id for b in ballots], "status": status}
    if left:
        details["left_alone"] = [b.id for b in left]
    entry = audit.append(contest, actor, f"fraud.{decision}", subject, details, now)
    changed = 0
    for ballot in ballots:
        changed += ballot.status != status
        # As a decision: the ballot's decision_audit_hash (what an invalidated leaf names) becomes this
        # entry's only if the ballot is unsealed or its status changes, read under amend()'s row lock.
        # A sealed ballot decided again to the status it has keeps the decision its leaf names.
        amendments.amend(ballot, status, why, amendments.signer(actor), entry.hash, now, decision=True)
        ballot.decided_at = now
    db.session.flush()
    touched: set[int] = set()
    ids = [b.id for b in ballots]
    for start in range(0, len(ids), CHUNK):
        touched.update(db.session.scalars(select(FraudClusterBallot.cluster_id).where(
            FraudClusterBallot.ballot_id.in_(ids[start:start + CHUNK]))))
    for cid in sorted(touched):
        db.session.get(FraudCluster, cid).status = cluster_status(cid)
    db.session.commit()
    return {"decided": len(ballots), "changed": changed, "audit_hash": entry.hash,
            "left_alone": [{"id": b.id, "status": b.status} for b in left]}
