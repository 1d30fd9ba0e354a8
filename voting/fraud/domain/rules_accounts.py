"""Rules on the accounts behind ballots: batches created on one mail domain,
accounts that vote seconds after being created, voters from
outside the contest's countries. Pure."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from statistics import median
from typing import Sequence

import numpy as np

from voting.fraud.domain.increment import Increment, merge_peak, merge_span, prior_ids
from voting.fraud.domain.records import BallotRecord, Finding, VoteFacts
from voting.fraud.domain.rules_common import Cast, cast, entry_counter, finding, key, ramp, span, stamp, top
from voting.fraud.domain.thresholds import Thresholds, is_public_provider


def time_clusters(times: list[tuple[float, int]], window: float, need: int, since: float | None = None
              ) -> tuple[list[int], int]:
    """Members of every window of `window` seconds holding at least `need`
    of the (time, member) pairs (sorted by time), and the largest such count
    (with `since`: only the windows ending at or after it)."""
    members: list[int] = []
    lo = done = peak = 0
    for i, (ts, _) in enumerate(times):
        while times[lo][0] <= ts - window:
            lo += 1
        if i - lo + 1 >= need and (since is None or ts >= since):
            members += [m for _, m in times[max(lo, done):i + 1]]
            done = i + 1
            peak = max(peak, i - lo + 1)
    return members, peak


def ballots_of(recs: Cast, voters: list[int] | set[int]) -> np.ndarray:
    """Positions of every ballot of these voters."""
    return np.flatnonzero(np.isin(recs.voter, np.fromiter(voters, dtype=np.int64)))


def _evidence(recs: Cast, voters: list[int]) -> tuple[np.ndarray, dict]:
    ballots = ballots_of(recs, voters)
    return ballots, {"accounts": len(voters), "ballots": len(ballots),
                     "networks": len(set(recs.prefix[ballots].tolist())),
                     "top_entries": top(entry_counter(recs, ballots))}


def voter_firsts(recs: Cast) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each voter, the position of their first and of their last ballot. Kept in `memo`."""
    if "voter_firsts" not in recs.memo:
        voters = recs.grouping("voter")
        recs.memo["voter_firsts"] = (voters.keys, voters.pos[voters.starts[:-1]], voters.pos[voters.starts[1:] - 1])
    return recs.memo["voter_firsts"]


def domain_names(recs: Cast) -> dict[int, str | None]:
    """Domain code -> the domain as the rule groups it, or None for a public provider."""
    names: dict[int, str | None] = {}
    for code, raw in enumerate(recs.tables["domain"].values):
        domain = (raw or "").strip().lower().rstrip(".")
        names[code] = None if not domain or is_public_provider(domain) else domain
    return names


def new_account_domain(records: Sequence[BallotRecord], now: datetime, t: Thresholds, inc: Increment | None = None
                       ) -> list[Finding]:
    """At least `domain_min_accounts` accounts that voted, created within
    `domain_window_seconds` of each other on one mail domain that is not a
    public provider. Flags every ballot of those accounts. Incremental
    (`inc`): the domains of the voters of the ballots cast since `inc.since`,
    each judged whole (every voter on it, asked for on a first pass)."""
    recs = cast(records, now)
    voters, first, _ = voter_firsts(recs)
    names = domain_names(recs)
    judged = None
    if inc is not None:
        judged = {names[c] for c in np.unique(recs.domain[inc.judged(recs.stamps)]).tolist()} - {None}
        inc.needs.domains.update(d for d in judged if d not in inc.domains)
        judged = {d for d in judged if inc.domains.get(d)}  # read whole, and may hold a batch
    by_domain: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for voter, code, made in zip(voters.tolist(), recs.domain[first].tolist(), recs.created[first].tolist()):
        if names[code] is not None and (judged is None or names[code] in judged):
            by_domain[names[code]].append((made, voter))
    first_of = dict(zip(voters.tolist(), first.tolist()))
    out = []
    for domain, created in by_domain.items():
        if len(created) < t.domain_min_accounts:
            continue
        created.sort()
        members, peak = time_clusters(created, t.domain_window_seconds, t.domain_min_accounts)
        if not members:
            continue
        made = dict((v, ts) for ts, v in created)
        ballots, evidence = _evidence(recs, members)
        out.append(finding("new_account_domain", key("domain", domain), recs.ids[ballots].tolist(), {
            "domain": domain, **evidence,
            "window_seconds": t.domain_window_seconds, "peak_accounts_in_window": peak,
            "created": span([made[v] for v in members]),
            "voted": span(recs.stamps[[first_of[v] for v in members]])},
            ramp(len(members), t.domain_min_accounts, 0.2, 0.4)))
    return out


INSTANT_PEAK = ("peak_accounts_in_window",)


