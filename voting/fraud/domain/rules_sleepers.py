"""Sleeper accounts: a batch of accounts made together long ago that stayed
silent and then woke up together for one entry. Pure."""

from __future__ import annotations

from datetime import datetime
from statistics import median
from typing import Sequence

import numpy as np

from voting.fraud.domain.increment import Increment, SleeperBatch, merge_peak, merge_span, prior_ids
from voting.fraud.domain.records import BallotRecord, Finding
from voting.fraud.domain.rules_accounts import voter_firsts
from voting.fraud.domain.rules_common import cast, finding, key, span
from voting.fraud.domain.thresholds import Thresholds

SLEEPER_PEAK = ("peak_batch", "batch_share")


def sleeper_accounts(records: Sequence[BallotRecord], now: datetime, t: Thresholds, inc: Increment | None = None
                     ) -> list[Finding]:
    """Accounts made together long ago that stayed silent and then woke up
    together for one entry: at least `sleeper_min_accounts` accounts created
    within `sleeper_batch_seconds` of each other, whose first ballot in the
    contest came at least `sleeper_min_age_seconds` after creation, and
    which voted for the entry within `sleeper_wake_seconds` of each other,
    and which are at least `sleeper_dedicated_share` of every account made in
    that span that voted at all: a batch made for this.

    Incremental (`inc`): the groups that woke together with an account whose
    ballot for the entry came since `inc.since`. Such a group woke within a
    day of that ballot, so its accounts are among those read; whether it is
    a batch made for this needs the accounts made around it (`inc.sleepers`,
    asked for on a first pass when the accounts read could make a group)."""
    recs = cast(records, now)
    voters, first, _ = voter_firsts(recs)
    first_vote, created = recs.stamps[first], recs.created[first]
    is_woke = (first_vote - created) >= t.sleeper_min_age_seconds   # per voter (in `voters` order)
    if inc is not None:
        is_woke &= inc.complete(voters)  # a first ballot is known only for a voter read whole
    woke_at = is_woke[np.searchsorted(voters, recs.voter)]   # per ballot
    entries = recs.grouping("entries")
    need = t.sleeper_min_accounts
    wanted = entries.distinct(recs.voter, where=woke_at) >= need
    if inc is not None:
        wanted = entries.any(woke_at & inc.judged(recs.stamps))
    made_sorted = np.sort(created) if inc is None else None
    out = []
    for g in np.flatnonzero(wanted):
        idx = entries.group(g)
        idx = idx[woke_at[idx]]
        entry = int(entries.keys[g])
        batch_voters = np.unique(recs.voter[idx])
        at = np.searchsorted(voters, batch_voters)
        if inc is None:
            members, best = _sleeper_batches(batch_voters, created[at], first_vote[at], made_sorted, t)
        else:
            members, best = _woke_since(recs, idx, entry, batch_voters, created[at], first_vote[at], t, inc)
        if not members:
            continue
        cluster = key("entry", entry)
        prior = None
        ids = set(recs.ids[idx[np.isin(recs.voter[idx], list(members))]].tolist())
        if inc is not None:  # with the prior sleepers (read whole on a second pass)
            prior = inc.prior_of("sleeper_accounts", cluster)
            before = inc.prior_voters.get(("sleeper_accounts", cluster), frozenset())
            inc.need_voters(before | members)
            members = members | before
            ids |= prior_ids(prior)
        at_m = np.searchsorted(voters, np.array(sorted(members), dtype=np.int64))
        at_m = at_m[at_m < len(voters)]
        at_m = at_m[np.isin(voters[at_m], list(members))]  # the members read (all, on a second pass)
        ballots = recs.positions_of(ids)
        evidence = {
            "entry": entry, "accounts": len(members), "ballots": len(ids), "peak_batch": best[0],
            "batch_share": round(best[1], 3), "created": span(created[at_m]),
            "median_days_asleep": round(median((first_vote[at_m] - created[at_m]).tolist()) / 86400, 1)
            if len(at_m) else 0.0,
            "networks": len(set(recs.prefix[ballots].tolist())), **span(recs.stamps[ballots])}
        if prior is not None:
            evidence = merge_span(merge_peak(evidence, prior, SLEEPER_PEAK, "peak_batch"), prior)
            evidence["created"] = merge_span(evidence["created"], prior.evidence.get("created"))
        out.append(finding("sleeper_accounts", cluster, ids, evidence, t.sleeper_strength))
    return out


