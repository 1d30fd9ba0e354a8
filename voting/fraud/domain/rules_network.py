"""Rules on what voters share: a network prefix, a device cookie (and, in
rules_agents.py, a user agent). One honest voter casting 18 ballots from one
device is normal; many distinct accounts behind one of these within a short
time is what the rules look for. Pure.

Every window here is the ballots in (t - length, t] ending at one ballot, and
its size is the distinct voters in it (`columns.distinct_in_windows`), for all
windows of a group at once; Python loops only over the few groups and
windows that could be found."""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

import numpy as np

from voting.fraud.domain.columns import covered, distinct_in_windows, window_starts
from voting.fraud.domain.increment import Increment, merge_peak, merge_span, prior_ids, same_keys
from voting.fraud.domain.records import BallotRecord, Finding
from voting.fraud.domain.rules_common import cast, entry_counter, finding, key, ramp, span, top
from voting.fraud.domain.thresholds import Thresholds

PREFIX_PEAK = ("peak_voters_on_entry", "peak_voters_from_prefix", "peak_share")


def shared_prefix(records: Sequence[BallotRecord], now: datetime, t: Thresholds, inc: Increment | None = None
                  ) -> list[Finding]:
    """Many distinct voters from one /24 (/64) choosing one entry, and most of
    that network's voters, in a window of a quarter of an hour (a room voting
    at once), of hours (a network working through accounts) or of days (one
    network for one entry day after day). Flags every ballot those voters cast
    from that network; the keys of the longer windows end in `:hours`, `:days`.
    Incremental (`inc`): the windows ending since `inc.since` (the days
    window only on `inc.days_prefixes`: no other network's week can reach it),
    and the prior crowds' voters' new ballots from their network."""
    recs = cast(records, now)
    windows = ((t.prefix_window_seconds, t.prefix_min_voters, ()),
               (t.prefix_hours_window_seconds, t.prefix_hours_min_voters, ("hours",)),
               (t.prefix_days_window_seconds, t.prefix_days_min_voters, ("days",)))
    candidates = _prefix_candidates(recs, min(need for _, need, _ in windows))
    out = []
    for w_len, need, suffix in windows:
        hits = _prefix_crowds(recs, candidates, w_len, need, t.prefix_min_share, suffix, inc)
        if inc is not None:
            for cluster, f in prior_crowds(recs, inc, "shared_prefix", "prefix", "prefix", hits):
                if f.evidence["window_seconds"] == w_len:
                    hits[cluster] = (f.evidence["prefix"], f.evidence["entry"], set(), {})
        for cluster, (prefix, entry, voters, peak) in hits.items():
            ballots, voters, prior = closure(recs, "prefix", prefix, voters, "shared_prefix", cluster, inc)
            evidence = merge_span(merge_peak({
                "prefix": prefix, "entry": entry, "voters": len(voters), "ballots": len(ballots),
                "window_seconds": w_len, **peak, **span(recs.stamps[recs.positions_of(ballots)])},
                prior, PREFIX_PEAK, "peak_voters_on_entry"), prior)
            out.append(finding("shared_prefix", cluster, ballots, evidence, ramp(len(voters), need, 0.2, 0.4)))
    return out


def closure(recs, column: str, value: str, voters: set[int], rule: str, cluster: str, inc: Increment | None
            ) -> tuple[set[int], set[int], Finding | None]:
    """Every ballot these voters cast with this network (user agent), with
    the prior finding's voters and ballots: the finding's ballots, its voters."""
    prior = None
    if inc is not None:
        prior = inc.prior_of(rule, cluster)
        voters = voters | inc.prior_voters.get((rule, cluster), frozenset())
    code = recs.tables[column].find(value)
    theirs = np.flatnonzero((getattr(recs, column) == code) & np.isin(recs.voter, list(voters)))
    return set(recs.ids[theirs].tolist()) | prior_ids(prior), voters, prior


def prior_crowds(recs, inc: Increment, rule: str, column: str, field: str, found: dict
                 ) -> list[tuple[str, Finding]]:
    """The prior crowds no judged window extends whose voters cast a new
    ballot with their network (user agent, in the evidence's `field`): those
    ballots join them."""
    out = []
    judged = inc.judged(recs.stamps)
    for cluster, f in same_keys(inc.prior, rule).items():
        code = recs.tables[column].find(f.evidence[field])
        if cluster in found or code == -1:
            continue
        voters = inc.prior_voters.get((rule, cluster), frozenset())
        new = judged & (getattr(recs, column) == code) & np.isin(recs.voter, list(voters))
        if not set(recs.ids[new].tolist()) <= f.ballot_ids:
            out.append((cluster, f))
    return out


def _prefix_candidates(recs, least: int) -> tuple:
    """The prefixes with at least `least` ballots and voters, and per entry the
    distinct voters who chose it from there (what the three windows' tests start from)."""
    prefixes = recs.grouping("prefix")
    voters = prefixes.distinct(recs.voter)
    big = np.flatnonzero((prefixes.sizes() >= least) & (voters >= least))
    if not len(big):
        return prefixes, voters, (np.zeros(0, np.int64), np.zeros(0, np.int64)), np.zeros(0, np.int64)
    sizes = prefixes.sizes()[big]
    at = np.concatenate([prefixes.group(g) for g in big.tolist()])
    counts = recs.entry_counts()[at]
    group = np.repeat(np.repeat(big, sizes), counts)
    entry = recs.entry_ids[_flat(recs, at)]
    voter = recs.voter[np.repeat(at, counts)]
    del at, counts
    order = np.lexsort((voter, entry, group))
    group, entry, voter = group[order], entry[order], voter[order]
    del order
    pair = np.ones(len(group), dtype=bool)      # a new (group, entry)
    pair[1:] = (group[1:] != group[:-1]) | (entry[1:] != entry[:-1])
    new = pair.copy()                           # a new (group, entry, voter)
    new[1:] |= voter[1:] != voter[:-1]
    starts = np.flatnonzero(pair)
    n = np.add.reduceat(new.astype(np.int64), starts) if len(starts) else np.zeros(0, dtype=np.int64)
    return prefixes, voters, (group[starts], entry[starts]), n


