"""Rules on when ballots arrive: bursts far above an entry's own rate, and
machine-regular spacing. Pure."""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime
from typing import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from voting.fraud.domain.columns import covered, distinct_in_windows
from voting.fraud.domain.increment import Increment, merge_peak, merge_span, prior_ids, same_keys
from voting.fraud.domain.records import BallotRecord, Finding
from voting.fraud.domain.rules_common import cast, finding, iso, key, ramp, span, top, values_of
from voting.fraud.domain.thresholds import Thresholds


BURST_PEAK = ("peak_window_ballots", "peak_window_start", "expected_in_window", "ratio", "networks_in_window",
              "top_networks")


def burst(records: Sequence[BallotRecord], now: datetime, t: Thresholds, inc: Increment | None = None
          ) -> list[Finding]:
    """For each entry, a window holding at least `burst_min_count` ballots and
    `burst_ratio` times what the entry's rate over the lookback before the
    window predicts, from few networks (a campaign wave comes from as many
    networks as supporters). Flags the entry's ballots in every such window.
    Incremental (`inc`): the windows ending since `inc.since`, added to the
    entry's prior finding."""
    recs = cast(records, now)
    w_len, look, need = t.burst_window_seconds, t.burst_lookback_seconds, t.burst_min_count
    entries = recs.grouping("entries")
    out = []
    for g in np.flatnonzero(entries.sizes() >= need):
        idx = entries.group(g)
        times = recs.stamps[idx]
        lo = np.searchsorted(times, times - w_len, side="right")          # the window (ts - w_len, ts]
        count = np.arange(len(idx)) - lo + 1
        blo = np.searchsorted(times, times - w_len - look, side="right")  # the lookback before it
        expected = np.maximum((lo - blo) * w_len / look, t.burst_min_expected)
        hit = (count >= need) & ~(count < t.burst_ratio * expected)
        if inc is not None:
            hit &= inc.judged(times)
        if not hit.any():
            continue
        networks = distinct_in_windows(lo, recs.prefix[idx])  # few networks: not a campaign wave
        hit &= ~(networks > t.burst_max_prefix_diversity * count)
        ends = np.flatnonzero(hit)
        if not len(ends):
            continue
        flagged = idx[covered(lo[ends], ends, len(idx))]
        j = int(ends[np.argmax(count[ends])])  # the first window of the largest count
        peak_count, exp = int(count[j]), float(expected[j])
        window = idx[lo[j]:j + 1]
        entry = int(entries.keys[g])
        cluster = key("entry", entry)
        ids = set(recs.ids[flagged].tolist())
        evidence = {
            "entry": entry, "ballots": len(flagged), "window_seconds": w_len, "lookback_seconds": look,
            "peak_window_ballots": peak_count, "peak_window_start": iso(times[lo[j]]),
            "expected_in_window": round(exp, 2), "ratio": round(peak_count / exp, 1),
            "networks_in_window": int(networks[j]), "top_networks": top(Counter(values_of(recs, "prefix", window))),
            **span(recs.stamps[flagged])}
        if inc is not None:  # the prior windows' ballots and peak with the judged ones'
            prior = inc.prior_of("burst", cluster)
            ids |= prior_ids(prior)
            evidence = merge_span(merge_peak(evidence, prior, BURST_PEAK, "peak_window_ballots"), prior)
            evidence["ballots"] = len(ids)
        out.append(finding("burst", cluster, ids, evidence, ramp(evidence["peak_window_ballots"], need, 0.2, 0.4)))
    return out


