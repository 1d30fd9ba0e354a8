"""The periodic tick's sweep: incremental. It judges only what the ballots
cast since the last sweep can change (voting/fraud/domain/incremental.py,
reading through voting/fraud/reader.py), files what it found as a full sweep
would (voting/fraud/filing.py) and records where the next one starts.

It sweeps in full instead when it cannot answer as a full sweep would: no
sweep yet, or the last one was final or recorded no state (before
migration 0015); the contest's fraud settings, or the facts the rules read
(its voting opening, whether it asks for a confirmed address), changed since; the last one
is further back than an incremental sweep reads; or the last full sweep is
older than `FULL_EVERY`: an incremental sweep does not judge again what
moves with the whole contest (its page-less rate, its user agents' shares,
the accounts made in a sleeper batch's hours, an account that settles into
a second entry) in windows without new ballots, nor beats slower than its
read (docs/fraud.md, "Incremental sweeps"); a full sweep a day bounds how
long those wait, at the cost of one full read a day.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from voting.ballots.models import Ballot
from voting.contests.models import Contest
from voting.extensions import db
from voting.fraud import services
from voting.fraud.domain.columns import stamp
from voting.fraud.domain.increment import Totals
from voting.fraud.domain.incremental import sweep_since
from voting.fraud.filing import file_sweep
from voting.fraud.models import FraudSweep
from voting.fraud.reader import SqlReader

FULL_EVERY = timedelta(hours=24)


def sweep(contest_id: int, now: datetime) -> dict[str, Any]:
    """An incremental sweep, or a full one when it cannot be (see the module); commits."""
    contest = db.session.get(Contest, contest_id)
    if contest is None or contest.published_at is not None:
        return {"clusters": 0, "held": 0, "flagged": 0, "final": False, "skipped": True}
    thresholds, policy, countries = services.settings_of(contest)
    facts = services.facts_of(contest)
    settings = services.settings_hash(thresholds, policy, countries, facts)
    last = services.last_sweep(contest_id)
    why = why_full(contest_id, last, settings, now)
    if why:
        return {**services.sweep(contest_id, now), "incremental": False, "why_full": why}
    new = db.session.scalar(select(func.min(Ballot.cast_at)).where(Ballot.contest_id == contest_id,
                                                                  Ballot.id > (last.high_water_ballot_id or 0)))
    since = stamp(last.started_at) - thresholds.instant_settle_seconds
    if new is not None:
        since = min(since, stamp(new))
    reader = SqlReader(contest_id)
    judged = sweep_since(reader, now, thresholds, policy, countries, since, Totals(**last.state["totals"]),
                         last.state["cut"], facts)
    if judged is None:
        return {**services.sweep(contest_id, now), "incremental": False, "why_full": "too far apart"}
    assessment, ballots = judged.assessment, judged.ballots
    at = ballots.positions_of(set(assessment.verdicts).union(*(f.ballot_ids for f in assessment.findings)))
    voter_of = dict(zip(ballots.ids[at].tolist(), ballots.voter[at].tolist()))
    high_water = max(int(ballots.ids.max()) if len(ballots) else 0, last.high_water_ballot_id or 0) or None
    held = _held(reader, assessment, voter_of)
    state = {"cut": judged.since, "totals": vars(judged.totals), "settings": settings}
    del ballots, judged
    contest.lock()
    db.session.refresh(contest)
    if contest.published_at is not None or services.last_sweep(contest_id).id != last.id:  # another sweep meanwhile
        db.session.rollback()
        return {"clusters": 0, "held": 0, "flagged": 0, "final": False, "skipped": True}
    summary = file_sweep(contest, assessment, voter_of, now, False,
                         {"high_water_ballot_id": high_water, "state": state, "incremental": True}, held)
    return {**summary, "incremental": True}


def why_full(contest_id: int, last: FraudSweep | None, settings: str, now: datetime) -> str | None:
    """Why the tick's sweep must be a full one now, if it must."""
    if last is None:
        return "no sweep yet"
    if last.final or not last.state:
        return "the last sweep left nothing to start from"
    if last.state.get("settings") != settings:
        return "the fraud settings changed"
    full = db.session.scalar(select(func.max(FraudSweep.started_at)).where(FraudSweep.contest_id == contest_id,
                                                                            FraudSweep.incremental.is_(False)))
    if full is None or now - full >= FULL_EVERY:
        return "the last full sweep is a day old"
    return None


def _held(reader: SqlReader, assessment, voter_of: dict[int, int]) -> list[tuple[str, int, frozenset[int]]]:
    """The filed clusters the sweep did not extend that hold ballots of the
    voters it judged: (rule, cluster id, those ballots); a full sweep finds
    them again, and files accounts' other ballots by them."""
    extended = {(f.rule, f.key) for f in assessment.findings}
    judged = set(voter_of[b] for b in assessment.verdicts if b in voter_of)
    found: dict[int, set[int]] = {}
    for cluster_id, ballot, voter in reader.members:
        rule, cluster_key, _ = reader.clusters[cluster_id]
        if voter in judged and (rule, cluster_key) not in extended:
            found.setdefault(cluster_id, set()).add(ballot)
            voter_of.setdefault(ballot, voter)
    return [(reader.clusters[c][0], c, frozenset(ids)) for c, ids in sorted(found.items())]
