"""Rules on how the ballots were sent and by whom, which the people in an
honest crowd do not share: clients that never rendered the ballot page or
never ran its script, and crowds whose clients are implausibly alike (and,
in rules_sleepers.py, batches of accounts made together long ago that wake
up together). Pure."""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime
from functools import lru_cache
from statistics import median
from typing import Sequence

import numpy as np

from voting.fraud.domain.columns import BARE_BITS, CLIENT_BITS, covered, distinct_in_windows, window_starts
from voting.fraud.domain.increment import Increment
from voting.fraud.domain.records import CLIENT_FLAGS, BallotRecord, Finding
from voting.fraud.domain.rules_accounts import voter_firsts
from voting.fraud.domain.rules_common import cast, finding, key, ramp, span, values_of
from voting.fraud.domain.thresholds import Thresholds

VOLUME_RULES = ("burst", "shared_prefix", "new_account_domain", "shared_user_agent")


def pageless_rate(recs, t: Thresholds) -> float:
    """The contest's share of voters with a ballot no page vouched for (never below `pageless_min_rate`)."""
    bare = (recs.flags & BARE_BITS) != 0
    voters = len(np.unique(recs.voter))
    return max(t.pageless_min_rate, len(np.unique(recs.voter[bare])) / max(1, voters))


def pageless(records: Sequence[BallotRecord], now: datetime, t: Thresholds, inc: Increment | None = None
             ) -> list[Finding]:
    """Voters supporting one entry within `pageless_window_seconds` with
    ballots that no rendered ballot page vouched for, whose page's script
    never ran, or whose client declares automation: at least
    `pageless_min_voters` of them, and more than the entry's traffic explains
    at the contest's own rate of such voters (the chance of as many below
    10^-`pageless_log10_p`). People vote from the page; the few honest API
    clients and script blockers spread over the entries like everyone else.
    Flags those voters' page-less ballots for the entry. Incremental (`inc`):
    the windows ending since `inc.since`, at the contest's rate of now
    (`inc.totals`), with the prior finding (its peak judged again at that rate)."""
    recs = cast(records, now)
    need, w_len = t.pageless_min_voters, t.pageless_window_seconds
    bare = (recs.flags & BARE_BITS) != 0
    if inc is None:
        rate = pageless_rate(recs, t)
    else:
        rate = max(t.pageless_min_rate, inc.totals.pageless_voters / max(1, inc.totals.voters))
    entries = recs.grouping("entries")
    # Entries with enough voters who sent such a ballot (for any entry) to be worth a look.
    enough = entries.distinct(recs.voter, where=np.isin(recs.voter, np.unique(recs.voter[bare]))) >= need
    out = []
    for g in np.flatnonzero(enough):
        idx = entries.group(g)
        times, who = recs.stamps[idx], recs.voter[idx]
        on = np.flatnonzero(bare[idx])
        lo = window_starts(times[on], w_len)
        k = distinct_in_windows(lo, who[on])
        everyone = distinct_in_windows(window_starts(times, w_len), who)[on]
        surprise = np.array([_log10_tail(int(a), int(b), rate) if a >= need else 0.0
                             for a, b in zip(k.tolist(), everyone.tolist())])
        hit = (k >= need) & (-surprise >= t.pageless_log10_p)
        if inc is not None:
            hit &= inc.judged(times[on])
        hit = np.flatnonzero(hit)
        if not len(hit):
            continue
        chosen = idx[on][covered(lo[hit], hit, len(on))]
        j = hit[np.argmax(k[hit])]  # the first window with the most page-less voters
        peak = (int(k[j]), int(everyone[j]), float(surprise[j]))
        entry = int(entries.keys[g])
        cluster = key("entry", entry)
        ids = set(recs.ids[chosen].tolist())
        if inc is not None:  # with the prior windows (their ballots read on a second pass)
            prior = inc.prior_of("pageless", cluster, want_ballots=True)
            if prior is not None:
                ids |= prior.ballot_ids
                was = (prior.evidence["peak_pageless_voters_in_window"], prior.evidence["peak_voters_in_window"])
                if was[0] >= peak[0]:
                    peak = (was[0], was[1], _log10_tail(was[0], was[1], rate))
            chosen = recs.positions_of(ids)
        flags = recs.flags[chosen]
        evidence = {
            "entry": entry, "voters": len(set(recs.voter[chosen].tolist())), "ballots": len(ids),
            **{c: int(((flags & CLIENT_BITS[c]) != 0).sum()) for c in CLIENT_FLAGS}, "window_seconds": w_len,
            "peak_pageless_voters_in_window": peak[0], "peak_voters_in_window": peak[1],
            "contest_pageless_rate": round(rate, 4), "log10_chance": round(peak[2], 1),
            "networks": len(set(recs.prefix[chosen].tolist())), **span(recs.stamps[chosen])}
        out.append(finding("pageless", cluster, ids, evidence, ramp(peak[0], need, 0.8, 1.0, 2.0)))
    return out


