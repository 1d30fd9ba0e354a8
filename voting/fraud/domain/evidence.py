"""Combining the rules' signals into one verdict per ballot. Pure.

Each rule reports findings: ballots with a strength (0-1). A ballot's
evidence is the sum, over the rules that found it, of the strongest finding
of each rule (a rule that finds a ballot twice does not count twice), plus
two small context weights when anything found it at all: the voter supports
a single entry, and the account is fresh. Both are what an honest supporter
answering a post looks like too, so they only ever add to other evidence.

- **held** (`hold`): the evidence from rules in `hold` mode reaches the
  policy's hold threshold *and* at least one of them is a behaviour or policy
  rule. Volume alone never holds, however many volume rules agree.
- **flagged** (`flag`): not held, but the evidence from every rule not `off`
  reaches the flag threshold. Flagged ballots stay counted; the review
  queue shows them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from voting.fraud.domain.columns import Ballots, from_records
from voting.fraud.domain.policy import CORROBORATING, KINDS, Policy
from voting.fraud.domain.records import BallotRecord, Finding

# Agreeing volume rules mostly describe one crowd (a burst on a network of new
# accounts is found by three of them), so together they count at most this.
VOLUME_CAP = 0.4
# Context weights: added only to ballots some rule found.
SINGLE_ENTRY_WEIGHT = 0.1   # every ballot of the voter supports one entry
FRESH_WEIGHT = 0.1          # the account was made within FRESH_SECONDS before the ballot
FRESH_SECONDS = 86400


@dataclass(frozen=True)
class Verdict:
    action: str                   # "hold" or "flag"
    score: float                  # the combined evidence (all rules not off, with context)
    rules: tuple[str, ...]        # the rules that found the ballot, strongest first
    reason: str                   # the rule named as the reason (strongest corroborating one when held)


@dataclass(frozen=True)
class Assessment:
    findings: list[Finding]
    verdicts: dict[int, Verdict]


def context(records: Iterable[BallotRecord] | Ballots, found: Iterable[int]) -> dict[int, float]:
    """Per ballot id of `found`, the context weight: single entry (over every
    ballot of the voter, found or not) and fresh account."""
    ballots = as_columns(records)
    at = ballots.positions_of(found)
    single = ballots.voter_entries()
    fresh = ballots.stamps[at] - ballots.created[at]
    fresh = (fresh >= 0) & (fresh <= FRESH_SECONDS)
    return {b: (SINGLE_ENTRY_WEIGHT if v in single else 0.0) + (FRESH_WEIGHT if f else 0.0)
            for b, v, f in zip(ballots.ids[at].tolist(), ballots.voter[at].tolist(), fresh.tolist())}


def as_columns(records: Iterable[BallotRecord] | Ballots) -> Ballots:
    return records if isinstance(records, Ballots) else from_records(records)


def _sum(by_rule: dict[str, float]) -> float:
    volume = sum(s for r, s in by_rule.items() if KINDS.get(r) == "volume")
    return min(volume, VOLUME_CAP) + sum(s for r, s in by_rule.items() if KINDS.get(r) != "volume")


def combine(findings: Sequence[Finding], records: Iterable[BallotRecord] | Ballots, policy: Policy | None = None
            ) -> dict[int, Verdict]:
    """The verdict of every ballot some rule found (others have none: counted)."""
    policy = policy or Policy()
    best: dict[int, dict[str, float]] = defaultdict(dict)
    for f in findings:
        if policy.mode(f.rule) == "off" or f.strength <= 0:
            continue
        for ballot in f.ballot_ids:
            seen = best[ballot]
            if f.strength > seen.get(f.rule, 0.0):
                seen[f.rule] = f.strength
    if not best:
        return {}
    records = as_columns(records)
    weights = context(records, best)
    verdicts = {}
    for ballot, by_rule in best.items():
        extra = weights.get(ballot, 0.0)
        holding = {r: s for r, s in by_rule.items() if policy.mode(r) == "hold"}
        corroborated = [r for r in holding if KINDS.get(r) in CORROBORATING]
        total = round(_sum(by_rule) + extra, 6)
        ranked = tuple(sorted(by_rule, key=lambda r: (-by_rule[r], r)))
        if corroborated and round(_sum(holding) + extra, 6) >= policy.hold_threshold:
            reason = min(corroborated, key=lambda r: (-by_rule[r], r))
            verdicts[ballot] = Verdict("hold", total, ranked, reason)
        elif total >= policy.flag_threshold:
            verdicts[ballot] = Verdict("flag", total, ranked, ranked[0])
    return _whole_accounts(verdicts, records)


def _whole_accounts(verdicts: dict[int, Verdict], records: Iterable[BallotRecord] | Ballots) -> dict[int, Verdict]:
    """Evidence that holds one ballot of an account is evidence about the
    account: its other ballots (a farm's camouflage votes in other categories)
    are held with it, for the same reason."""
    held = {b for b, v in verdicts.items() if v.action == "hold"}
    if not held:
        return verdicts
    ballots = as_columns(records)
    at = ballots.positions_of(held)
    account_of = dict(zip(ballots.ids[at].tolist(), ballots.voter[at].tolist()))
    theirs = np.flatnonzero(np.isin(ballots.voter, np.array(sorted(set(account_of.values())), dtype=np.int64)))
    ballots_of: dict[int, list[int]] = defaultdict(list)
    for ballot, voter in zip(ballots.ids[theirs].tolist(), ballots.voter[theirs].tolist()):
        ballots_of[voter].append(ballot)
    for ballot in sorted(held):
        v = verdicts[ballot]
        for other in ballots_of.get(account_of.get(ballot), ()):
            if other not in held:
                held.add(other)
                before = verdicts.get(other)
                verdicts[other] = Verdict("hold", max(v.score, before.score if before else 0.0),
                                          v.rules if before is None else tuple(dict.fromkeys(v.rules + before.rules)),
                                          v.reason)
    return verdicts
