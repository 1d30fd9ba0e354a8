"""Fraud sweeps: the full one, and what every sweep shares.

A full sweep runs every rule over all of the contest's ballots and combines
what they find into one verdict per ballot (voting/fraud/domain/evidence.py);
voting/fraud/filing.py files it: every finding as a cluster, ballots held put
`under_review` (never deleted) unless an organiser has decided on them
already, ballots flagged kept counted and recorded for the review queue, the
sweep recorded (`FraudSweep`) with the state the next incremental sweep
starts from (voting/fraud/increments.py: the periodic tick's). The one at
the close (`final`) judges every account: a final tally runs it first if
nothing else has (ensure_final_sweep). Organisers' decisions are in
decisions.py, what the review shows in overview.py. Every sweep enters the
audit log in the same transaction, and a hold of a sealed ballot is
published as a ledger amendment.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select

from voting.contests.models import Contest
from voting.errors import ApiError, not_found
from voting.extensions import db
from voting.fraud.domain import rules
from voting.fraud.domain.incremental import full_totals
from voting.fraud.domain.policy import KINDS, Policy
from voting.fraud.domain.records import VoteFacts
from voting.fraud.domain.thresholds import Thresholds
from voting.fraud.filing import CHUNK, cluster_status, file_sweep
from voting.fraud.loading import load_ballots
from voting.fraud.models import FraudCluster, FraudClusterBallot, FraudSweep

__all__ = ["CHUNK", "cluster_status", "sweep", "ensure_final_sweep", "settings_of", "facts_of", "settings_hash", "last_sweep",
           "final_sweep", "voting_closed", "needs_final_sweep", "get_cluster", "cluster_ballot_ids",
           "require_open_review"]


def settings_of(contest: Contest) -> tuple[Thresholds, Policy, frozenset[str]]:
    """The contest's thresholds, policy (rule modes, hold and flag thresholds)
    and allowed countries. The SPEC was validated when stored; a rule named
    there that the code no longer has is ignored (the rule set changes)."""
    fraud = contest.settings.get("fraud", {})
    modes = {rule: mode for rule, mode in (fraud.get("rules") or {}).items() if rule in KINDS}
    policy = Policy.from_spec(modes, fraud.get("hold_threshold"), fraud.get("flag_threshold"))
    return (Thresholds.from_overrides(fraud.get("thresholds", {})), policy,
            frozenset(fraud.get("countries", [])))


def facts_of(contest: Contest) -> VoteFacts:
    """What the rules know of the contest's vote: when it opened, and whether
    a ballot needs a confirmed mail address."""
    return VoteFacts(opens=contest.voting_opens_at,
                     verified_email=bool(contest.settings["voting"].get("require_verified_email", True)))


def settings_hash(thresholds: Thresholds, policy: Policy, countries: frozenset[str],
                  facts: VoteFacts | None = None) -> str:
    """What an incremental sweep must judge by as its predecessors did (else it sweeps in full)."""
    facts = facts or VoteFacts()
    text = json.dumps([thresholds.as_dict(), sorted(policy.modes.items()), policy.hold_threshold,
                       policy.flag_threshold, sorted(countries),
                       facts.opens.isoformat() if facts.opens else None, facts.verified_email], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


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
    facts = facts_of(contest)
    ballots = load_ballots(contest_id)
    high_water = int(ballots.ids.max()) if len(ballots) else None
    assessment = rules.assess(ballots, now, thresholds, policy, countries, final=final, facts=facts)
    at = ballots.positions_of(set(assessment.verdicts).union(*(f.ballot_ids for f in assessment.findings)))
    voter_of = dict(zip(ballots.ids[at].tolist(), ballots.voter[at].tolist()))
    totals, cut = full_totals(ballots, now, thresholds)
    del ballots
    state = {"cut": cut, "totals": vars(totals), "settings": settings_hash(thresholds, policy, countries, facts)}
    # From here on, decisions and other sweeps wait for this one (and it for
    # them): what is held or left alone is read after they have committed.
    contest.lock()
    db.session.refresh(contest)
    if contest.published_at is not None or (once and final_sweep(contest_id) is not None):  # meanwhile
        db.session.rollback()
        return {"clusters": 0, "held": 0, "flagged": 0, "final": final, "skipped": True}
    return file_sweep(contest, assessment, voter_of, now, final, {"high_water_ballot_id": high_water, "state": state})


def ensure_final_sweep(contest_id: int, now: datetime) -> dict[str, Any] | None:
    """Before a final tally: the final sweep, unless it has run (or the
    contest has no public vote, or its vote has not closed). Answers its
    summary, or None."""
    contest = db.session.get(Contest, contest_id)
    if contest is None or not voting_closed(contest, now) or not needs_final_sweep(contest):
        return None
    found = sweep(contest_id, now, final=True, once=True)
    return None if found.get("skipped") else found


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
