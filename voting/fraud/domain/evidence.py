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

from voting.fraud.domain.policy import CORROBORATING, KINDS, Policy
from voting.fraud.domain.records import BallotRecord, Finding
from voting.fraud.domain.rules_common import stamp

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


def context(records: Iterable[BallotRecord], found: Iterable[int]) -> dict[int, float]:
    """Per ballot id of `found`, the context weight: single entry (over every
    ballot of the voter, found or not) and fresh account."""
    recs = list(records)
    wanted = set(found)
    voters = {r.voter_id for r in recs if r.id in wanted}
    entries: dict[int, set[int]] = defaultdict(set)
    for r in recs:
        if r.voter_id in voters:
            entries[r.voter_id].update(r.entries)
    out = {}
    for r in recs:
        if r.id not in wanted:
            continue
        weight = SINGLE_ENTRY_WEIGHT if len(entries[r.voter_id]) == 1 else 0.0
        if 0 <= stamp(r.cast_at) - stamp(r.voter_created_at) <= FRESH_SECONDS:
            weight += FRESH_WEIGHT
        out[r.id] = weight
    return out


def _sum(by_rule: dict[str, float]) -> float:
    volume = sum(s for r, s in by_rule.items() if KINDS.get(r) == "volume")
    return min(volume, VOLUME_CAP) + sum(s for r, s in by_rule.items() if KINDS.get(r) != "volume")


def combine(findings: Sequence[Finding], records: Iterable[BallotRecord], policy: Policy | None = None
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


def _whole_accounts(verdicts: dict[int, Verdict], records: Iterable[BallotRecord]) -> dict[int, Verdict]:
    """Evidence that holds one ballot of an account is evidence about the
    account: its other ballots (a farm's camouflage votes in other categories)
    are held with it, for the same reason."""
    held = {b for b, v in verdicts.items() if v.action == "hold"}
    if not held:
        return verdicts
    recs = list(records)
    held_ids = set(held)
    accounts = {r.voter_id for r in recs if r.id in held_ids}
    ballots_of: dict[int, list[int]] = defaultdict(list)
    account_of = {}
    for r in recs:
        if r.voter_id in accounts:
            ballots_of[r.voter_id].append(r.id)
            account_of[r.id] = r.voter_id
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