@lru_cache(maxsize=65536)
def _log10_tail(k: int, n: int, p: float) -> float:
    """log10 of P(X >= k) for X ~ Binomial(n, p): how surprising it is that k
    of n people share a trait a share p of everyone has."""
    if k <= n * p:
        return 0.0
    p = min(max(p, 1e-9), 1 - 1e-9)
    # Above the mean the terms only shrink: sum from the first until they no
    # longer matter (e^-35 of it), each from the one before.
    first = term = (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
                    + k * math.log(p) + (n - k) * math.log1p(-p))
    odds, total = math.log(p) - math.log1p(-p), 1.0
    for j in range(k, n):
        term += math.log((n - j) / (j + 1)) + odds
        if term < first - 35:
            break
        total += math.exp(term - first)
    return (first + math.log(total)) / math.log(10)


def _ua_shares(recs) -> dict[str, float]:
    """Each user agent's share of the contest's voters (a voter counted by the
    user agent of their first ballot)."""
    if "ua_shares" not in recs.memo:
        _, first, _ = voter_firsts(recs)
        codes, counts = np.unique(recs.ua[first], return_counts=True)
        total = max(1, len(first))
        recs.memo["ua_shares"] = {recs.value("ua", c): n / total for c, n in zip(codes.tolist(), counts.tolist())}
    return recs.memo["ua_shares"]


def uniform_clients(records: Sequence[BallotRecord], now: datetime, t: Thresholds,
                    crowds: Sequence[Finding] | None = None, inc: Increment | None = None) -> list[Finding]:
    """The corroboration a crowd found by a volume rule needs: its clients are
    far more alike than people are. Three tests, each marking only the crowd's
    ballots that share the trait (so bystanders voting for the same entry are
    left out):

    - a few user agents (`uniform_ua_max_agents`) held by nearly all the
      crowd's voters (`uniform_ua_cover`), where the chance of that for people
      drawn from the contest's voters is below 10^-`uniform_ua_log10_p`. A
      school's identical laptops do this for a lesson, so it is weak, unless
      those clients bring voters in at least `uniform_ua_sustained_hours`
      distinct hours;
    - page times bunched around one value (at least `uniform_page_share` of
      the crowd's page-timed ballots within ±`uniform_page_band` of their
      median): people take anything from seconds to minutes, a script sleeps
      for a set time;
    - accounts made at machine-regular intervals (creation gaps with a
      robust coefficient of variation, 1.4826 x their median absolute
      deviation over their median, at most `uniform_creation_cv`).

    Incremental (`inc`): the crowds are the volume findings the sweep
    extended, each tested whole (its prior ballots read on a second pass),
    against the contest's user agents of now (`inc.totals`)."""
    recs = cast(records, now)
    if crowds is None:  # on its own: find the crowds first (run_all hands them over)
        from voting.fraud.domain.rules import ALL_RULES
        crowds = [f for name in VOLUME_RULES for f in ALL_RULES[name](recs, now, t)]
    shares = inc.totals.shares() if inc is not None else None
    out = []
    for crowd in crowds:
        if crowd.rule in VOLUME_RULES:
            if inc is not None:
                inc.prior_of(crowd.rule, crowd.key, want_ballots=True)
            found = _uniform(recs, crowd, t, shares if shares is not None else _ua_shares(recs))
            if found is not None:
                out.append(found)
    return out


