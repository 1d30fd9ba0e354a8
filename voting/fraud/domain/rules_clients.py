"""Rules on how the ballots were sent and by whom, which the people in an
honest crowd do not share: clients that never rendered the ballot page or
never ran its script, crowds whose clients are implausibly alike, and batches
of accounts made together long ago that wake up together. Pure."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from datetime import datetime
from statistics import median
from typing import Sequence

from voting.fraud.domain.records import CLIENT_FLAGS, BallotRecord, Finding
from voting.fraud.domain.rules_common import Window, cast, column, finding, groups, key, ramp, span, stamp
from voting.fraud.domain.thresholds import Thresholds

VOLUME_RULES = ("burst", "shared_prefix", "new_account_domain", "shared_user_agent")


def pageless(records: Sequence[BallotRecord], now: datetime, t: Thresholds) -> list[Finding]:
    """Voters supporting one entry within `pageless_window_seconds` with
    ballots that no rendered ballot page vouched for, whose page's script
    never ran, or whose client declares automation: at least
    `pageless_min_voters` of them, and more than the entry's traffic explains
    at the contest's own rate of such voters (the chance of as many below
    10^-`pageless_log10_p`). People vote from the page; the few honest API
    clients and script blockers spread over the entries like everyone else.
    Flags those voters' page-less ballots for the entry."""
    recs = cast(records, now)
    stamps, who, flags = recs.stamps, column(recs, "voter_id"), column(recs, "flags")
    bare = [bool(f) and any(c in f for c in CLIENT_FLAGS) for f in flags]
    need, w_len = t.pageless_min_voters, t.pageless_window_seconds
    bare_voters = {who[i] for i in range(len(recs)) if bare[i]}
    rate = max(t.pageless_min_rate, len(bare_voters) / max(1, len(set(who))))
    out = []
    for entry, idx in groups(recs, "entries").items():
        if len(bare_voters.intersection(who[i] for i in idx)) < need:
            continue
        everyone, w, taken, peak = Window(), Window(), [], (0, 0, 0.0)
        for i in idx:
            ts = stamps[i]
            everyone.add(ts, who[i], i, ts - w_len)
            if not bare[i]:
                continue
            w.add(ts, who[i], i, ts - w_len)
            k = len(w)
            if k < need:
                continue
            surprise = _log10_tail(k, len(everyone), rate)
            if -surprise >= t.pageless_log10_p:
                taken += w.take_new()
                if k > peak[0]:
                    peak = (k, len(everyone), surprise)
        if not taken:
            continue
        chosen = sorted(i for _, i in taken)
        kinds = Counter(c for i in chosen for c in CLIENT_FLAGS if c in flags[i])
        out.append(finding("pageless", key("entry", entry), (recs[i].id for i in chosen), {
            "entry": entry, "voters": len({v for v, _ in taken}), "ballots": len(chosen),
            **{c: kinds.get(c, 0) for c in CLIENT_FLAGS}, "window_seconds": w_len,
            "peak_pageless_voters_in_window": peak[0], "peak_voters_in_window": peak[1],
            "contest_pageless_rate": round(rate, 4), "log10_chance": round(peak[2], 1),
            "networks": len({recs[i].prefix for i in chosen}), **span(stamps[i] for i in chosen)},
            ramp(peak[0], need, 0.8, 1.0, 2.0)))
    return out


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
    """Each user agent's share of the contest's voters (a voter counted once)."""
    if "ua_shares" not in recs.memo:
        first: dict[int, str] = {}
        for v, ua in zip(column(recs, "voter_id"), column(recs, "user_agent_hash")):
            first.setdefault(v, ua)
        counts = Counter(first.values())
        total = max(1, len(first))
        recs.memo["ua_shares"] = {ua: n / total for ua, n in counts.items()}
    return recs.memo["ua_shares"]


