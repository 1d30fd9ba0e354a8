"""What the fraud rules share: stable cluster keys, evidence formatting,
strength ramps. The ballots they read (`cast`) are columns (columns.py). Pure."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime, timezone
from typing import Any, Iterable

import numpy as np

from voting.fraud.domain.columns import Cast, cast, stamp
from voting.fraud.domain.records import Finding

__all__ = ["Cast", "cast", "stamp", "iso", "key", "finding", "ramp", "top", "span", "KEY_MAX"]

KEY_MAX = 200  # fraud_clusters.key is a String(200)


def iso(ts: float) -> str:
    return datetime.fromtimestamp(float(ts), timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def key(*parts: object) -> str:
    """`a:b:c`, shortened stably (a hash of the long part) if it would not fit."""
    text = ":".join(str(p) for p in parts)
    if len(text) <= KEY_MAX:
        return text
    strs = [str(p) for p in parts]
    longest = max(range(len(strs)), key=lambda i: len(strs[i]))
    strs[longest] = "h" + hashlib.sha256(strs[longest].encode()).hexdigest()[:32]
    return ":".join(strs)[:KEY_MAX]


def finding(rule: str, cluster_key: str, ids: Iterable[int], evidence: dict[str, Any],
            strength: float = 1.0) -> Finding:
    return Finding(rule=rule, key=cluster_key, ballot_ids=frozenset(int(i) for i in ids), evidence=evidence,
                   strength=round(strength, 3))


def ramp(n: float, need: float, lo: float, hi: float, full_at: float = 3.0) -> float:
    """A strength that grows with the size of what was found: `lo` at the
    rule's minimum `need`, rising linearly to `hi` at `full_at` times it. A
    crowd three times the size any honest group reached is more telling than
    one just over the line."""
    if need <= 0 or full_at <= 1:
        return hi
    return lo + (hi - lo) * min(1.0, max(0.0, (n / need - 1) / (full_at - 1)))


def top(counter: Counter, n: int = 3) -> list[list[Any]]:
    """The n commonest values with their counts, ties broken by value."""
    return [[v, c] for v, c in sorted(counter.items(), key=lambda vc: (-vc[1], str(vc[0])))[:n]]


def span(stamps: Iterable[float] | np.ndarray) -> dict[str, str]:
    values = np.asarray(stamps if isinstance(stamps, np.ndarray) else list(stamps), dtype=np.float64)
    return {"first": iso(values.min()), "last": iso(values.max())} if len(values) else {}


def entry_counter(recs: Cast, positions: np.ndarray) -> Counter:
    """How many of these ballots support each entry."""
    counts = recs.entry_counts()[positions]
    flat = recs.entry_ids[np.repeat(recs.entry_start[positions], counts)
                          + np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)]
    values, n = np.unique(flat, return_counts=True)
    return Counter(dict(zip(values.tolist(), n.tolist())))


def values_of(recs: Cast, column: str, positions: np.ndarray) -> list[Any]:
    """The values (not codes) of a CODED column at these positions."""
    table = recs.tables[column].values
    return [table[c] for c in getattr(recs, column)[positions].tolist()]
