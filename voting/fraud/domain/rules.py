"""The fraud rules: plain functions over ballot records, in the manner of
Gavel's crowd_bt.py. Pure: no framework, no clock, no randomness of their own.

Every rule is `rule(records, now, thresholds) -> list[Finding]`; `country`
also takes the contest's allowed countries, `uniform_clients` the volume
rules' crowds, `instant_single_vote` and `dormant_wake` the vote's facts
(records.VoteFacts: when voting opened, whether it asks for a confirmed
address). A rule looks only at ballots cast at or before `now`, and every
window it judges ends at a ballot and looks only backwards, so a later sweep
over more ballots finds every cluster an earlier one found, under the same
key, with as many ballots or more. The exceptions: `instant_single_vote`
judges an account only once it has been quiet for `instant_settle_seconds`
(so not while it votes again); `pageless`, `uniform_clients`
and `sleeper_accounts` compare with the contest's own rates and shares, which
move as ballots arrive. Holds are sticky in the service, so a later sweep
that no longer finds a ballot does not release it.
Each finding's `rule` is the rule's name, `key` identifies the cluster within
the rule and never contains the sweep time, `evidence` is a small JSON-able
dict for the organiser. What each rule catches and misses: docs/fraud.md.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Callable, Sequence

import numpy as np

from voting.fraud.domain.columns import Ballots
from voting.fraud.domain.evidence import Assessment, Verdict, combine
from voting.fraud.domain.increment import Increment
from voting.fraud.domain.policy import Policy
from voting.fraud.domain.records import BallotRecord, Finding, VoteFacts
from voting.fraud.domain.rules_accounts import country, instant_single_vote, new_account_domain
from voting.fraud.domain.rules_agents import shared_user_agent
from voting.fraud.domain.rules_clients import pageless, uniform_clients
from voting.fraud.domain.rules_common import Cast, cast
from voting.fraud.domain.rules_dormant import dormant_wake
from voting.fraud.domain.rules_network import shared_device, shared_prefix
from voting.fraud.domain.rules_sleepers import sleeper_accounts
from voting.fraud.domain.rules_timing import burst, scripted_cadence
from voting.fraud.domain.thresholds import Thresholds

Records = Sequence[BallotRecord] | Ballots
Rule = Callable[..., list[Finding]]

ALL_RULES: dict[str, Rule] = {
    "burst": burst,
    "shared_prefix": shared_prefix,
    "shared_device": shared_device,
    "shared_user_agent": shared_user_agent,
    "new_account_domain": new_account_domain,
    "instant_single_vote": instant_single_vote,
    "scripted_cadence": scripted_cadence,
    "country": country,
    "pageless": pageless,
    "sleeper_accounts": sleeper_accounts,
    "dormant_wake": dormant_wake,
    # Runs last, over the volume rules' crowds (run_all hands them over).
    "uniform_clients": uniform_clients,
}

# The rules that read the vote's facts (records.VoteFacts).
FACT_RULES = frozenset({"instant_single_vote", "dormant_wake"})

__all__ = ["ALL_RULES", "run_all", "assess", "lookback_seconds", "reach_seconds", *ALL_RULES]


def run_all(records: Records, now: datetime, t: Thresholds | None = None,
            allowed_countries: frozenset[str] = frozenset(), policy: Policy | None = None,
            inc: Increment | None = None, facts: VoteFacts | None = None) -> list[Finding]:
    """Every rule over the ballots cast by `now`; all findings, sorted by
    (rule, key). The ballots are filtered and sorted once for all rules.
    With `inc`, an incremental sweep's: the findings it extends, whole.
    `facts`: the vote's opening and whether it asks for a confirmed address
    (the rules that read them: `dormant_wake`, `instant_single_vote`)."""
    t = t or Thresholds()
    recs = cast(records, now)
    findings: list[Finding] = []
    for name, rule in ALL_RULES.items():
        if policy is not None and policy.mode(name) == "off":
            continue  # neither its findings nor (for a volume rule) its crowds
        if name == "country":
            findings += country(recs, now, t, allowed_countries, inc=inc)
        elif name == "uniform_clients":
            findings += uniform_clients(recs, now, t, findings, inc=inc)
        elif name in FACT_RULES:
            findings += rule(recs, now, t, inc=inc, facts=facts)
        else:
            findings += rule(recs, now, t, inc=inc)
    return sorted(findings, key=lambda f: (f.rule, f.key))


def assess(records: Records, now: datetime, t: Thresholds | None = None,
           policy: Policy | None = None, allowed_countries: frozenset[str] = frozenset(),
           final: bool = False, inc: Increment | None = None, facts: VoteFacts | None = None) -> Assessment:
    """Every rule, then the combined verdict per ballot. `final` is the sweep
    at the close: nothing more will come, so rules that wait for an account
    to settle judge every account now. With `inc`, an incremental sweep: the
    findings it extends and the verdicts of every ballot of the voters those
    can change (`affected_verdicts`); what it still needs to read is in
    `inc.needs` (empty when the answer is whole). `facts`: the vote's own
    (records.VoteFacts; None: opening unknown, confirmed addresses)."""
    t = t or Thresholds()
    if final:
        t = replace(t, instant_settle_seconds=0)
    policy = policy or Policy()
    recs = cast(records, now)
    findings = run_all(recs, now, t, allowed_countries, policy, inc, facts)
    if inc is None:
        return Assessment(findings, combine(findings, recs, policy))
    return Assessment(findings, affected_verdicts(findings, recs, policy, inc))


def affected_verdicts(findings: list[Finding], recs: Cast, policy: Policy, inc: Increment) -> dict[int, Verdict]:
    """The verdicts an incremental sweep can change: of every ballot of the
    voters who cast a ballot since `inc.since` (their other ballots' context
    moves), of those whose ballots a finding adds, and of all the voters of a
    finding whose strength moved. Each such ballot is judged on every finding
    that holds it: the ones extended now, and the filed ones not extended
    (`inc.memberships`), which are as the last sweep left them."""
    voters = set(recs.voter[inc.judged(recs.stamps)].tolist())
    for f in findings:
        prior = inc.prior.get((f.rule, f.key))
        moved = prior is None or prior.strength != f.strength
        changed = f.ballot_ids if moved else f.ballot_ids - prior.ballot_ids
        voters |= set(recs.voter[recs.positions_of(changed)].tolist())
        if moved and prior is not None:
            voters |= inc.prior_voters.get((f.rule, f.key), frozenset())
    inc.need_voters(voters)
    inc.needs.memberships.update(voters - inc.members_read)
    ours = np.flatnonzero(np.isin(recs.voter, list(voters)))
    ballots = set(recs.ids[ours].tolist())
    extended = {(f.rule, f.key) for f in findings}
    held: dict[tuple[str, str], set[int]] = {}
    strength: dict[tuple[str, str], float] = {}
    for ballot in ballots:
        for rule, cluster, s in inc.memberships.get(ballot, ()):
            if (rule, cluster) not in extended:
                held.setdefault((rule, cluster), set()).add(ballot)
                strength[(rule, cluster)] = s
    filed = [Finding(rule, cluster, frozenset(ids), {}, strength[(rule, cluster)])
             for (rule, cluster), ids in sorted(held.items())]
    mine = [Finding(f.rule, f.key, f.ballot_ids & ballots, {}, f.strength) for f in findings]
    both = sorted([f for f in mine if f.ballot_ids] + filed, key=lambda f: (f.rule, f.key))
    return {b: v for b, v in combine(both, recs, policy).items() if b in ballots}


def lookback_seconds(t: Thresholds | None = None) -> int:
    """How far before a ballot any rule looks to judge it (the longest window
    and baseline)."""
    t = t or Thresholds()
    return int(max(t.burst_window_seconds + t.burst_lookback_seconds, t.prefix_window_seconds,
                   t.prefix_hours_window_seconds, t.prefix_days_window_seconds,
                   t.device_window_seconds, t.device_week_window_seconds,
                   t.ua_window_seconds + t.ua_lookback_seconds,
                   t.instant_window_seconds + t.instant_settle_seconds, t.domain_window_seconds,
                   t.pageless_window_seconds, t.sleeper_wake_seconds, t.dormant_window_seconds))


def reach_seconds(t: Thresholds | None = None) -> int:
    """How far before `since` an incremental sweep reads every ballot (and
    every ballot of their voters): what the windows it judges look back at,
    the week-long ones aside (the days and week windows of networks and
    devices, the user agents' baselines), which it reads from SQL for the
    groups they can concern."""
    t = t or Thresholds()
    return int(max(t.burst_window_seconds + t.burst_lookback_seconds, t.prefix_window_seconds,
                   t.prefix_hours_window_seconds, t.device_window_seconds, t.ua_window_seconds,
                   t.instant_window_seconds, t.pageless_window_seconds, t.sleeper_wake_seconds,
                   t.dormant_window_seconds))