def uniform_clients(records: Sequence[BallotRecord], now: datetime, t: Thresholds,
                    crowds: Sequence[Finding] | None = None) -> list[Finding]:
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
      deviation over their median, at most `uniform_creation_cv`)."""
    recs = cast(records, now)
    if crowds is None:  # on its own: find the crowds first (run_all hands them over)
        from voting.fraud.domain.rules import ALL_RULES
        crowds = [f for name in VOLUME_RULES for f in ALL_RULES[name](recs, now, t)]
    need = t.uniform_min_voters
    by_id = {r.id: i for i, r in enumerate(recs)} if crowds else {}
    shares = _ua_shares(recs) if crowds else {}
    out = []
    for crowd in crowds:
        if crowd.rule not in VOLUME_RULES:
            continue
        idx = sorted(by_id[b] for b in crowd.ballot_ids if b in by_id)
        voters = {recs[i].voter_id for i in idx}
        if len(voters) < need:
            continue
        marked: set[int] = set()
        tests: dict[str, object] = {}
        strength = 0.0
        # 1. a few user agents
        if crowd.rule != "shared_user_agent":
            ua_of: dict[int, str] = {}
            for i in idx:
                ua_of.setdefault(recs[i].voter_id, recs[i].user_agent_hash)
            counts, k = [], 0
            for ua, n in Counter(ua_of.values()).most_common(t.uniform_ua_max_agents):
                if k >= t.uniform_ua_cover * len(ua_of):
                    break  # covered: bystanders' browsers stay out of the set
                counts.append((ua, n))
                k += n
            few = {ua for ua, _ in counts}
            surprise = _log10_tail(k, len(ua_of), sum(shares.get(ua, 0.0) for ua in few))
            if k >= t.uniform_ua_cover * len(ua_of) and -surprise >= t.uniform_ua_log10_p:
                alike = [i for i in idx if recs[i].user_agent_hash in few]
                marked.update(alike)
                # Hours in which these clients brought voters: a lesson fills one,
                # a farm working through accounts fills them one after another.
                hours = len({int(recs.stamps[i] // 3600) for i in alike})
                sustained = hours >= t.uniform_ua_sustained_hours
                tests["few_user_agents"] = {"user_agents": [[ua, n] for ua, n in counts], "voters": k,
                                            "of": len(ua_of), "log10_chance": round(surprise, 1),
                                            "hours_with_voters": hours}
                strength += t.uniform_ua_sustained_strength if sustained else t.uniform_ua_strength
        # 2. page times bunched
        timed = [i for i in idx if recs[i].page_seconds is not None]
        if len(timed) >= need:
            mid = median(recs[i].page_seconds for i in timed)
            band = [i for i in timed if abs(recs[i].page_seconds - mid) <= t.uniform_page_band * mid]
            if len(band) >= need and len(band) >= t.uniform_page_share * len(timed):
                marked.update(band)
                tests["page_time"] = {"median_seconds": round(mid, 1), "within_band": len(band),
                                      "of": len(timed), "band": t.uniform_page_band}
                strength += t.uniform_page_strength
        # 3. accounts made on a beat (robust to a few bystanders' accounts: median
        # and median absolute deviation of the gaps, not mean and deviation)
        made = sorted({(stamp(recs[i].voter_created_at), recs[i].voter_id) for i in idx})
        gaps = [b[0] - a[0] for a, b in zip(made, made[1:])]
        if len(gaps) >= need:
            mid = median(gaps)
            cv = 1.4826 * median(abs(g - mid) for g in gaps) / mid if mid > 0 else math.inf
            if cv <= t.uniform_creation_cv and mid >= t.cadence_min_gap_seconds:
                on_beat = {v for k, g in enumerate(gaps) if abs(g - mid) <= 0.5 * mid
                           for v in (made[k][1], made[k + 1][1])}
                marked.update(i for i in idx if recs[i].voter_id in on_beat)
                tests["creation_beat"] = {"accounts": len(on_beat), "median_gap_seconds": round(mid, 1),
                                          "robust_cv": round(cv, 3)}
                strength += t.uniform_creation_strength
        if marked:
            out.append(finding("uniform_clients", key(crowd.rule, crowd.key), (recs[i].id for i in marked), {
                "crowd_rule": crowd.rule, "crowd_key": crowd.key, "voters": len({recs[i].voter_id for i in marked}),
                "ballots": len(marked), "tests": tests, **span(recs.stamps[i] for i in marked)},
                min(1.0, strength)))
    return out


def sleeper_accounts(records: Sequence[BallotRecord], now: datetime, t: Thresholds) -> list[Finding]:
    """Accounts made together long ago that stayed silent and then woke up
    together for one entry: at least `sleeper_min_accounts` accounts created
    within `sleeper_batch_seconds` of each other, whose first ballot in the
    contest came at least `sleeper_min_age_seconds` after creation, and
    which voted for the entry within `sleeper_wake_seconds` of each other,
    and which are at least `sleeper_dedicated_share` of every account made in
    that span that voted at all: a batch made for this."""
    recs = cast(records, now)
    stamps, who = recs.stamps, column(recs, "voter_id")
    first_vote: dict[int, float] = {}
    created: dict[int, float] = {}
    for i, v in enumerate(who):
        if v not in first_vote:
            first_vote[v] = stamps[i]
            created[v] = stamp(recs[i].voter_created_at)
    made_sorted = sorted(created.values())
    need = t.sleeper_min_accounts
    out = []
    for entry, idx in groups(recs, "entries").items():
        woke = defaultdict(list)
        for i in idx:
            v = who[i]
            if first_vote[v] - created[v] >= t.sleeper_min_age_seconds:
                woke[v].append(i)
        if len(woke) < need:
            continue
        batch = sorted((created[v], v) for v in woke)
        members: set[int] = set()
        lo, best = 0, (0, 0.0)  # the largest dedicated group: its size and its share
        for j in range(len(batch)):
            while batch[lo][0] < batch[j][0] - t.sleeper_batch_seconds:
                lo += 1
            if j - lo + 1 < need:
                continue
            # ... and woke together: the largest set voting within sleeper_wake_seconds
            group = sorted((first_vote[v], v) for _, v in batch[lo:j + 1])
            a = 0
            for b in range(len(group)):
                while group[a][0] < group[b][0] - t.sleeper_wake_seconds:
                    a += 1
                if b - a + 1 >= need:
                    together = [v for _, v in group[a:b + 1]]
                    everyone = _count_between(made_sorted, batch[lo][0], batch[j][0])
                    share = len(together) / max(1, everyone)
                    if share < t.sleeper_dedicated_share:
                        continue  # a minority of its sign-up batch: not a batch made for this
                    members.update(together)
                    if len(together) > best[0]:
                        best = (len(together), share)
        if not members:
            continue
        ballots = [i for v in members for i in woke[v]]
        strength = t.sleeper_strength
        out.append(finding("sleeper_accounts", key("entry", entry), (recs[i].id for i in ballots), {
            "entry": entry, "accounts": len(members), "ballots": len(ballots), "peak_batch": best[0],
            "batch_share": round(best[1], 3), "created": span(created[v] for v in members),
            "median_days_asleep": round(median(first_vote[v] - created[v] for v in members) / 86400, 1),
            "networks": len({recs[i].prefix for i in ballots}), **span(stamps[i] for i in ballots)},
            strength))
    return out


def _count_between(sorted_values: list[float], lo: float, hi: float) -> int:
    return bisect_right(sorted_values, hi) - bisect_left(sorted_values, lo)
