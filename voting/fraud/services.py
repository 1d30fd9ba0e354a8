"""Fraud sweeps.

A sweep runs every rule over the contest's ballots and combines what they
find into one verdict per ballot (voting/fraud/domain/evidence.py). Every
finding is filed as a cluster; ballots held are put `under_review` (never
deleted) unless an organiser has decided on them already; ballots flagged
stay counted and are recorded as flagged for the review queue. Each sweep is
recorded (`FraudSweep`), and the one at the close (`final`) judges every
account: a final tally runs it first if nothing else has (ensure_final_sweep).
Organisers' decisions are in decisions.py, what the review shows in
overview.py. Every sweep enters the audit log in the same transaction, and a
hold of a sealed ballot is published as a ledger amendment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import select

from voting import clock
from voting.audit import services as audit
from voting.ballots.models import Ballot
from voting.contests.models import Contest
from voting.errors import ApiError, not_found
from voting.extensions import db
from voting.fraud.domain import rules
from voting.fraud.domain.evidence import Verdict
from voting.fraud.domain.policy import KINDS, Policy
from voting.fraud.domain.records import Finding
from voting.fraud.domain.thresholds import Thresholds
from voting.fraud.loading import load_records
from voting.fraud.models import FraudCluster, FraudClusterBallot, FraudSweep, FraudVerdict
from voting.ledger import amendments

CHUNK = 5000  # ids per IN (...) list: well under SQLite's and PostgreSQL's limits


def settings_of(contest: Contest) -> tuple[Thresholds, Policy, frozenset[str]]:
    """The contest's thresholds, policy (rule modes, hold and flag thresholds)
    and allowed countries. The SPEC was validated when stored; a rule named
    there that the code no longer has is ignored (the rule set changes)."""
    fraud = contest.settings.get("fraud", {})
    modes = {rule: mode for rule, mode in (fraud.get("rules") or {}).items() if rule in KINDS}
    policy = Policy.from_spec(modes, fraud.get("hold_threshold"), fraud.get("flag_threshold"))
    return (Thresholds.from_overrides(fraud.get("thresholds", {})), policy,
            frozenset(fraud.get("countries", [])))


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ids = sorted(ids)
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _file(contest: Contest, finding: Finding, now: datetime) -> FraudCluster:
    """Create or extend the cluster of a finding (its evidence and strength are the latest)."""
    cluster = db.session.scalar(select(FraudCluster).where(
        FraudCluster.contest_id == contest.id, FraudCluster.rule == finding.rule, FraudCluster.key == finding.key))
    if cluster is None:
        cluster = FraudCluster(contest_id=contest.id, rule=finding.rule, key=finding.key, evidence={},
                               found_at=now)
        db.session.add(cluster)
        db.session.flush()
    cluster.evidence = finding.evidence
    cluster.strength = float(finding.strength)
    cluster.updated_at = now
    known = set(db.session.scalars(select(FraudClusterBallot.ballot_id)
                                   .where(FraudClusterBallot.cluster_id == cluster.id)))
    db.session.add_all(FraudClusterBallot(cluster_id=cluster.id, ballot_id=b)
                       for b in sorted(set(finding.ballot_ids) - known))
    return cluster


def _attach_accounts(filed: list[tuple[Finding, FraudCluster]], verdicts: dict[int, Verdict],
                     voter_of: dict[int, int]) -> None:
    """A hold covers the whole account (evidence.combine): the account's other
    ballots, which no finding names, join the clusters that found the account
    for the reason rule (else for any of its rules), so deciding a cluster
    decides them too and the review lists them with it."""
    found = {b for finding, _ in filed for b in finding.ballot_ids}
    orphans = [b for b in verdicts if b not in found and b in voter_of]
    if not orphans:
        return
    by_voter: dict[tuple[str, int], set[int]] = {}
    for finding, cluster in filed:
        for b in finding.ballot_ids:
            if b in voter_of:
                by_voter.setdefault((finding.rule, voter_of[b]), set()).add(cluster.id)
    known: set[tuple[int, int]] = set()
    for ids in _chunks(orphans):
        known.update((c, b) for c, b in db.session.execute(
            select(FraudClusterBallot.cluster_id, FraudClusterBallot.ballot_id)
            .where(FraudClusterBallot.ballot_id.in_(ids))))
    for ballot in sorted(orphans):
        verdict, voter = verdicts[ballot], voter_of[ballot]
        into = by_voter.get((verdict.reason, voter)) or set().union(
            *(by_voter.get((rule, voter), set()) for rule in verdict.rules))
        db.session.add_all(FraudClusterBallot(cluster_id=c, ballot_id=ballot) for c in sorted(into)
                           if (c, ballot) not in known)


def _record_verdicts(contest: Contest, verdicts: dict[int, Verdict], now: datetime) -> tuple[dict[int, str], int]:
    """Upsert the verdicts; a hold stays a hold. Answers the ballots to hold
    (id → reason rule) and how many ballots were newly flagged."""
    known: dict[int, FraudVerdict] = {}
    for ids in _chunks(verdicts):
        known.update((v.ballot_id, v) for v in db.session.scalars(
            select(FraudVerdict).where(FraudVerdict.ballot_id.in_(ids))))
    to_hold: dict[int, str] = {}
    newly_flagged = 0
    for ballot_id, verdict in sorted(verdicts.items()):
        row = known.get(ballot_id)
        if row is not None and row.action == "hold" and verdict.action == "flag":
            continue  # only an organiser's decision ends a hold
        if row is None:
            row = FraudVerdict(ballot_id=ballot_id, contest_id=contest.id)
            db.session.add(row)
            newly_flagged += verdict.action == "flag"
        row.action, row.score, row.rules, row.reason = verdict.action, float(verdict.score), list(verdict.rules), \
            verdict.reason
        row.updated_at = now
        if verdict.action == "hold":
            to_hold[ballot_id] = verdict.reason
    return to_hold, newly_flagged


def _holdable(ballot_ids: Iterable[int]) -> list[Ballot]:
    """Counted ballots nobody has decided on yet, read afresh under the
    contest's lock: these a hold puts under review."""
    found = []
    for ids in _chunks(ballot_ids):
        found += db.session.scalars(select(Ballot).where(Ballot.id.in_(ids), Ballot.status == "counted",
                                                         Ballot.decided_at.is_(None))
                                    .execution_options(populate_existing=True))
    return found