def scripted_cadence(records: Sequence[BallotRecord], now: datetime, t: Thresholds, inc: Increment | None = None
                     ) -> list[Finding]:
    """Within one network prefix, one device or one entry, at least
    `cadence_min_gaps` consecutive intervals between ballots whose coefficient
    of variation is at most `cadence_max_cv`, spanning several accounts. Flags
    the ballots of every such run, and the ballots on the run's beat before and
    after it (so a run broken by someone else's ballot is followed through).
    Incremental (`inc`): a group with a regular window ending since
    `inc.since` within the ballots read, or a prior run that the new ballots
    may extend along its beat, is judged whole (its whole history asked for:
    runs, beats and trims span it); a window reaching back before the read (a
    beat slower than the read's length over `cadence_min_gaps`) is left to
    the full sweeps."""
    recs = cast(records, now)
    who = recs.voter
    n, min_voters = t.cadence_min_gaps, t.cadence_min_voters
    out = []
    prior = {} if inc is None else same_keys(inc.prior, "scripted_cadence")
    for kind, column in (("prefix", "prefix"), ("device", "device"), ("entry", "entries")):
        groups = recs.grouping(column)
        wanted = (groups.sizes() > n) & (groups.distinct(who) >= min_voters)
        if inc is not None:  # groups with new ballots, or with a prior run to follow
            wanted &= groups.any(inc.judged(recs.stamps))
            for f in prior.values():
                if kind in f.evidence:
                    code = f.evidence[kind] if kind == "entry" else recs.tables[column].find(f.evidence[kind])
                    g = groups.find(code) if code != -1 else -1
                    if g >= 0:
                        wanted[g] = True
        for g in np.flatnonzero(wanted):
            idx = groups.group(g)
            value = groups.keys[g].item() if kind == "entry" else recs.value(column, int(groups.keys[g]))
            if inc is not None:
                idx = _cadence_scope(recs, idx, kind, value, prior, inc, t)
                if idx is None:
                    continue
            us = recs.micros(idx)
            regular = _regular_windows(us, t)
            if not regular:
                continue
            found = _runs(idx, regular, us.tolist(), who[idx].tolist(), t)
            if found is None:
                continue
            ballots, runs, best = found
            out.append(finding("scripted_cadence", key(kind, value), recs.ids[ballots].tolist(), {
                kind: value, "ballots": len(ballots), "voters": len(set(who[ballots].tolist())),
                "runs": runs, "min_intervals": n, "lowest_cv": round(best[0], 4),
                "mean_interval_seconds": round(best[1], 2), **span(recs.stamps[ballots])}))
    return out


def _cadence_scope(recs, idx: np.ndarray, kind: str, value, prior: dict, inc: Increment, t: Thresholds):
    """The positions an incremental sweep judges of one group: all of them if
    its whole history is read; None if nothing of it can have changed (or it
    is asked for, for a second pass)."""
    if (kind, value) in inc.groups:
        return idx
    new = inc.judged(recs.stamps[idx])
    if not new.any():
        return None
    read = idx[recs.stamps[idx] >= inc.read_from]
    ends = [j for j in _regular_windows(recs.micros(read), t) if recs.stamps[read[j]] >= inc.since]
    if ends or key(kind, value) in prior:
        inc.needs.groups.add((kind, value))
    return None


def _regular_windows(us: np.ndarray, t: Thresholds) -> list[int]:
    """Ends j (positions) of the windows of `cadence_min_gaps` gaps (ballots
    j-n..j) whose mean gap is long enough and whose coefficient of variation is
    at most `cadence_max_cv`: n * sum(g^2) - sum(g)^2 <= cv^2 * sum(g)^2, in
    integer microseconds, exactly. The sums of squares overflow 64 bits, so
    floats pick the windows that might pass and Python's integers decide."""
    n = t.cadence_min_gaps
    if len(us) <= n:
        return []
    c2 = t.cadence_max_cv * t.cadence_max_cv
    min_sum = t.cadence_min_gap_seconds * 1_000_000 * n
    sums = us[n:] - us[:-n]                       # window j = n..: gaps[j-n:j], exact
    gaps = np.diff(us).astype(np.float64)
    squares = np.square(sliding_window_view(gaps, n)).sum(axis=1)
    s = sums.astype(np.float64)
    maybe = np.flatnonzero((sums >= min_sum) & (sums > 0) & (n * squares <= (1 + c2) * s * s * (1 + 1e-9)))
    if not len(maybe):
        return []
    exact = np.diff(us).tolist()
    regular = []
    for w in maybe.tolist():
        j = w + n
        total = int(sums[w])
        q = sum(g * g for g in exact[j - n:j])
        if total >= min_sum and total > 0 and n * q - total * total <= c2 * total * total:
            regular.append(j)
    return regular


def _runs(idx: np.ndarray, regular: list[int], us: list[int], who: list[int], t: Thresholds):
    """The regular windows spanning enough accounts, chained into runs; each
    run trimmed to its beat and followed along it. Answers the positions,
    the number of runs and the lowest (cv, mean interval), or None."""
    n, max_cv, min_voters = t.cadence_min_gaps, t.cadence_max_cv, t.cadence_min_voters
    runs: list[list[int]] = []  # [first, last] positions in idx
    best = None
    for j in regular:
        if len(set(who[j - n:j + 1])) < min_voters:
            continue
        if runs and runs[-1][1] >= j - n:
            runs[-1][1] = j
        else:
            runs.append([j - n, j])
        gaps = [b - a for a, b in zip(us[j - n:j], us[j - n + 1:j + 1])]
        s1, s2 = sum(gaps), sum(g * g for g in gaps)
        cv = math.sqrt(max(n * s2 - s1 * s1, 0)) / s1
        if best is None or cv < best[0]:
            best = (cv, s1 / n / 1_000_000)
    if not runs:
        return None
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
    return idx[sorted(flagged)], len(runs), best


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
