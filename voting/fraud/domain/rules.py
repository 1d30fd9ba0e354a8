"""The fraud rules: plain functions over ballot records, in the manner of
Gavel's crowd_bt.py. Pure: no framework, no clock, no randomness of their own.

Every rule is `rule(records, now, thresholds) -> list[Finding]`; `country`
also takes the contest's allowed countries, `uniform_clients` the volume
rules' crowds. A rule looks only at ballots cast at or before `now`, and every
window it judges ends at a ballot and looks only backwards, so a later sweep
over more ballots finds every cluster an earlier one found, under the same
key, with as many ballots or more. The exceptions: `instant_single_vote`
judges an account only once it has been quiet for `instant_settle_seconds`,
and no longer if it votes for a second entry; `pageless`, `uniform_clients`
and `sleeper_accounts` compare with the contest's own rates and shares, which
move as ballots arrive. Holds are sticky in the service, so a later sweep
that no longer finds a ballot does not release it.
Each finding's `rule` is the rule's name, `key` identifies the cluster within
the rule and never contains the sweep time, `evidence` is a small JSON-able
dict for the organiser. What each rule catches and misses: docs/fraud.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Sequence

from dataclasses import replace

from voting.fraud.domain.evidence import Assessment, combine
from voting.fraud.domain.policy import Policy
from voting.fraud.domain.records import BallotRecord, Finding
from voting.fraud.domain.rules_accounts import country, instant_single_vote, new_account_domain
from voting.fraud.domain.rules_clients import pageless, sleeper_accounts, uniform_clients
from voting.fraud.domain.rules_common import cast
from voting.fraud.domain.rules_network import shared_device, shared_prefix, shared_user_agent
from voting.fraud.domain.rules_timing import burst, scripted_cadence
from voting.fraud.domain.thresholds import Thresholds

Rule = Callable[[Sequence[BallotRecord], datetime, Thresholds], list[Finding]]

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
    # Runs last, over the volume rules' crowds (run_all hands them over).
    "uniform_clients": uniform_clients,
}

__all__ = ["ALL_RULES", "run_all", "assess", *ALL_RULES]


def run_all(records: Sequence[BallotRecord], now: datetime, t: Thresholds | None = None,
            allowed_countries: frozenset[str] = frozenset(), policy: Policy | None = None) -> list[Finding]:
    """Every rule over the ballots cast by `now`; all findings, sorted by
    (rule, key). The ballots are filtered and sorted once for all rules."""
    t = t or Thresholds()
    recs = cast(records, now)
    findings: list[Finding] = []
    for name, rule in ALL_RULES.items():
        if policy is not None and policy.mode(name) == "off":
            continue  # neither its findings nor (for a volume rule) its crowds
        if name == "country":
            findings += country(recs, now, t, allowed_countries)
        elif name == "uniform_clients":
            findings += uniform_clients(recs, now, t, findings)
        else:
            findings += rule(recs, now, t)
    return sorted(findings, key=lambda f: (f.rule, f.key))


def assess(records: Sequence[BallotRecord], now: datetime, t: Thresholds | None = None,
           policy: Policy | None = None, allowed_countries: frozenset[str] = frozenset(),
           final: bool = False) -> Assessment:
    """Every rule, then the combined verdict per ballot. `final` is the sweep
    at the close: nothing more will come, so rules that wait for an account
    to settle judge every account now."""
    t = t or Thresholds()
    if final:
        t = replace(t, instant_settle_seconds=0)
    policy = policy or Policy()
    recs = cast(records, now)
    findings = run_all(recs, now, t, allowed_countries, policy)
    return Assessment(findings, combine(findings, recs, policy))


def lookback_seconds(t: Thresholds | None = None) -> int:
    """How far before a ballot any rule looks to judge it. An incremental
    sweep that re-judges the ballots cast since its last run must give the
    rules every ballot cast up to this long before the earliest of them (and
    each voter's and device's other ballots, which the voter- and
    device-level rules read whenever they were cast)."""
    t = t or Thresholds()
    return int(max(t.burst_window_seconds + t.burst_lookback_seconds, t.prefix_window_seconds,
                   t.prefix_hours_window_seconds, t.prefix_days_window_seconds,
                   t.device_window_seconds, t.device_week_window_seconds,
                   t.ua_window_seconds + t.ua_lookback_seconds,
                   t.instant_window_seconds + t.instant_settle_seconds, t.domain_window_seconds,
                   t.pageless_window_seconds, t.sleeper_wake_seconds))