def _uniform(recs, crowd: Finding, t: Thresholds, shares: dict[str, float]) -> Finding | None:
    at = recs.positions_of(crowd.ballot_ids)
    idx, who = at.tolist(), recs.voter[at].tolist()
    need = t.uniform_min_voters
    if len(set(who)) < need:
        return None
    uas = values_of(recs, "ua", at)
    stamps = recs.stamps[at].tolist()
    marked: set[int] = set()
    tests: dict[str, object] = {}
    strength = 0.0
    # 1. a few user agents
    if crowd.rule != "shared_user_agent":
        ua_of: dict[int, str] = {}
        for v, ua in zip(who, uas):
            ua_of.setdefault(v, ua)
        counts, k = [], 0
        for ua, n in Counter(ua_of.values()).most_common(t.uniform_ua_max_agents):
            if k >= t.uniform_ua_cover * len(ua_of):
                break  # covered: bystanders' browsers stay out of the set
            counts.append((ua, n))
            k += n
        few = {ua for ua, _ in counts}
        surprise = _log10_tail(k, len(ua_of), sum(shares.get(ua, 0.0) for ua in few))
        if k >= t.uniform_ua_cover * len(ua_of) and -surprise >= t.uniform_ua_log10_p:
            alike = [i for i, ua in zip(idx, uas) if ua in few]
            marked.update(alike)
            # Hours in which these clients brought voters: a lesson fills one,
            # a farm working through accounts fills them one after another.
            hours = len({int(ts // 3600) for ts, ua in zip(stamps, uas) if ua in few})
            sustained = hours >= t.uniform_ua_sustained_hours
            tests["few_user_agents"] = {"user_agents": [[ua, n] for ua, n in counts], "voters": k,
                                        "of": len(ua_of), "log10_chance": round(surprise, 1),
                                        "hours_with_voters": hours}
            strength += t.uniform_ua_sustained_strength if sustained else t.uniform_ua_strength
    # 2. page times bunched
    pages = recs.page[at].tolist()
    timed = [(i, p) for i, p in zip(idx, pages) if not math.isnan(p)]
    if len(timed) >= need:
        mid = median(p for _, p in timed)
        band = [i for i, p in timed if abs(p - mid) <= t.uniform_page_band * mid]
        if len(band) >= need and len(band) >= t.uniform_page_share * len(timed):
            marked.update(band)
            tests["page_time"] = {"median_seconds": round(mid, 1), "within_band": len(band),
                                  "of": len(timed), "band": t.uniform_page_band}
            strength += t.uniform_page_strength
    # 3. accounts made on a beat (robust to a few bystanders' accounts: median
    # and median absolute deviation of the gaps, not mean and deviation)
    made = sorted(set(zip(recs.created[at].tolist(), who)))
    gaps = [b[0] - a[0] for a, b in zip(made, made[1:])]
    if len(gaps) >= need:
        mid = median(gaps)
        cv = 1.4826 * median(abs(g - mid) for g in gaps) / mid if mid > 0 else math.inf
        if cv <= t.uniform_creation_cv and mid >= t.cadence_min_gap_seconds:
            on_beat = {v for k, g in enumerate(gaps) if abs(g - mid) <= 0.5 * mid
                       for v in (made[k][1], made[k + 1][1])}
            marked.update(i for i, v in zip(idx, who) if v in on_beat)
            tests["creation_beat"] = {"accounts": len(on_beat), "median_gap_seconds": round(mid, 1),
                                      "robust_cv": round(cv, 3)}
            strength += t.uniform_creation_strength
    if not marked:
        return None
    chosen = np.array(sorted(marked), dtype=np.int64)
    return finding("uniform_clients", key(crowd.rule, crowd.key), recs.ids[chosen].tolist(), {
        "crowd_rule": crowd.rule, "crowd_key": crowd.key, "voters": len(set(recs.voter[chosen].tolist())),
        "ballots": len(marked), "tests": tests, **span(recs.stamps[chosen])}, min(1.0, strength))
