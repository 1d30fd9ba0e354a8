"""Filing what a sweep judged: clusters created or extended, accounts'
other ballots attached, verdicts upserted (a hold stays a hold), holds put
under review through the ledger's amendments, one audit entry, the sweep's
record. In the caller's transaction, under the contest's lock; commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import select, update

from voting import clock
from voting.audit import services as audit
from voting.ballots.models import Ballot
from voting.contests.models import Contest
from voting.extensions import db
from voting.fraud.domain.evidence import Assessment, Verdict
from voting.fraud.domain.records import Finding
from voting.fraud.models import FraudCluster, FraudClusterBallot, FraudSweep, FraudVerdict
from voting.ledger import amendments

CHUNK = 5000  # ids per IN (...) list: well under SQLite's and PostgreSQL's limits


def file_sweep(contest: Contest, assessment: Assessment, voter_of: dict[int, int], now: datetime, final: bool,
               record: dict[str, Any], held: list[tuple[str, int, frozenset[int]]] = ()) -> dict[str, Any]:
    """File the findings and verdicts, record the sweep (`record`: its other
    fields); commits. `held`: see `_attach_accounts` (their statuses are
    looked at again too: a verdict may have moved one of their ballots)."""
    touched = [_file(contest, finding, now) for finding in assessment.findings]
    _attach_accounts(list(zip(assessment.findings, touched)), assessment.verdicts, voter_of, held)
    to_hold, newly_flagged = _record_verdicts(contest, assessment.verdicts, now)
    db.session.flush()
    holding = _holdable(to_hold)
    by_rule: dict[str, int] = {}
    for finding in assessment.findings:
        by_rule[finding.rule] = by_rule.get(finding.rule, 0) + len(finding.ballot_ids)
    entry = audit.append(contest, None, "fraud.sweep", f"contest {contest.slug}",
                         {"findings": len(assessment.findings), "ballots_by_rule": by_rule,
                          "newly_held": len(holding), "newly_flagged": newly_flagged, "final": final,
                          **({"incremental": True} if record.get("incremental") else {})}, now)
    for ballot in holding:
        reason = to_hold[ballot.id]
        # Through amend(): a sealed ballot's hold is published as an amendment.
        amendments.amend(ballot, "under_review", f"held by the {reason} rule", "system: fraud sweep", entry.hash,
                         now)
        ballot.status_reason = reason
    db.session.flush()
    for cluster in touched:
        cluster.status = cluster_status(cluster.id)
    for cluster_id in sorted({c for _, c, _ in held} - {c.id for c in touched}):
        db.session.get(FraudCluster, cluster_id).status = cluster_status(cluster_id)
    sweep = FraudSweep(contest_id=contest.id, final=final, started_at=now, finished_at=max(clock.now(), now),
                       held=len(holding), flagged=newly_flagged, **record)
    db.session.add(sweep)
    db.session.flush()
    # Only the latest sweep's state is ever read (the next sweep starts from it): a tick every five
    # minutes would otherwise keep a copy of the contest's user agents every five minutes.
    db.session.execute(update(FraudSweep).where(FraudSweep.contest_id == contest.id, FraudSweep.id < sweep.id,
                                                FraudSweep.state.is_not(None)).values(state=None))
    db.session.commit()
    return {"clusters": len(assessment.findings), "held": len(holding), "flagged": newly_flagged, "final": final,
            "sweep": sweep.id}


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
                     voter_of: dict[int, int], held: list[tuple[str, int, frozenset[int]]] = ()) -> None:
    """A hold covers the whole account (evidence.combine): the account's other
    ballots, which no finding names, join the clusters that found the account
    for the reason rule (else for any of its rules), so deciding a cluster
    decides them too and the review lists them with it. `held`: (rule, cluster
    id, ballots) of the filed clusters an incremental sweep did not extend
    that hold the ballots it judged: found too, as a full sweep finds them."""
    clusters = [(finding.rule, cluster.id, finding.ballot_ids) for finding, cluster in filed] + list(held)
    found = {b for _, _, ids in clusters for b in ids}
    orphans = [b for b in verdicts if b not in found and b in voter_of]
    if not orphans:
        return
    by_voter: dict[tuple[str, int], set[int]] = {}
    for rule, cluster_id, ids in clusters:
        for b in ids:
            if b in voter_of:
                by_voter.setdefault((rule, voter_of[b]), set()).add(cluster_id)
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