def final_sweep(contest_id: int) -> FraudSweep | None:
    """The first final sweep of the contest, if one has run."""
    return db.session.scalar(select(FraudSweep).where(FraudSweep.contest_id == contest_id,
                                                      FraudSweep.final.is_(True))
                             .order_by(FraudSweep.id).limit(1))


def last_sweep(contest_id: int) -> FraudSweep | None:
    return db.session.scalar(select(FraudSweep).where(FraudSweep.contest_id == contest_id)
                             .order_by(FraudSweep.id.desc()).limit(1))


def voting_closed(contest: Contest, now: datetime) -> bool:
    """The vote has closed: a sweep now is a final one (nothing more will come)."""
    return contest.voting_closes_at is not None and contest.voting_closes_at <= now


def needs_final_sweep(contest: Contest) -> bool:
    """A contest with a public vote and no final sweep yet (whether its vote has closed or not)."""
    return (contest.settings["voting"]["method"] != "none" and contest.voting_closes_at is not None
            and final_sweep(contest.id) is None)


def sweep(contest_id: int, now: datetime, final: bool = False, once: bool = False) -> dict[str, Any]:
    """Run the rules, file the clusters, hold and flag, record the sweep; commits.
    `final`: the sweep at the close (the rules judge every account). `once`
    (with `final`): do nothing if a final sweep has run already."""
    contest = db.session.get(Contest, contest_id)
    if contest is None or contest.published_at is not None:  # published results are frozen
        return {"clusters": 0, "held": 0, "flagged": 0, "final": final, "skipped": True}
    if once and final_sweep(contest_id) is not None:
        db.session.rollback()
        return {"clusters": 0, "held": 0, "flagged": 0, "final": final, "skipped": True}
    thresholds, policy, countries = settings_of(contest)
    records = load_records(contest_id)
    high_water = max((r.id for r in records), default=None)
    assessment = rules.assess(records, now, thresholds, policy, countries, final=final)
    voter_of = {r.id: r.voter_id for r in records}
    del records
    # From here on, decisions and other sweeps wait for this one (and it for
    # them): what is held or left alone is read after they have committed.
    contest.lock()
    db.session.refresh(contest)
    if contest.published_at is not None or (once and final_sweep(contest_id) is not None):  # meanwhile
        db.session.rollback()
        return {"clusters": 0, "held": 0, "flagged": 0, "final": final, "skipped": True}
    touched = [_file(contest, finding, now) for finding in assessment.findings]
    _attach_accounts(list(zip(assessment.findings, touched)), assessment.verdicts, voter_of)
    to_hold, newly_flagged = _record_verdicts(contest, assessment.verdicts, now)
    db.session.flush()
    holding = _holdable(to_hold)
    by_rule: dict[str, int] = {}
    for finding in assessment.findings:
        by_rule[finding.rule] = by_rule.get(finding.rule, 0) + len(finding.ballot_ids)
    entry = audit.append(contest, None, "fraud.sweep", f"contest {contest.slug}",
                         {"findings": len(assessment.findings), "ballots_by_rule": by_rule,
                          "newly_held": len(holding), "newly_flagged": newly_flagged, "final": final}, now)
    for ballot in holding:
        reason = to_hold[ballot.id]
        # Through amend(): a sealed ballot's hold is published as an amendment.
        amendments.amend(ballot, "under_review", f"held by the {reason} rule", "system: fraud sweep", entry.hash,
                         now)
        ballot.status_reason = reason
    db.session.flush()
    for cluster in touched:
        cluster.status = cluster_status(cluster.id)
    record = FraudSweep(contest_id=contest.id, final=final, started_at=now, finished_at=max(clock.now(), now),
                        high_water_ballot_id=high_water, held=len(holding), flagged=newly_flagged)
    db.session.add(record)
    db.session.commit()
    return {"clusters": len(assessment.findings), "held": len(holding), "flagged": newly_flagged, "final": final,
            "sweep": record.id}


