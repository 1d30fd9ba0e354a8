"""What the fraud rules share: ballots cast by `now` in time order, timestamps,
stable cluster keys, evidence formatting, window flagging. Pure."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from datetime import datetime, timezone
from operator import attrgetter
from typing import Any, Iterable, Sequence

from voting.fraud.domain.records import BallotRecord, Finding

KEY_MAX = 200  # fraud_clusters.key is a String(200)


def stamp(dt: datetime) -> float:
    """Seconds since the epoch; naive datetimes are taken as UTC."""
    return dt.timestamp() if dt.tzinfo is not None else dt.replace(tzinfo=timezone.utc).timestamp()


def micros(recs: "Cast") -> list[int]:
    """Cast times in integer microseconds (exact sums of squares). Kept in `memo`."""
    if "micros" not in recs.memo:
        recs.memo["micros"] = [round(ts * 1_000_000) for ts in recs.stamps]
    return recs.memo["micros"]


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


class Cast(list):
    """Ballots cast at or before `now`, sorted by (cast time, id), with their
    timestamps. `run_all` builds one and hands it to every rule, so filtering
    and sorting happen once per sweep; `memo` keeps what several rules derive
    from the same ballots (the accounts) for the length of that sweep."""

    def __init__(self, records: Iterable[BallotRecord], stamps: list[float], now: datetime):
        super().__init__(records)
        self.stamps = stamps
        self.now = now
        self.memo: dict[str, Any] = {}


def cast(records: Sequence[BallotRecord], now: datetime) -> Cast:
    if isinstance(records, Cast) and records.now == now:
        return records
    limit = stamp(now)
    stamps = [stamp(r.cast_at) for r in records]
    keep = [i for i, ts in enumerate(stamps) if ts <= limit]
    ids = [r.id for r in records]
    keep.sort(key=ids.__getitem__)     # by id, then (stable) by time: ties stay in id order
    keep.sort(key=stamps.__getitem__)
    return Cast([records[i] for i in keep], [stamps[i] for i in keep], now)


def column(recs: Cast, attr: str) -> list[Any]:
    """One attribute of every ballot, in order. Kept in `memo`."""
    memo_key = "column:" + attr
    if memo_key not in recs.memo:
        recs.memo[memo_key] = list(map(attrgetter(attr), recs))
    return recs.memo[memo_key]


def groups(recs: Cast, attr: str) -> dict[Any, list[int]]:
    """Positions in `recs` of the ballots sharing each non-empty value of `attr`
    ("entries": each entry a ballot supports), in time order. Kept in `memo`."""
    memo_key = "groups:" + attr
    if memo_key not in recs.memo:
        found: dict[Any, list[int]] = defaultdict(list)
        if attr == "entries":
            for i, entries in enumerate(column(recs, attr)):
                for e in (entries if len(entries) == 1 else set(entries)):
                    found[e].append(i)
        else:
            for i, value in enumerate(column(recs, attr)):
                if value:
                    found[value].append(i)
        recs.memo[memo_key] = dict(found)
    return recs.memo[memo_key]


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
    return Finding(rule=rule, key=cluster_key, ballot_ids=frozenset(ids), evidence=evidence,
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


def span(stamps: Iterable[float]) -> dict[str, str]:
    stamps = list(stamps)
    return {"first": iso(min(stamps)), "last": iso(max(stamps))} if stamps else {}


class Window:
    """Distinct voters in a sliding window of ballots (each ballot given as its
    position or id). `take_new()` returns the (voter, ballot) pairs in the
    window not taken before, so flagging every window of a long qualifying run
    costs O(ballots), not O(ballots x window)."""

    __slots__ = ("items", "counts", "start", "flagged")

    def __init__(self) -> None:
        self.items: list[tuple[float, int, int]] = []  # (ts, voter, ballot) in time order
        self.counts: dict[int, int] = {}
        self.start = 0     # first item still in the window
        self.flagged = 0   # items before this one were already taken

    def add(self, ts: float, voter: int, ballot: int, evict_before: float) -> None:
        """Add a ballot, then drop the items at or before `evict_before`."""
        items, counts = self.items, self.counts
        items.append((ts, voter, ballot))
        counts[voter] = counts.get(voter, 0) + 1
        start = self.start
        while items[start][0] <= evict_before:
            voter = items[start][1]
            left = counts[voter] - 1
            if left:
                counts[voter] = left
            else:
                del counts[voter]
            start += 1
        self.start = start

    def __len__(self) -> int:
        return len(self.counts)

    def take_new(self) -> list[tuple[int, int]]:
        first = max(self.start, self.flagged)
        self.flagged = len(self.items)
        return [(v, b) for _, v, b in self.items[first:]]
