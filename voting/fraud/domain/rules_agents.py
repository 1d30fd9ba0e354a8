"""The user-agent rule: many voters with one unusual user agent, concentrated
on one entry or one network. Pure."""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

import numpy as np

from voting.fraud.domain.columns import covered, distinct_in_windows, window_starts
from voting.fraud.domain.increment import Increment, merge_peak, merge_span
from voting.fraud.domain.records import BallotRecord, Finding
from voting.fraud.domain.rules_common import cast, finding, key, ramp, span
from voting.fraud.domain.rules_network import _supports, closure, prior_crowds
from voting.fraud.domain.thresholds import Thresholds

UA_PEAK = ("peak_voters_on_target", "peak_voters_with_ua", "peak_voters_in_window", "usual_share", "lift")


def shared_user_agent(records: Sequence[BallotRecord], now: datetime, t: Thresholds, inc: Increment | None = None
                      ) -> list[Finding]:
    """Many distinct voters with one user agent within a window, when that user
    agent's share of the window's voters is several times its usual share (its
    share of the ballots over the lookback before the window) AND most of its
    voters in the window chose one entry or came from one network. Flags every
    ballot those voters cast with that user agent. Incremental (`inc`): the
    windows ending since `inc.since`, their lookbacks counted by
    `inc.lookback`, and the prior crowds' voters' new ballots with the user agent."""
    recs = cast(records, now)
    w_len, need = t.ua_window_seconds, t.ua_min_voters
    agents = recs.grouping("ua")
    cache: dict = {}
    wanted = (agents.sizes() >= need) & (agents.distinct(recs.voter) >= need)
    if inc is not None:
        wanted &= agents.any(inc.judged(recs.stamps))
    out = []
    for g in np.flatnonzero(wanted):
        idx = agents.group(g)
        ua = recs.value("ua", int(agents.keys[g]))
        hits, peaks = _ua_windows(recs, idx, int(agents.keys[g]), t, inc, cache)
        for (kind, value), voters in hits.items():
            _emit(recs, out, ua, kind, value, voters, peaks[(kind, value)], inc, t)
    if inc is not None:
        for cluster, f in prior_crowds(recs, inc, "shared_user_agent", "ua", "user_agent_hash",
                                       {f.key for f in out}):
            kind = "entry" if "entry" in f.evidence else "prefix"
            _emit(recs, out, f.evidence["user_agent_hash"], kind, f.evidence[kind], set(), {}, inc, t)
    return out


def _emit(recs, out: list, ua: str, kind: str, value, voters: set[int], peak: dict, inc: Increment | None,
          t: Thresholds) -> None:
    cluster = key("ua", ua, kind, value)
    ballots, voters, prior = closure(recs, "ua", ua, voters, "shared_user_agent", cluster, inc)
    evidence = merge_span(merge_peak({
        "user_agent_hash": ua, kind: value, "voters": len(voters), "ballots": len(ballots),
        "window_seconds": t.ua_window_seconds, **peak, **span(recs.stamps[recs.positions_of(ballots)])},
        prior, UA_PEAK, "peak_voters_on_target"), prior)
    out.append(finding("shared_user_agent", cluster, ballots, evidence, ramp(len(voters), t.ua_min_voters, 0.2, 0.4)))


def _ua_windows(recs, idx: np.ndarray, code: int, t: Thresholds, inc: Increment | None, cache: dict):
    """The user agent's windows that pass the count and lift tests, and on
    each of their targets the voters of the windows that are enough and
    concentrated enough, with each target's peak."""
    stamps = recs.stamps
    w_len, look, need = t.ua_window_seconds, t.ua_lookback_seconds, t.ua_min_voters
    times = stamps[idx]
    before = times - w_len
    n_ua = distinct_in_windows(window_starts(times, w_len), recs.voter[idx])
    ok = n_ua >= need
    if inc is not None:
        ok &= inc.judged(times)
    if not ok.any():
        return {}, {}
    if inc is None:
        total = np.searchsorted(stamps, before, side="right") - np.searchsorted(stamps, before - look, side="right")
        ua_total = np.searchsorted(times, before, side="right") - np.searchsorted(times, before - look, side="right")
    else:  # the week before: counted by what SQL read of it
        lb = inc.lookback
        total = lb.count(stamps, inc.read_from, before - look, before)
        ua_total = lb.count(times, inc.read_from, before - look, before, edge_mask=lb.edge_ua == code,
                            middle=lb.middle_ua.get(code, 0))
    ok &= total >= t.ua_min_baseline_ballots
    if not ok.any():
        return {}, {}
    usual = np.divide(ua_total, total, out=np.zeros(len(idx)), where=total > 0)
    if "everyone" not in cache:
        cache["everyone"] = distinct_in_windows(window_starts(stamps, w_len), recs.voter)
    everyone = cache["everyone"][idx]
    lift = n_ua / everyone / np.maximum(usual, t.ua_min_baseline_share)
    ok &= ~(lift < t.ua_min_lift)
    passing = np.flatnonzero(ok)
    if not len(passing):
        return {}, {}
    return _ua_targets(recs, idx, passing, n_ua, everyone, usual, lift, t)


def _ua_targets(recs, idx, passing, n_ua, everyone, usual, lift, t: Thresholds):
    """For the user agent's ballots that pass the count and lift tests, each
    target of the ballot (its entries, its network): the user agent's voters on
    that target in the window. Answers the voters of every window where they
    are enough and concentrated enough, and each target's peak."""
    w_len, need, conc = t.ua_window_seconds, t.ua_min_voters, t.ua_min_concentration
    times, who = recs.stamps[idx], recs.voter[idx]
    targets: dict[tuple[str, object], list[int]] = {}  # target -> passing items (indices into idx) on it
    for k in passing.tolist():
        i = int(idx[k])
        for target in [("entry", e) for e in recs.entries(i).tolist()] + [("prefix", int(recs.prefix[i]))]:
            targets.setdefault(target, []).append(k)
    hits: dict[tuple[str, object], set[int]] = {}
    peaks: dict[tuple[str, object], dict] = {}
    for (kind, value), at in targets.items():
        on = np.flatnonzero(_supports(recs, idx, value) if kind == "entry" else recs.prefix[idx] == value)
        lo = window_starts(times[on], w_len)
        size = distinct_in_windows(lo, who[on])
        place = np.searchsorted(on, at)  # the passing items' places among the target's items
        n = size[place]
        good = (n >= need) & (n >= conc * n_ua[at])
        if not good.any():
            continue
        ends = place[good]
        name = value if kind == "entry" else recs.value("prefix", value)
        hits[(kind, name)] = set(who[on][covered(lo[ends], ends, len(on))].tolist())
        first = int(np.argmax(n * good))  # the first passing item with the most voters on the target
        k = at[first]
        peaks[(kind, name)] = {"peak_voters_on_target": int(n[first]), "peak_voters_with_ua": int(n_ua[k]),
                               "peak_voters_in_window": int(everyone[k]), "usual_share": round(float(usual[k]), 4),
                               "lift": round(float(lift[k]), 1)}
    return hits, peaks