def ensure_final_sweep(contest_id: int, now: datetime) -> dict[str, Any] | None:
    """Before a final tally: the final sweep, unless it has run (or the
    contest has no public vote, or its vote has not closed). Answers its
    summary, or None."""
    contest = db.session.get(Contest, contest_id)
    if contest is None or not voting_closed(contest, now) or not needs_final_sweep(contest):
        return None
    found = sweep(contest_id, now, final=True, once=True)
    return None if found.get("skipped") else found


def cluster_status(cluster_id: int) -> str:
    """`open` while any ballot awaits a decision (under review, or flagged and
    not decided); else what its ballots are."""
    rows = db.session.execute(
        select(Ballot.status, Ballot.decided_at.is_(None), FraudVerdict.action)
        .join(FraudClusterBallot, FraudClusterBallot.ballot_id == Ballot.id)
        .outerjoin(FraudVerdict, FraudVerdict.ballot_id == Ballot.id)
        .where(FraudClusterBallot.cluster_id == cluster_id)).all()
    if not rows or any(status == "under_review" or (status == "counted" and undecided and action == "flag")
                       for status, undecided, action in rows):
        return "open"
    statuses = {status for status, _, _ in rows}
    return statuses.pop() if len(statuses) == 1 else "mixed"


def get_cluster(contest: Contest, cluster_id: int) -> FraudCluster:
    cluster = db.session.get(FraudCluster, cluster_id) if 0 < cluster_id < 2**31 else None
    if cluster is None or cluster.contest_id != contest.id:
        raise not_found("cluster")
    return cluster


def cluster_ballot_ids(cluster: FraudCluster) -> list[int]:
    return list(db.session.scalars(select(FraudClusterBallot.ballot_id)
                                   .where(FraudClusterBallot.cluster_id == cluster.id)
                                   .order_by(FraudClusterBallot.ballot_id)))


def require_open_review(contest: Contest) -> None:
    if contest.published_at is not None:
        raise ApiError("phase_closed", "The results are published; their ballots can no longer change.", 409)
