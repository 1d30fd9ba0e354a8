"""Rules on what voters share: a network prefix, a device cookie, a user agent.
One honest voter casting 18 ballots from one device is normal; many distinct
accounts behind one of these within a short time is what the rules look for.
Pure."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from datetime import datetime
from typing import Sequence

from voting.fraud.domain.records import BallotRecord, Finding
from voting.fraud.domain.rules_common import ramp, Window, cast, column, finding, groups, key, span, top
from voting.fraud.domain.thresholds import Thresholds


def shared_prefix(records: Sequence[BallotRecord], now: datetime, t: Thresholds) -> list[Finding]:
    """Many distinct voters from one /24 (/64) choosing one entry, and most of
    that network's voters, in a window of a quarter of an hour (a room voting
    at once), of hours (a network working through accounts) or of days (one
    network for one entry day after day). Flags every ballot those voters cast
    from that network; the keys of the longer windows end in `:hours`, `:days`."""
    recs = cast(records, now)
    out = []
    for w_len, need, suffix in ((t.prefix_window_seconds, t.prefix_min_voters, ()),
                                (t.prefix_hours_window_seconds, t.prefix_hours_min_voters, ("hours",)),
                                (t.prefix_days_window_seconds, t.prefix_days_min_voters, ("days",))):
        out += _prefix_crowds(recs, w_len, need, t.prefix_min_share, suffix)
    return out


def _prefix_crowds(recs, w_len: int, need: int, share: float, suffix: tuple) -> list[Finding]:
    who = column(recs, "voter_id")
    stamps = recs.stamps
    out = []
    for prefix, idx in groups(recs, "prefix").items():
        if len(idx) < need or len({who[i] for i in idx}) < need:
            continue
        # Only entries with enough voters from this network over all time can qualify.
        pairs = Counter(e for _, e in {(who[i], e) for i in idx for e in recs[i].entries})
        candidates = {e for e, n in pairs.items() if n >= need}
        if not candidates:
            continue
        everyone, per_entry = Window(), {e: Window() for e in candidates}
        hits: dict[int, set[int]] = {}
        peaks: dict[int, tuple[int, int]] = {}
        for i in idx:
            r, ts = recs[i], stamps[i]
            before = ts - w_len
            everyone.add(ts, r.voter_id, i, before)
            for e in candidates.intersection(r.entries):
                w = per_entry[e]
                w.add(ts, r.voter_id, i, before)
                n, total = len(w), len(everyone)
                if n >= need and n >= share * total:
                    hits.setdefault(e, set()).update(v for v, _ in w.take_new())
                    if n > peaks.get(e, (0, 0))[0]:
                        peaks[e] = (n, total)
        for e, voters in hits.items():
            ballots = [i for i in idx if who[i] in voters]
            peak, total = peaks[e]
            out.append(finding("shared_prefix", key("prefix", prefix, "entry", e, *suffix), (recs[i].id for i in ballots), {
                "prefix": prefix, "entry": e, "voters": len(voters), "ballots": len(ballots),
                "window_seconds": w_len, "peak_voters_on_entry": peak, "peak_voters_from_prefix": total,
                "peak_share": round(peak / total, 3), **span(stamps[i] for i in ballots)},
                ramp(len(voters), need, 0.2, 0.4)))
    return out


def shared_device(records: Sequence[BallotRecord], now: datetime, t: Thresholds) -> list[Finding]:
    """Many distinct accounts behind one device cookie: `device_min_voters` in
    a day (a device farm), or `device_week_min_voters` in a week (a phone
    worked through by hand, a few accounts a day). Flags the device's ballots
    in every window that reaches either; the week's finding is keyed
    `device:<id>:week`."""
    recs = cast(records, now)
    who = column(recs, "voter_id")
    stamps = recs.stamps
    out = []
    for device, idx in groups(recs, "device_id").items():
        distinct = None
        for w_len, need, suffix in ((t.device_window_seconds, t.device_min_voters, ()),
                                    (t.device_week_window_seconds, t.device_week_min_voters, ("week",))):
            if len(idx) < need:
                continue
            distinct = distinct if distinct is not None else len({who[i] for i in idx})
            if distinct < need:
                continue
            w = Window()
            taken: list[tuple[int, int]] = []
            peak = 0
            for i in idx:
                w.add(stamps[i], who[i], i, stamps[i] - w_len)
                if len(w) >= need:
                    taken += w.take_new()
                    peak = max(peak, len(w))
            if not taken:
                continue
            flagged = sorted(i for _, i in taken)
            entries = Counter(e for i in flagged for e in set(recs[i].entries))
            out.append(finding("shared_device", key("device", device, *suffix), (recs[i].id for i in flagged), {
                "device": device, "voters": len({v for v, _ in taken}), "ballots": len(flagged),
                "window_seconds": w_len, "peak_voters_in_window": peak, "top_entries": top(entries),
                "networks": len({recs[i].prefix for i in flagged}), **span(stamps[i] for i in flagged)}))
    return out


def shared_user_agent(records: Sequence[BallotRecord], now: datetime, t: Thresholds) -> list[Finding]:
    """Many distinct voters with one user agent within a window, when that user
    agent's share of the window's voters is several times its usual share (its
    share of the ballots over the lookback before the window) AND most of its
    voters in the window chose one entry or came from one network. Flags every
    ballot those voters cast with that user agent."""
    recs = cast(records, now)
    who = column(recs, "voter_id")
    stamps = recs.stamps
    w_len, look = t.ua_window_seconds, t.ua_lookback_seconds
    need, conc = t.ua_min_voters, t.ua_min_concentration
    everyone: list[int] | None = None  # distinct voters in the window ending at each ballot
    out = []
    for ua, idx in groups(recs, "user_agent_hash").items():
        if len(idx) < need or len({who[i] for i in idx}) < need:
            continue
        times = [stamps[i] for i in idx]
        w = Window()
        # Windows per ("entry" | "prefix", value), kept from the first time the
        # user agent passes the count and lift tests (seeded from its window).
        targets: dict[tuple[str, object], Window] | None = None
        hits: dict[tuple[str, object], set[int]] = {}
        peaks: dict[tuple[str, object], dict] = {}
        for i, ts in zip(idx, times):
            before = ts - w_len
            w.add(ts, who[i], i, before)
            if targets is not None:
                _add_targets(targets, recs, stamps, i, before)
            n_ua = len(w)
            if n_ua < need:
                continue
            total = bisect_right(stamps, before) - bisect_right(stamps, before - look)
            if total < t.ua_min_baseline_ballots:
                continue
            usual = (bisect_right(times, before) - bisect_right(times, before - look)) / total if total else 0.0
            if everyone is None:
                everyone = _distinct_voters(recs, w_len)
            lift = n_ua / everyone[i] / max(usual, t.ua_min_baseline_share)
            if lift < t.ua_min_lift:
                continue
            if targets is None:
                targets = {}
                for _, _, k in w.items[w.start:]:
                    _add_targets(targets, recs, stamps, k, before)
            r = recs[i]
            for target in [("entry", e) for e in set(r.entries)] + [("prefix", r.prefix)]:
                n = len(targets[target])
                if n >= need and n >= conc * n_ua:
                    hits.setdefault(target, set()).update(v for v, _ in targets[target].take_new())
                    if n > peaks.get(target, {}).get("peak_voters_on_target", 0):
                        peaks[target] = {"peak_voters_on_target": n, "peak_voters_with_ua": n_ua,
                                         "peak_voters_in_window": everyone[i], "usual_share": round(usual, 4),
                                         "lift": round(lift, 1)}
        for (kind, value), voters in hits.items():
            ballots = [i for i in idx if who[i] in voters]
            out.append(finding("shared_user_agent", key("ua", ua, kind, value), (recs[i].id for i in ballots), {
                "user_agent_hash": ua, kind: value, "voters": len(voters), "ballots": len(ballots),
                "window_seconds": w_len, **peaks[(kind, value)], **span(stamps[i] for i in ballots)},
                ramp(len(voters), need, 0.2, 0.4)))
    return out


def _add_targets(targets: dict[tuple[str, object], Window], recs: Sequence[BallotRecord], stamps: list[float],
                 i: int, before: float) -> None:
    r = recs[i]
    for target in [("entry", e) for e in set(r.entries)] + [("prefix", r.prefix)]:
        w = targets.get(target)
        if w is None:
            w = targets[target] = Window()
        w.add(stamps[i], r.voter_id, i, before)


def _distinct_voters(recs: Sequence[BallotRecord], w_len: float) -> list[int]:
    """Distinct voters in the window ending at each ballot (Window, inlined: it
    runs over every ballot)."""
    stamps, voters = recs.stamps, [r.voter_id for r in recs]
    counts: dict[int, int] = {}
    out = []
    start = 0
    for ts, v in zip(stamps, voters):
        counts[v] = counts.get(v, 0) + 1
        while stamps[start] <= ts - w_len:
            u = voters[start]
            left = counts[u] - 1
            if left:
                counts[u] = left
            else:
                del counts[u]
            start += 1
        out.append(len(counts))
    return out