def _woke_since(recs, idx: np.ndarray, entry: int, voter: np.ndarray, made: np.ndarray, woke: np.ndarray,
                t: Thresholds, inc: Increment) -> tuple[set[int], tuple[int, float]]:
    """The sleepers of the groups that hold an account whose ballot for the
    entry came since `inc.since`: the batches around those accounts, judged
    on the accounts made around them that `inc.sleepers` holds (asked for
    when the accounts read alone could make a group with one)."""
    need = t.sleeper_min_accounts
    new = set(recs.voter[idx[inc.judged(recs.stamps[idx])]].tolist())
    asked: dict[int, float] = {}
    for k in np.flatnonzero(np.isin(voter, list(new))).tolist():
        near = (np.abs(woke - woke[k]) <= t.sleeper_wake_seconds) & (np.abs(made - made[k]) <= t.sleeper_batch_seconds)
        if near.sum() >= need:  # a group with it woke within a day of it: every account of it is read
            asked[int(voter[k])] = float(made[k])
    members: set[int] = set()
    best = (0, 0.0)
    batches: dict[int, tuple[SleeperBatch, set[int]]] = {}  # one answer may hold several accounts' surroundings
    for x, made_x in asked.items():
        around = inc.sleepers.get((entry, made_x))
        if around is None:
            inc.needs.sleepers.add((entry, made_x))
        else:
            batches.setdefault(id(around), (around, set()))[1].add(x)
    for around, musts in batches.values():
        ids = np.array(sorted(around.woke), dtype=np.int64)
        found, top = _sleeper_batches(ids, np.array([around.woke[v][0] for v in ids.tolist()]),
                                      np.array([around.woke[v][1] for v in ids.tolist()]), around.made, t, musts)
        members |= found
        if top[0] > best[0]:
            best = top
    return members, best


def _sleeper_batches(voter: np.ndarray, made: np.ndarray, woke: np.ndarray, made_sorted: np.ndarray,
                     t: Thresholds, musts: set[int] | None = None) -> tuple[set[int], tuple[int, float]]:
    """One entry's sleepers (voter ids, their creation and first ballot): every
    batch made within `sleeper_batch_seconds` (ending at each account), and in
    it every group that woke within `sleeper_wake_seconds`, that is at least
    `sleeper_dedicated_share` of the accounts made in the batch's span (with
    `musts`: only the batches and groups that hold one of those accounts)."""
    need = t.sleeper_min_accounts
    order = np.lexsort((voter, made))
    voter, made, woke = voter[order], made[order], woke[order]
    lo = np.searchsorted(made, made - t.sleeper_batch_seconds, side="left")
    size = np.arange(len(made)) - lo + 1
    everyone = np.searchsorted(made_sorted, made, side="right") - np.searchsorted(made_sorted, made[lo], side="left")
    # No group in a batch is a larger share of its span than the whole batch.
    maybe = (size >= need) & ~(size / np.maximum(1, everyone) < t.sleeper_dedicated_share)
    if musts is not None:
        seen = np.concatenate(([0], np.cumsum(np.isin(voter, list(musts)))))
        maybe &= seen[np.arange(len(made)) + 1] > seen[lo]
    members: set[int] = set()
    best = (0, 0.0)  # the largest dedicated group: its size and its share
    for j in np.flatnonzero(maybe).tolist():
        a0 = int(lo[j])
        group = sorted(zip(woke[a0:j + 1].tolist(), voter[a0:j + 1].tolist()))
        held = [0]  # how many of `musts` among the first k of the group
        for _, v in group:
            held.append(held[-1] + (musts is not None and v in musts))
        everyone_j = int(everyone[j])
        found = np.zeros(len(group) + 1, dtype=np.int64)  # the groups found, as ranges of the sorted batch
        a = 0
        for b in range(len(group)):
            while group[a][0] < group[b][0] - t.sleeper_wake_seconds:
                a += 1
            if b - a + 1 >= need and (musts is None or held[b + 1] > held[a]):
                share = (b - a + 1) / max(1, everyone_j)
                if share < t.sleeper_dedicated_share:
                    continue  # a minority of its sign-up batch: not a batch made for this
                found[a] += 1
                found[b + 1] -= 1
                if b - a + 1 > best[0]:
                    best = (b - a + 1, share)
        members.update(v for (_, v), hit in zip(group, np.cumsum(found[:-1]) > 0) if hit)
    return members, best
