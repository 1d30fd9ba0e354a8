"""Dormant accounts waking together: accounts made days to weeks before they
first vote (and, made before voting opened, that let a day of the open vote
go by), one by one (no batch for `sleeper_accounts` to see), that wake up
within hours of each other for one entry and make up most of its voters then.
Pure."""

from __future__ import annotations

from datetime import datetime
from statistics import median
from typing import Sequence

import numpy as np

from voting.fraud.domain.columns import covered, distinct_in_windows, window_starts
from voting.fraud.domain.increment import Increment
from voting.fraud.domain.records import BallotRecord, Finding, VoteFacts
from voting.fraud.domain.rules_accounts import voter_firsts
from voting.fraud.domain.rules_common import cast, finding, key, ramp, span, stamp
from voting.fraud.domain.thresholds import Thresholds

DAY = 86400.0


def waking(recs, t: Thresholds, inc: Increment | None = None, opens: datetime | None = None) -> np.ndarray:
    """Per ballot, whether it is a dormant account waking: its voter's first
    ballot came between `dormant_min_age_seconds` and `dormant_max_age_seconds`
    after the account was made and at least `dormant_open_grace_seconds` after
    voting `opens` (an account cannot sleep through a vote that was not open:
    the members an organisation had register before the opening, voting when
    it opens, are not asleep), and this ballot within `dormant_window_seconds`
    of that first one (an early registrant coming back days after their first
    ballot is not waking). Incremental: only voters read whole are known."""
    voters, first, _ = voter_firsts(recs)
    age = recs.stamps[first] - recs.created[first]
    dormant = (age >= t.dormant_min_age_seconds) & (age <= t.dormant_max_age_seconds)
    if opens is not None:
        dormant &= recs.stamps[first] - stamp(opens) >= t.dormant_open_grace_seconds
    if inc is not None:
        dormant &= inc.complete(voters)
    at = np.searchsorted(voters, recs.voter)
    return dormant[at] & (recs.stamps - recs.stamps[first][at] <= t.dormant_window_seconds)


def dormant_wake(records: Sequence[BallotRecord], now: datetime, t: Thresholds, inc: Increment | None = None,
                 facts: VoteFacts | None = None) -> list[Finding]:
    """Per entry, every window of `dormant_window_seconds` ending at a waking
    ballot in which at least `dormant_min_voters` waking accounts voted for
    the entry and were at least `dormant_min_share` of its voters in the
    window. Finds those accounts' waking ballots (combine holds their other
    ballots with them). Strength 0.8 at the minimum, 1.0 at twice it.
    Incremental (`inc`): the windows ending since `inc.since` (every voter in
    them is read whole), with the prior finding. `facts.opens`: when voting
    opened (see `waking`)."""
    recs = cast(records, now)
    need, w_len = t.dormant_min_voters, t.dormant_window_seconds
    opens = (facts or VoteFacts()).opens
    woke = waking(recs, t, inc, opens)
    entries = recs.grouping("entries")
    enough = entries.distinct(recs.voter, where=woke) >= need
    if inc is not None:
        enough &= entries.any(woke & inc.judged(recs.stamps))
    out = []
    for g in np.flatnonzero(enough).tolist():
        idx = entries.group(g)
        times, who = recs.stamps[idx], recs.voter[idx]
        on = np.flatnonzero(woke[idx])
        lo = window_starts(times[on], w_len)
        k = distinct_in_windows(lo, who[on])
        everyone = distinct_in_windows(window_starts(times, w_len), who)[on]
        hit = (k >= need) & (k >= t.dormant_min_share * everyone)
        if inc is not None:
            hit &= inc.judged(times[on])
        hit = np.flatnonzero(hit)
        if not len(hit):
            continue
        chosen = idx[on][covered(lo[hit], hit, len(on))]
        j = hit[np.argmax(k[hit])]  # the first window with the most waking voters
        peak = (int(k[j]), int(everyone[j]))
        entry = int(entries.keys[g])
        cluster = key("entry", entry)
        ids = set(recs.ids[chosen].tolist())
        if inc is not None:  # with the prior windows (their ballots read on a second pass)
            prior = inc.prior_of("dormant_wake", cluster, want_ballots=True)
            if prior is not None:
                ids |= prior.ballot_ids
                was = (prior.evidence["peak_waking_voters"], prior.evidence["peak_voters_in_window"])
                if was[0] >= peak[0]:
                    peak = was
            chosen = recs.positions_of(ids)
        asleep = recs.stamps[chosen] - (recs.created[chosen] if opens is None
                                        else np.maximum(recs.created[chosen], stamp(opens)))
        evidence = {
            "entry": entry, "voters": len(set(recs.voter[chosen].tolist())), "ballots": len(ids),
            "window_seconds": w_len, "peak_waking_voters": peak[0], "peak_voters_in_window": peak[1],
            "median_days_asleep": round(median(asleep.tolist()) / DAY, 1) if len(asleep) else 0.0,
            "created": span(recs.created[chosen]),
            "networks": len(set(recs.prefix[chosen].tolist())), **span(recs.stamps[chosen])}
        out.append(finding("dormant_wake", cluster, ids, evidence, ramp(peak[0], need, 0.8, 1.0, 2.0)))
    return out