def _flat(recs, positions: np.ndarray) -> np.ndarray:
    """Indices into entry_ids of the entries of these ballots, in order."""
    counts = recs.entry_counts()[positions]
    return (np.repeat(recs.entry_start[positions], counts) + np.arange(int(counts.sum()))
            - np.repeat(np.cumsum(counts) - counts, counts))


def _prefix_crowds(recs, candidates: tuple, w_len: int, need: int, share: float, suffix: tuple,
                   inc: Increment | None) -> dict[str, tuple]:
    """Per crowd found (its key): the prefix, the entry, the voters of every
    window that reached the tests, and the peak."""
    prefixes, voters, ge, n = candidates
    # Only entries with enough voters from a network over all time can qualify there.
    keep = n >= need
    by_group: dict[int, list[int]] = {}
    for g, e in zip(ge[0][keep].tolist(), ge[1][keep].tolist()):
        if prefixes.sizes()[g] >= need and voters[g] >= need:
            by_group.setdefault(g, []).append(e)
    out = {}
    for g, entries in by_group.items():
        prefix = recs.value("prefix", int(prefixes.keys[g]))
        if inc is not None and suffix == ("days",) and prefix not in inc.days_prefixes:
            continue
        idx = prefixes.group(g)
        who = recs.voter[idx]
        times = recs.stamps[idx]
        everyone = distinct_in_windows(window_starts(times, w_len), who)
        for e in sorted(entries):
            on = np.flatnonzero(_supports(recs, idx, e))   # this entry's ballots from the network
            lo = window_starts(times[on], w_len)
            size = distinct_in_windows(lo, who[on])
            total = everyone[on]
            hit = (size >= need) & (size >= share * total)
            if inc is not None:
                hit &= inc.judged(times[on])
            hit = np.flatnonzero(hit)
            if not len(hit):
                continue
            hit_voters = set(who[on][covered(lo[hit], hit, len(on))].tolist())
            if inc is not None:
                inc.need_voters(hit_voters)  # the days window's voters may have voted before the read
            j = hit[np.argmax(size[hit])]  # the first window with the most voters on the entry
            peak, peak_total = int(size[j]), int(total[j])
            out[key("prefix", prefix, "entry", e, *suffix)] = (prefix, e, hit_voters, {
                "peak_voters_on_entry": peak, "peak_voters_from_prefix": peak_total,
                "peak_share": round(peak / peak_total, 3)})
    return out


def _supports(recs, positions: np.ndarray, entry: int) -> np.ndarray:
    """Whether each of these ballots supports the entry."""
    single = recs.single_entries()
    if single is not None:
        return single[positions] == entry
    return np.array([entry in recs.entries(int(k)) for k in positions.tolist()], dtype=bool)


def shared_device(records: Sequence[BallotRecord], now: datetime, t: Thresholds, inc: Increment | None = None
                  ) -> list[Finding]:
    """Many distinct accounts behind one device cookie: `device_min_voters` in
    a day (a device farm), or `device_week_min_voters` in a week (a phone
    worked through by hand, a few accounts a day). Flags the device's ballots
    in every window that reaches either; the week's finding is keyed
    `device:<id>:week`. Incremental (`inc`): the windows ending since
    `inc.since` (the week's only on `inc.week_devices`), with the prior finding."""
    recs = cast(records, now)
    devices = recs.grouping("device")
    sizes, distinct = devices.sizes(), devices.distinct(recs.voter)
    least = min(t.device_min_voters, t.device_week_min_voters)
    wanted = (sizes >= least) & (distinct >= least)
    if inc is not None:
        wanted &= devices.any(inc.judged(recs.stamps))
    out = []
    for g in np.flatnonzero(wanted):
        idx = devices.group(g)
        device = recs.value("device", int(devices.keys[g]))
        for w_len, need, suffix in ((t.device_window_seconds, t.device_min_voters, ()),
                                    (t.device_week_window_seconds, t.device_week_min_voters, ("week",))):
            if sizes[g] < need or distinct[g] < need or (inc is not None and suffix and device not in inc.week_devices):
                continue
            who = recs.voter[idx]
            lo = window_starts(recs.stamps[idx], w_len)
            size = distinct_in_windows(lo, who)
            hit = size >= need
            if inc is not None:
                hit &= inc.judged(recs.stamps[idx])
            hit = np.flatnonzero(hit)
            if not len(hit):
                continue
            flagged = idx[covered(lo[hit], hit, len(idx))]
            peak = int(size[hit].max())
            cluster = key("device", device, *suffix)
            ids = set(recs.ids[flagged].tolist())
            if inc is not None:  # with the prior windows' ballots (read on a second pass) and peak
                prior = inc.prior_of("shared_device", cluster, want_ballots=True)
                ids |= prior_ids(prior)
                flagged = recs.positions_of(ids)
                peak = max(peak, prior.evidence["peak_voters_in_window"] if prior is not None else 0)
            out.append(finding("shared_device", cluster, ids, {
                "device": device, "voters": len(set(recs.voter[flagged].tolist())), "ballots": len(ids),
                "window_seconds": w_len, "peak_voters_in_window": peak,
                "top_entries": top(entry_counter(recs, flagged)),
                "networks": len(set(recs.prefix[flagged].tolist())), **span(recs.stamps[flagged])}))
    return out
