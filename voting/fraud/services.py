"""Fraud sweeps and review decisions.

A sweep runs every rule over the contest's ballots and files what they find
as clusters; ballots it newly suspects are held `under_review` (never
deleted). Organisers then count or invalidate a cluster, or single ballots,
with a reason. Every sweep and decision enters the audit log in the same
transaction, and a decision on a sealed ballot is published as a ledger
amendment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import select

from voting.accounts.domain import email_domain
from voting.accounts.models import User
from voting.audit import services as audit
from voting.ballots.domain import selection
from voting.ballots.models import Ballot
from voting.contests.models import Category, Contest
from voting.errors import ApiError, not_found, validation_error
from voting.extensions import db
from voting.fraud.domain import rules
from voting.fraud.models import FraudCluster, FraudClusterBallot
from voting.fraud.domain.records import BallotRecord, Finding
from voting.fraud.domain.thresholds import Thresholds
from voting.ledger import amendments

DECISIONS = {"count": "counted", "invalidate": "invalidated"}


def load_records(contest_id: int) -> list[BallotRecord]:
    rows = db.session.execute(
        select(Ballot, User.created_at, User.email_normalised, User.country)
        .join(User, User.id == Ballot.voter_id).where(Ballot.contest_id == contest_id).order_by(Ballot.id)
        .execution_options(yield_per=5000))
    return [BallotRecord(
        id=b.id, category_id=b.category_id, entries=tuple(sorted(selection.increments(b.method, b.selection))),
        voter_id=b.voter_id, voter_created_at=created, voter_email_domain=email_domain(email),
        voter_country=country, ip=b.client_ip, prefix=b.ip_prefix, device_id=b.device_id,
        user_agent_hash=b.user_agent_hash, cast_at=b.cast_at, status=b.status, flags=tuple(b.flags or ()))
        for b, created, email, country in rows]


def settings_of(contest: Contest) -> tuple[Thresholds, frozenset[str]]:
    fraud = contest.settings.get("fraud", {})
    return Thresholds.from_overrides(fraud.get("thresholds", {})), frozenset(fraud.get("countries", []))


def _file(contest: Contest, finding: Finding, now: datetime) -> tuple[FraudCluster, set[int]]:
    """Create or extend the cluster of a finding; answers it and its new ballot ids."""
    cluster = db.session.scalar(select(FraudCluster).where(
        FraudCluster.contest_id == contest.id, FraudCluster.rule == finding.rule, FraudCluster.key == finding.key))
    if cluster is None:
        cluster = FraudCluster(contest_id=contest.id, rule=finding.rule, key=finding.key, evidence={},
                               found_at=now)
        db.session.add(cluster)
        db.session.flush()
    cluster.evidence = finding.evidence
    cluster.updated_at = now
    known = set(db.session.scalars(select(FraudClusterBallot.ballot_id)
                                   .where(FraudClusterBallot.cluster_id == cluster.id)))
    new = set(finding.ballot_ids) - known
    db.session.add_all(FraudClusterBallot(cluster_id=cluster.id, ballot_id=b) for b in sorted(new))
    return cluster, new


def _holdable(ballot_ids: Iterable[int]) -> list[Ballot]:
    """Counted ballots nobody has decided on yet: these a finding puts under review."""
    return [b for b in db.session.scalars(select(Ballot).where(Ballot.id.in_(list(ballot_ids))))
            if b.status == "counted" and b.decided_at is None]


def sweep(contest_id: int, now: datetime) -> dict[str, Any]:
    contest = db.session.get(Contest, contest_id)
    if contest is None or contest.published_at is not None:  # published results are frozen
        return {"clusters": 0, "held": 0}
    thresholds, countries = settings_of(contest)
    findings = rules.run_all(load_records(contest_id), now, thresholds, countries)
    to_hold: dict[int, tuple[Ballot, str]] = {}
    by_rule: dict[str, int] = {}
    touched = []
    for finding in findings:
        cluster, new = _file(contest, finding, now)
        touched.append(cluster)
        for ballot in _holdable(new):
            to_hold.setdefault(ballot.id, (ballot, finding.rule))
        by_rule[finding.rule] = by_rule.get(finding.rule, 0) + len(finding.ballot_ids)
    entry = audit.append(contest, None, "fraud.sweep", f"contest {contest.slug}",
                         {"findings": len(findings), "ballots_by_rule": by_rule, "newly_held": len(to_hold)}, now)
    for ballot, rule in to_hold.values():
        # Through amend(): a sealed ballot's hold is published as an amendment.
        amendments.amend(ballot, "under_review", f"held by the {rule} rule", "system: fraud sweep", entry.hash, now)
        ballot.status_reason = rule
    db.session.flush()
    for cluster in touched:
        cluster.status = cluster_status(cluster.id)
    db.session.commit()
    return {"clusters": len(findings), "held": len(to_hold)}


def cluster_status(cluster_id: int) -> str:
    statuses = set(db.session.scalars(
        select(Ballot.status).join(FraudClusterBallot, FraudClusterBallot.ballot_id == Ballot.id)
        .where(FraudClusterBallot.cluster_id == cluster_id)))
    if "under_review" in statuses or not statuses:
        return "open"
    return statuses.pop() if len(statuses) == 1 else "mixed"


def get_cluster(contest: Contest, cluster_id: int) -> FraudCluster:
    cluster = db.session.get(FraudCluster, cluster_id) if 0 < cluster_id < 2**31 else None
    if cluster is None or cluster.contest_id != contest.id:
        raise not_found("cluster")
    return cluster


def _check_decision(decision: object, reason: object) -> tuple[str, str]:
    problems = {}
    if decision not in DECISIONS:
        problems["decision"] = "must be count or invalidate"
    if not isinstance(reason, str) or not reason.strip():
        problems["reason"] = "is required: say why, for the audit log"
    elif len(reason) > 500:
        problems["reason"] = "must be at most 500 characters"
    if problems:
        raise validation_error(problems)
    return DECISIONS[decision], reason.strip()


def decide(contest: Contest, ballot_ids: list[int], decision: object, reason: object, actor: User,
           now: datetime, cluster: FraudCluster | None = None) -> dict[str, Any]:
    """Count or invalidate ballots of this contest, recorded in the audit log,
    with a ledger amendment for each sealed ballot whose published status changes."""
    status, why = _check_decision(decision, reason)
    ballots = list(db.session.scalars(select(Ballot).where(Ballot.id.in_(ballot_ids),
                                                           Ballot.contest_id == contest.id)))
    if len(ballots) != len(set(ballot_ids)):
        raise validation_error({"ballot_ids": "names ballots that are not in this contest"})
    subject = f"cluster {cluster.id} ({cluster.rule})" if cluster else f"{len(ballots)} ballot(s)"
    entry = audit.append(contest, actor, f"fraud.{decision}", subject,
                         {"reason": why, "ballots": sorted(b.id for b in ballots), "status": status}, now)
    changed = 0
    for ballot in ballots:
        changed += ballot.status != status
        amendments.amend(ballot, status, why, amendments.signer(actor), entry.hash, now)
        ballot.decided_at = now
    db.session.flush()
    for cid in {c for c in db.session.scalars(select(FraudClusterBallot.cluster_id).where(
            FraudClusterBallot.ballot_id.in_([b.id for b in ballots])))}:
        db.session.get(FraudCluster, cid).status = cluster_status(cid)
    db.session.commit()
    return {"decided": len(ballots), "changed": changed, "audit_hash": entry.hash}


def cluster_ballot_ids(cluster: FraudCluster) -> list[int]:
    return list(db.session.scalars(select(FraudClusterBallot.ballot_id)
                                   .where(FraudClusterBallot.cluster_id == cluster.id)
                                   .order_by(FraudClusterBallot.ballot_id)))


def clusters(contest: Contest) -> list[dict[str, Any]]:
    slugs = {cid: slug for cid, slug in db.session.execute(
        select(Category.id, Category.slug).where(Category.contest_id == contest.id))}
    found = []
    for cluster in db.session.scalars(select(FraudCluster).where(FraudCluster.contest_id == contest.id)
                                      .order_by(FraudCluster.id)):
        ballots = db.session.scalars(
            select(Ballot).join(FraudClusterBallot, FraudClusterBallot.ballot_id == Ballot.id)
            .where(FraudClusterBallot.cluster_id == cluster.id).order_by(Ballot.id))
        found.append({"id": cluster.id, "rule": cluster.rule, "evidence": cluster.evidence,
                      "status": cluster.status, "found_at": cluster.found_at.isoformat(),
                      "ballots": [{"id": b.id, "category": slugs.get(b.category_id), "status": b.status,
                                   "cast_at": b.cast_at.isoformat(), "ip_prefix": b.ip_prefix}
                                  for b in ballots]})
    return found


def require_open_review(contest: Contest) -> None:
    if contest.published_at is not None:
        raise ApiError("phase_closed", "The results are published; their ballots can no longer change.", 409)