def instant_single_vote(records: Sequence[BallotRecord], now: datetime, t: Thresholds, inc: Increment | None = None,
                        facts: VoteFacts | None = None) -> list[Finding]:
    """Accounts whose first ballot came within `instant_max_seconds` of their
    creation, once they have been quiet for `instant_settle_seconds`;
    clustered per entry they voted for (whatever else they voted for: the
    rule's name is from when it asked for a single entry, which camouflage
    ballots defeated), at least `instant_min_cluster` within
    `instant_window_seconds`. Finds their ballots. Strength, where voters
    must confirm their mail address (`facts.verified_email`): 0.8 at the
    minimum, 1.0 at twice it (the mail's round trip makes 30 seconds a
    machine's time, so it holds with a fresh single-entry voter's context, or
    alone at twice the minimum). Where they need not, a person can sign up and
    vote in 30 seconds: `instant_unverified_strength` (0.3), which holds only
    with another behaviour signal.
    Incremental (`inc`): the windows ending at accounts whose first ballot came
    since `inc.since` (every account settling since the last sweep is one:
    `since` reaches back the settling time), over the accounts all of whose
    ballots are read, with the prior finding."""
    recs = cast(records, now)
    verified = (facts or VoteFacts()).verified_email
    voters, first, last = voter_firsts(recs)
    settled = stamp(now) - t.instant_settle_seconds
    wait = recs.stamps[first] - recs.created[first]
    ok = ~(wait > t.instant_max_seconds) & ~(recs.stamps[last] > settled)
    if inc is not None:
        ok &= inc.complete(voters)
    quick = np.flatnonzero(ok)
    delay = dict(zip(voters[quick].tolist(), wait[quick].astype(float).tolist()))
    first_of = dict(zip(voters[quick].tolist(), first[quick].tolist()))
    by_entry = _entries_of(recs, first_of)
    out = []
    for entry, firsts in by_entry.items():
        if len(firsts) < t.instant_min_cluster:
            continue
        firsts.sort()
        members, peak = time_clusters(firsts, t.instant_window_seconds, t.instant_min_cluster,
                                  None if inc is None else inc.since)
        if not members:
            continue
        cluster = key("entry", entry)
        ballots = set(recs.ids[ballots_of(recs, members)].tolist())
        prior = None
        if inc is not None:  # with the prior accounts (their ballots read on a second pass)
            prior = inc.prior_of("instant_single_vote", cluster, want_ballots=True)
            members = sorted(set(members) | inc.prior_voters.get(("instant_single_vote", cluster), frozenset()))
            ballots |= prior_ids(prior)
            _first_ballots(recs, members, ballots, delay, first_of)
        at = recs.positions_of(ballots)
        evidence = merge_span(merge_peak({
            "entry": entry, "accounts": len(members), "ballots": len(ballots),
            "networks": len(set(recs.prefix[at].tolist())), "top_entries": top(entry_counter(recs, at)),
            "median_seconds_to_vote": round(median(delay[v] for v in members if v in delay), 1),
            "window_seconds": t.instant_window_seconds, "peak_accounts_in_window": peak,
            **span(recs.stamps[[first_of[v] for v in members if v in first_of]])},
            prior, INSTANT_PEAK, "peak_accounts_in_window"), prior)
        strength = (ramp(len(members), t.instant_min_cluster, 0.8, 1.0, full_at=2.0)
                    if verified else t.instant_unverified_strength)
        out.append(finding("instant_single_vote", cluster, ballots, evidence, strength))
    return out


def _entries_of(recs: Cast, first_of: dict[int, int]) -> dict[int, list[tuple[float, int]]]:
    """Per entry, (first ballot's time, voter) of these voters who voted for
    it, whatever else they voted for: a farm's camouflage ballots for the
    public's choices elsewhere do not hide its target."""
    by_entry: dict[int, list[tuple[float, int]]] = defaultdict(list)
    if not first_of:
        return by_entry
    theirs = np.isin(recs.voter, np.fromiter(first_of, dtype=np.int64))
    entries = recs.grouping("entries")
    for g in np.flatnonzero(entries.any(theirs)).tolist():
        idx = entries.group(g)
        for voter in np.unique(recs.voter[idx[theirs[idx]]]).tolist():
            by_entry[int(entries.keys[g])].append((float(recs.stamps[first_of[voter]]), voter))
    return by_entry


def _first_ballots(recs: Cast, members: list[int], ballots: set[int], delay: dict, first_of: dict) -> None:
    """The first ballot (and its delay after the account's creation) of the
    members not judged now, from their ballots read."""
    at = recs.positions_of(ballots)
    for k in at.tolist():
        v = int(recs.voter[k])
        if v not in first_of or k < first_of[v]:
            first_of[v], delay[v] = k, float(recs.stamps[k] - recs.created[k])


def country(records: Sequence[BallotRecord], now: datetime, t: Thresholds,
            allowed: frozenset[str] = frozenset(), inc: Increment | None = None) -> list[Finding]:
    """Ballots of voters whose registered country is not among `allowed` (empty:
    no restriction). Voters without a country are not judged here. One finding
    per country. Incremental (`inc`): the ballots cast since `inc.since`,
    with the prior finding."""
    allowed = frozenset(c.strip().upper() for c in allowed)
    if not allowed:
        return []
    recs = cast(records, now)
    codes: dict[str, list[int]] = defaultdict(list)
    for code, raw in enumerate(recs.tables["country"].values):
        name = (raw or "").strip().upper()
        if name and name not in allowed:
            codes[name].append(code)
    out = []
    for name, found in codes.items():
        foreign = np.isin(recs.country, found)
        if inc is not None:
            foreign &= inc.judged(recs.stamps)
        idx = np.flatnonzero(foreign)
        if not len(idx):
            continue
        cluster = key("country", name)
        ids, voters = set(recs.ids[idx].tolist()), set(recs.voter[idx].tolist())
        evidence = {"country": name, "voters": 0, "ballots": 0, "allowed_countries": len(allowed),
                    **span(recs.stamps[idx])}
        if inc is not None:
            prior = inc.prior_of("country", cluster)
            ids |= prior_ids(prior)
            voters |= inc.prior_voters.get(("country", cluster), frozenset())
            evidence = merge_span(evidence, prior)
        evidence.update(voters=len(voters), ballots=len(ids))
        out.append(finding("country", cluster, ids, evidence))
    return out
