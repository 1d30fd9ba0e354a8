"""Rules on when ballots arrive: bursts far above an entry's own rate, and
machine-regular spacing. Pure."""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime
from itertools import accumulate
from typing import Sequence

from voting.fraud.domain.records import BallotRecord, Finding
from voting.fraud.domain.rules_common import ramp, cast, column, finding, groups, iso, key, micros, span, top
from voting.fraud.domain.thresholds import Thresholds


def burst(records: Sequence[BallotRecord], now: datetime, t: Thresholds) -> list[Finding]:
    """For each entry, a window holding at least `burst_min_count` ballots and
    `burst_ratio` times what the entry's rate over the lookback before the
    window predicts, from few networks (a campaign wave comes from as many
    networks as supporters). Flags the entry's ballots in every such window."""
    recs = cast(records, now)
    stamps = recs.stamps
    w_len, look, need = t.burst_window_seconds, t.burst_lookback_seconds, t.burst_min_count
    out = []
    for entry, idx in groups(recs, "entries").items():
        if len(idx) < need:
            continue
        times = [stamps[i] for i in idx]
        lo = blo = done = 0
        prefixes: Counter | None = None  # kept only while the window holds `need` ballots
        flagged: list[int] = []
        peak: dict = {}
        for j, ts in enumerate(times):
            while times[lo] <= ts - w_len:
                if prefixes is not None:
                    p = recs[idx[lo]].prefix
                    prefixes[p] -= 1
                    if not prefixes[p]:
                        del prefixes[p]
                lo += 1
            count = j - lo + 1
            if count < need:
                prefixes = None
                continue
            if prefixes is None:
                prefixes = Counter(recs[i].prefix for i in idx[lo:j + 1])
            else:
                prefixes[recs[idx[j]].prefix] += 1
            while times[blo] <= ts - w_len - look:
                blo += 1
            expected = max((lo - blo) * w_len / look, t.burst_min_expected)
            if count < t.burst_ratio * expected or len(prefixes) > t.burst_max_prefix_diversity * count:
                continue
            flagged += idx[max(lo, done):j + 1]
            done = j + 1
            if count > peak.get("peak_window_ballots", 0):
                peak = {"peak_window_ballots": count, "peak_window_start": iso(times[lo]),
                        "expected_in_window": round(expected, 2), "ratio": round(count / expected, 1),
                        "networks_in_window": len(prefixes), "top_networks": top(prefixes)}
        if flagged:
            out.append(finding("burst", key("entry", entry), (recs[i].id for i in flagged), {
                "entry": entry, "ballots": len(flagged), "window_seconds": w_len, "lookback_seconds": look,
                **peak, **span(stamps[i] for i in flagged)}, ramp(peak["peak_window_ballots"], need, 0.2, 0.4)))
    return out


def scripted_cadence(records: Sequence[BallotRecord], now: datetime, t: Thresholds) -> list[Finding]:
    """Within one network prefix, one device or one entry, at least
    `cadence_min_gaps` consecutive intervals between ballots whose coefficient
    of variation is at most `cadence_max_cv`, spanning several accounts. Flags
    the ballots of every such run, and the ballots on the run's beat before and
    after it (so a run broken by someone else's ballot is followed through)."""
    recs = cast(records, now)
    who = column(recs, "voter_id")
    us_all = micros(recs)  # integer microseconds: exact sums of squares
    n, max_cv, min_voters = t.cadence_min_gaps, t.cadence_max_cv, t.cadence_min_voters
    c2 = max_cv * max_cv
    min_sum = t.cadence_min_gap_seconds * 1_000_000 * n
    out = []
    for kind, attr in (("prefix", "prefix"), ("device", "device_id"), ("entry", "entries")):
        for value, idx in groups(recs, attr).items():
            if len(idx) <= n or len({who[i] for i in idx}) < min_voters:
                continue
            us = [us_all[i] for i in idx]
            gaps = [b - a for a, b in zip(us, us[1:])]
            p1 = list(accumulate(gaps, initial=0))
            p2 = list(accumulate((g * g for g in gaps), initial=0))
            # Window j: gaps[j-n:j], the ballots idx[j-n .. j]; sums from the prefix sums.
            regular = [j for j, a1, b1, a2, b2 in zip(range(n, len(p1)), p1, p1[n:], p2, p2[n:])
                       if (s := b1 - a1) >= min_sum and s > 0 and n * (b2 - a2) - s * s <= c2 * s * s]
            runs: list[list[int]] = []  # [first, last] positions in idx
            best = None
            for j in regular:
                if len({who[i] for i in idx[j - n:j + 1]}) < min_voters:
                    continue
                if runs and runs[-1][1] >= j - n:
                    runs[-1][1] = j
                else:
                    runs.append([j - n, j])
                s1, s2 = p1[j] - p1[j - n], p2[j] - p2[j - n]
                cv = math.sqrt(max(n * s2 - s1 * s1, 0)) / s1
                if best is None or cv < best[0]:
                    best = (cv, s1 / n / 1_000_000)
            if not runs:
                continue
            flagged = set()
            for first, last in runs:
                beat = (us[last] - us[first]) / (last - first)
                # Someone else's ballot can open or close a run: trim ends off the beat.
                while last - first > n // 2 and abs(us[first + 1] - us[first] - beat) > max_cv * beat:
                    first += 1
                while last - first > n // 2 and abs(us[last] - us[last - 1] - beat) > max_cv * beat:
                    last -= 1
                flagged.update(range(first, last + 1))
                flagged.update(_on_beat(us, last, beat, max_cv * beat, +1))
                flagged.update(_on_beat(us, first, beat, max_cv * beat, -1))
            ballots = [idx[k] for k in sorted(flagged)]
            out.append(finding("scripted_cadence", key(kind, value), (recs[i].id for i in ballots), {
                kind: value, "ballots": len(ballots), "voters": len({who[i] for i in ballots}),
                "runs": len(runs), "min_intervals": n, "lowest_cv": round(best[0], 4),
                "mean_interval_seconds": round(best[1], 2), **span(recs.stamps[i] for i in ballots)}))
    return out


def _on_beat(us: list[int], start: int, beat: float, tol: float, step: int) -> list[int]:
    """Positions after (step 1) or before (step -1) `start` whose times fall
    within `tol` of the beat, following it until two beats in a row are missed.
    Ballots off the beat (other people's) are passed over."""
    found = []
    anchor, expected, k, missed = start, us[start] + step * beat, start + step, 0
    while 0 <= k < len(us) and missed < 2:
        best = None
        while 0 <= k < len(us) and step * (us[k] - expected) <= tol:
            if abs(us[k] - expected) <= tol and (best is None or abs(us[k] - expected) < abs(us[best] - expected)):
                best = k
            k += step
        if best is None:
            missed += 1
            expected += step * beat
        else:
            found.append(best)
            anchor, missed = best, 0
            expected = us[anchor] + step * beat
    return found
