"""Rules on the accounts behind ballots: batches created on one mail domain,
accounts that vote seconds after being created for a single entry, voters from
outside the contest's countries. Pure."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from statistics import median
from typing import Sequence

from voting.fraud.domain.records import BallotRecord, Finding
from voting.fraud.domain.rules_common import ramp, Cast, cast, finding, groups, key, span, stamp, top
from voting.fraud.domain.thresholds import Thresholds, is_public_provider


def _clusters(times: list[tuple[float, int]], window: float, need: int) -> tuple[list[int], int]:
    """Members of every window of `window` seconds holding at least `need`
    of the (time, member) pairs (sorted by time), and the largest such count."""
    members: list[int] = []
    lo = done = peak = 0
    for i, (ts, _) in enumerate(times):
        while times[lo][0] <= ts - window:
            lo += 1
        if i - lo + 1 >= need:
            members += [m for _, m in times[max(lo, done):i + 1]]
            done = i + 1
            peak = max(peak, i - lo + 1)
    return members, peak


def _evidence(recs: Cast, by_voter: dict[int, list[int]], voters: list[int]) -> dict:
    ballots = [i for v in voters for i in by_voter[v]]
    return {"accounts": len(voters), "ballots": len(ballots),
            "networks": len({recs[i].prefix for i in ballots}),
            "top_entries": top(Counter(e for i in ballots for e in set(recs[i].entries)))}


def new_account_domain(records: Sequence[BallotRecord], now: datetime, t: Thresholds) -> list[Finding]:
    """At least `domain_min_accounts` accounts that voted, created within
    `domain_window_seconds` of each other on one mail domain that is not a
    public provider. Flags every ballot of those accounts."""
    recs = cast(records, now)
    by_voter = groups(recs, "voter_id")
    by_domain: dict[str, list[tuple[float, int]]] = defaultdict(list)
    public: dict[str, bool] = {}
    for voter, idx in by_voter.items():
        r = recs[idx[0]]
        domain = r.voter_email_domain.strip().lower().rstrip(".")
        if domain not in public:
            public[domain] = not domain or is_public_provider(domain)
        if not public[domain]:
            by_domain[domain].append((stamp(r.voter_created_at), voter))
    out = []
    for domain, created in by_domain.items():
        if len(created) < t.domain_min_accounts:
            continue
        created.sort()
        members, peak = _clusters(created, t.domain_window_seconds, t.domain_min_accounts)
        if not members:
            continue
        made = dict((v, ts) for ts, v in created)
        out.append(finding("new_account_domain", key("domain", domain),
                           (recs[i].id for v in members for i in by_voter[v]), {
            "domain": domain, **_evidence(recs, by_voter, members),
            "window_seconds": t.domain_window_seconds, "peak_accounts_in_window": peak,
            "created": span(made[v] for v in members), "voted": span(recs.stamps[by_voter[v][0]] for v in members)},
            ramp(len(members), t.domain_min_accounts, 0.2, 0.4)))
    return out


def instant_single_vote(records: Sequence[BallotRecord], now: datetime, t: Thresholds) -> list[Finding]:
    """Accounts whose first ballot came within `instant_max_seconds` of their
    creation and whose ballots all support one entry, once they have been quiet
    for `instant_settle_seconds`; clustered per entry, at least
    `instant_min_cluster` within `instant_window_seconds`. Flags their ballots."""
    recs = cast(records, now)
    stamps = recs.stamps
    by_voter = groups(recs, "voter_id")
    settled = stamp(now) - t.instant_settle_seconds
    by_entry: dict[int, list[tuple[float, int]]] = defaultdict(list)
    delay: dict[int, float] = {}
    for voter, idx in by_voter.items():
        first = stamps[idx[0]]
        wait = first - stamp(recs[idx[0]].voter_created_at)
        if wait > t.instant_max_seconds or stamps[idx[-1]] > settled:
            continue
        entries = {e for i in idx for e in recs[i].entries}
        if len(entries) == 1:
            by_entry[entries.pop()].append((first, voter))
            delay[voter] = wait
    out = []
    for entry, firsts in by_entry.items():
        if len(firsts) < t.instant_min_cluster:
            continue
        firsts.sort()
        members, peak = _clusters(firsts, t.instant_window_seconds, t.instant_min_cluster)
        if not members:
            continue
        out.append(finding("instant_single_vote", key("entry", entry),
                           (recs[i].id for v in members for i in by_voter[v]), {
            "entry": entry, **_evidence(recs, by_voter, members),
            "median_seconds_to_vote": round(median(delay[v] for v in members), 1),
            "window_seconds": t.instant_window_seconds, "peak_accounts_in_window": peak,
            **span(stamps[by_voter[v][0]] for v in members)}, 0.8))
    return out


def country(records: Sequence[BallotRecord], now: datetime, t: Thresholds,
            allowed: frozenset[str] = frozenset()) -> list[Finding]:
    """Ballots of voters whose registered country is not among `allowed` (empty:
    no restriction). Voters without a country are not judged here. One finding
    per country."""
    allowed = frozenset(c.strip().upper() for c in allowed)
    if not allowed:
        return []
    recs = cast(records, now)
    by_country: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(recs):
        code = (r.voter_country or "").strip().upper()
        if code and code not in allowed:
            by_country[code].append(i)
    return [finding("country", key("country", code), (recs[i].id for i in idx), {
        "country": code, "voters": len({recs[i].voter_id for i in idx}), "ballots": len(idx),
        "allowed_countries": len(allowed), **span(recs.stamps[i] for i in idx)})
        for code, idx in by_country.items()]
