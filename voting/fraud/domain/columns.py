"""The ballots as the rules read them: one numpy column per field. Pure.

A `BallotRecord` per ballot costs about 300 bytes (the object, its datetime,
its id, a list slot), and what the rules derived from a million of them (a
new int per ballot per grouping) as much again: a full sweep of 1.3 million
ballots passed a gigabyte. As columns a ballot costs about 90 bytes: ids,
times and page times as numbers; networks, devices, user agents, mail
domains and countries as codes into a `Table` of their distinct values; the
client flags as bits; the entries as one flat array with offsets (CSR).
`voting/fraud/loading.py` builds the columns straight from SQL, `from_records`
from records (the tests, the campaign benchmark).

`cast(ballots, now)` is what every rule reads: the ballots cast at or before
`now`, in (time, id) order, with each ballot's `stamp` (seconds since the
epoch, exactly `datetime.timestamp()`). The columns are sorted in place once
(sorting twice changes nothing) and the ballots cast by `now` are then a
prefix of them, taken as views: the sweeps of a growing vote share one set of
columns. A `Grouping` is the ballots sharing each value of a column, as
positions sorted by (value, position): one array per grouping, not a list per
value.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any, Iterable, Sequence

import numpy as np

from voting.fraud.domain.records import CLIENT_FLAGS, BallotRecord

# The client flags the rules read, one bit each (records.CLIENT_FLAGS).
CLIENT_BITS = {name: 1 << k for k, name in enumerate(CLIENT_FLAGS)}
BARE_BITS = sum(CLIENT_BITS.values())  # any of them: no page vouched for the ballot
CODED = ("domain", "country", "prefix", "device", "ua")        # columns of codes into a Table
NUMBERS = ("ids", "stamps", "category", "voter", "created", "flags", "page")


def ints(values: Any) -> np.ndarray:
    """Whole numbers in 32 bits when they fit (database ids do), else 64."""
    array = np.asarray(values, dtype=np.int64)
    if not len(array) or (array.min() >= -2**31 and array.max() < 2**31):
        return array.astype(np.int32)
    return array


def on_micros(ts: float) -> float:
    """The stamp of the whole microsecond nearest `ts`: a bound that compares
    with ballots' stamps (whole microseconds) as SQL compares their times."""
    return round(ts * 1_000_000) / 1_000_000


def stamp(dt: datetime) -> float:
    """Seconds since the epoch; naive datetimes are taken as UTC."""
    return dt.timestamp() if dt.tzinfo is not None else dt.replace(tzinfo=timezone.utc).timestamp()


class Table:
    """The distinct values of a column (strings, or None), each with its code
    (its place in order of first sight)."""

    __slots__ = ("values", "codes")

    def __init__(self) -> None:
        self.values: list[Any] = []
        self.codes: dict[Any, int] = {}

    def code(self, value: Any) -> int:
        found = self.codes.get(value)
        if found is None:
            found = self.codes[value] = len(self.values)
            self.values.append(value)
        return found

    def encode(self, column: Sequence[Any]) -> np.ndarray:
        get = self.codes.get
        out = [get(v) for v in column]
        if None in out:  # values not seen yet (0 is a code, not None)
            out = [c if c is not None else self.code(v) for c, v in zip(out, column)]
        return np.array(out, dtype=np.int32)

    def find(self, value: Any) -> int:
        """The code of a value, or -1 if the column never holds it."""
        return self.codes.get(value, -1)

    def falsy(self) -> np.ndarray:
        """Codes of the values that mean "none" (the empty string, None)."""
        return np.array([c for v, c in self.codes.items() if not v], dtype=np.int32)


class Ballots:
    """Ballots as columns (NUMBERS, CODED), the entries as CSR: the entries of
    ballot k are `entry_ids[entry_start[k]:entry_start[k + 1]]` (sorted,
    distinct). `created` is the account's creation time as a stamp, per
    ballot (records of one voter may disagree); `page` is NaN where no page
    vouched for the ballot; `flags` holds CLIENT_BITS. `memo` keeps what
    several rules derive from the ballots (groupings, the accounts) while
    they are the same ballots (a sweep)."""

    def __init__(self, columns: dict[str, np.ndarray], entry_start: np.ndarray, entry_ids: np.ndarray,
                 tables: dict[str, Table]):
        for name in NUMBERS + CODED:
            setattr(self, name, columns[name])
        self.entry_start, self.entry_ids, self.tables = entry_start, entry_ids, tables
        self.sorted = False
        self.memo: dict[str, Any] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def sort(self) -> None:
        """In (time, id) order, in place, a column at a time (one column's copy at most)."""
        if self.sorted:
            return
        stamps, ids = self.stamps, self.ids
        later, tie = stamps[1:] > stamps[:-1], stamps[1:] == stamps[:-1]
        if (later | (tie & (ids[1:] > ids[:-1]))).all():  # in order already (a load in cast order)
            self.sorted = True
            return
        del later, tie
        order = np.lexsort((ids, stamps))
        if (np.diff(order) != 1).any():
            for name in NUMBERS + CODED:
                setattr(self, name, getattr(self, name)[order])
            counts = np.diff(self.entry_start)[order]
            start = np.zeros(len(order) + 1, dtype=self.entry_start.dtype)
            np.cumsum(counts, out=start[1:])
            moved = np.repeat(self.entry_start[:-1][order] - start[:-1], counts) + np.arange(start[-1])
            del order, counts
            self.entry_ids, self.entry_start = self.entry_ids[moved], start
        self.memo.clear()
        self.sorted = True

    def take(self, positions: np.ndarray) -> "Ballots":
        """These rows (positions, or a mask), in their order, as new columns sharing the tables."""
        if positions.dtype == bool:
            positions = np.flatnonzero(positions)
        counts = np.diff(self.entry_start)[positions]
        start = np.zeros(len(positions) + 1, dtype=self.entry_start.dtype)
        np.cumsum(counts, out=start[1:])
        flat = self.entry_ids[np.repeat(self.entry_start[:-1][positions] - start[:-1], counts)
                              + np.arange(int(start[-1]))]
        return Ballots({name: getattr(self, name)[positions] for name in NUMBERS + CODED}, start, flat, self.tables)

    def union(self, other: "Ballots") -> "Ballots":
        """These rows and those of `other` (same tables) not among them."""
        assert other.tables is self.tables, "the columns of one read share their tables"
        fresh = other.take(~np.isin(other.ids, self.ids))
        if not len(fresh):
            return self
        start = np.concatenate([self.entry_start, fresh.entry_start[1:] + self.entry_start[-1]])
        return Ballots({name: np.concatenate([getattr(self, name), getattr(fresh, name)])
                        for name in NUMBERS + CODED}, ints(start), np.concatenate([self.entry_ids, fresh.entry_ids]),
                       self.tables)

    def value(self, column: str, code: int) -> Any:
        """The value a code of a CODED column stands for."""
        return self.tables[column].values[code]

    def entries(self, k: int) -> np.ndarray:
        return self.entry_ids[self.entry_start[k]:self.entry_start[k + 1]]

    def entry_counts(self) -> np.ndarray:
        return np.diff(self.entry_start)

    def single_entries(self) -> np.ndarray | None:
        """Each ballot's one entry, when every ballot supports exactly one; else None."""
        if "single" not in self.memo:
            self.memo["single"] = self.entry_ids if bool((self.entry_counts() == 1).all()) else None
        return self.memo["single"]

    def micros(self, positions: np.ndarray) -> np.ndarray:
        """These ballots' cast times in integer microseconds (exact sums of squares): round(stamp x 10^6)."""
        return np.rint(self.stamps[positions] * 1_000_000).astype(np.int64)

    def positions_of(self, ids: Iterable[int]) -> np.ndarray:
        """Sorted positions of the ballots with these ids (ids not here are left out)."""
        if "by_id" not in self.memo:
            order = ints(np.argsort(self.ids, kind="stable"))
            self.memo["by_id"] = (self.ids[order], order)
        sorted_ids, order = self.memo["by_id"]
        wanted = np.fromiter(ids, dtype=np.int64)
        at = np.searchsorted(sorted_ids, wanted)
        ok = at < len(sorted_ids)
        at, wanted = at[ok], wanted[ok]
        return np.sort(order[at[sorted_ids[at] == wanted]])

    def voter_entries(self) -> dict[int, int]:
        """The voters whose ballots here all support one entry (ballots with no
        entries aside), with that entry. Kept in `memo`."""
        if "voter_entries" not in self.memo:
            voter = np.repeat(self.voter, self.entry_counts())
            order = np.lexsort((self.entry_ids, voter))
            voter, entry = voter[order], self.entry_ids[order]
            new = np.ones(len(voter), dtype=bool)
            new[1:] = (voter[1:] != voter[:-1]) | (entry[1:] != entry[:-1])
            voter, entry = voter[new], entry[new]
            alone = np.ones(len(voter), dtype=bool)  # the voter's only (distinct) entry
            alone[1:] &= voter[1:] != voter[:-1]
            alone[:-1] &= voter[:-1] != voter[1:]
            self.memo["voter_entries"] = dict(zip(voter[alone].tolist(), entry[alone].tolist()))
        return self.memo["voter_entries"]

    def grouping(self, column: str) -> "Grouping":
        """The ballots sharing each value of a column ("entries": each entry a
        ballot supports), values meaning "none" left out. Kept in `memo`."""
        key = "grouping:" + column
        if key not in self.memo:
            n = len(self)
            if column == "entries":
                self.memo[key] = Grouping(self.entry_ids, np.repeat(ints(np.arange(n)), self.entry_counts()))
            elif column == "voter":
                self.memo[key] = Grouping(self.voter, ints(np.arange(n)))
            else:
                values = getattr(self, column)
                keep = ~np.isin(values, self.tables[column].falsy())
                self.memo[key] = Grouping(values[keep], ints(np.flatnonzero(keep)))
        return self.memo[key]


def from_records(records: Iterable[BallotRecord]) -> Ballots:
    """Columns from records."""
    records = list(records)
    n = len(records)
    tables = {name: Table() for name in CODED}
    entries = [tuple(sorted(set(r.entries))) for r in records]
    start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum([len(e) for e in entries], out=start[1:])
    flat = ints(np.fromiter((e for es in entries for e in es), dtype=np.int64, count=int(start[-1])))
    columns = {
        "ids": ints(np.fromiter((r.id for r in records), np.int64, n)),
        "stamps": np.fromiter((stamp(r.cast_at) for r in records), np.float64, n),
        "category": ints(np.fromiter((r.category_id for r in records), np.int64, n)),
        "voter": ints(np.fromiter((r.voter_id for r in records), np.int64, n)),
        "created": np.fromiter((stamp(r.voter_created_at) for r in records), np.float64, n),
        "flags": np.fromiter((flag_bits(r.flags) for r in records), np.uint8, n),
        "page": np.fromiter((math.nan if r.page_seconds is None else r.page_seconds for r in records),
                            np.float64, n),
        "domain": tables["domain"].encode([r.voter_email_domain for r in records]),
        "country": tables["country"].encode([r.voter_country for r in records]),
        "prefix": tables["prefix"].encode([r.prefix for r in records]),
        "device": tables["device"].encode([r.device_id for r in records]),
        "ua": tables["ua"].encode([r.user_agent_hash for r in records]),
    }
    return Ballots(columns, ints(start), flat, tables)


def flag_bits(flags: Iterable[str]) -> int:
    return sum(bit for name, bit in CLIENT_BITS.items() if name in flags)


class Cast(Ballots):
    """The ballots cast at or before `now`, in (time, id) order: views of the
    first `n` rows of the sorted columns, with their own `memo`."""

    def __init__(self, ballots: Ballots, now: datetime):
        ballots.sort()
        self.ballots, self.now, self.tables = ballots, now, ballots.tables
        self.n = n = int(np.searchsorted(ballots.stamps, stamp(now), side="right"))
        for name in NUMBERS + CODED:
            setattr(self, name, getattr(ballots, name)[:n])
        self.entry_start = ballots.entry_start[:n + 1]
        self.entry_ids = ballots.entry_ids[:int(ballots.entry_start[n])]
        self.sorted = True
        self.memo = {}


def cast(records: Sequence[BallotRecord] | Ballots | Cast, now: datetime) -> Cast:
    """The ballots cast at or before `now`, in time order (ties by id)."""
    if isinstance(records, Cast):
        if records.now == now:
            return records
        records = records.ballots
    return Cast(records if isinstance(records, Ballots) else from_records(records), now)


class Grouping:
    """The positions of the ballots sharing each value, in time order: `pos`
    sorted by (value, position), `starts` where each value's run begins,
    `keys` the values."""

    def __init__(self, values: np.ndarray, positions: np.ndarray):
        order = np.argsort(values, kind="stable")  # positions come increasing: stable keeps time order
        self.pos = positions[order]
        ordered = values[order]
        del order
        bounds = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
        self.starts = np.concatenate(([0], bounds, [len(ordered)] if len(ordered) else [])).astype(np.int64)
        self.keys = ordered[self.starts[:-1]] if len(ordered) else ordered[:0]

    def __len__(self) -> int:
        return len(self.keys)

    def group(self, g: int) -> np.ndarray:
        return self.pos[self.starts[g]:self.starts[g + 1]]

    def sizes(self) -> np.ndarray:
        return np.diff(self.starts)

    def any(self, mask: np.ndarray) -> np.ndarray:
        """Per group, whether any of its ballots has `mask` (a column, by position) set."""
        if not len(self.keys):
            return np.zeros(0, dtype=bool)
        return np.add.reduceat(mask[self.pos].astype(np.int64), self.starts[:-1]) > 0

    def find(self, value: Any) -> int:
        """The group of a key value, or -1."""
        at = int(np.searchsorted(self.keys, value))
        return at if at < len(self.keys) and self.keys[at] == value else -1

    def distinct(self, values: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
        """Per group, how many distinct `values` (a column, by position) its
        ballots hold (only the ballots `where` is true for, if given)."""
        if not len(self.keys):
            return np.zeros(0, dtype=np.int64)
        gid = np.repeat(np.arange(len(self.keys)), self.sizes())
        v = values[self.pos]
        if where is not None:
            keep = where[self.pos]
            gid, v = gid[keep], v[keep]
        order = np.lexsort((v, gid))
        gid, v = gid[order], v[order]
        new = np.ones(len(v), dtype=bool)
        new[1:] = (gid[1:] != gid[:-1]) | (v[1:] != v[:-1])
        return np.bincount(gid[new], minlength=len(self.keys))


# --- windows over a time-ordered sequence --------------------------------------------------

def window_starts(times: np.ndarray, length: float) -> np.ndarray:
    """For each item, the first item of the window (t - length, t] ending at it:
    what `Window.add` keeps (items at or before t - length are dropped)."""
    return np.searchsorted(times, times - length, side="right")


def previous_same(values: np.ndarray) -> np.ndarray:
    """For each item, the index of the previous item with the same value (-1: none)."""
    order = ints(np.argsort(values, kind="stable"))
    ordered = values[order]
    same = ordered[1:] == ordered[:-1]
    del ordered
    prev = np.full(len(values), -1, dtype=order.dtype)
    prev[order[1:][same]] = order[:-1][same]
    return prev


def distinct_in_windows(starts: np.ndarray, who: np.ndarray) -> np.ndarray:
    """Distinct values of `who` among the items starts[j]..j, for every j
    (starts nondecreasing, starts[j] <= j). Item k counts in window j when no
    earlier item of its value is in it: from the first j whose window starts
    after that earlier item, to the last j whose window still holds k."""
    n = len(who)
    if not n:
        return np.zeros(0, dtype=np.int64)
    k = ints(np.arange(n))
    last = ints(np.searchsorted(starts, k, side="right") - 1)
    first = ints(np.maximum(k, np.searchsorted(starts, previous_same(who), side="right")))
    del k
    ok = first <= last
    first, last = first[ok], last[ok]
    del ok
    counts = np.bincount(first, minlength=n + 1)
    counts -= np.bincount(last + 1, minlength=n + 1)
    return np.cumsum(counts[:n])


def covered(starts: np.ndarray, ends: np.ndarray, n: int) -> np.ndarray:
    """Which of n items lie in at least one window starts[k]..ends[k]."""
    if not len(ends):
        return np.zeros(n, dtype=bool)
    return np.cumsum(np.bincount(starts, minlength=n + 1) - np.bincount(ends + 1, minlength=n + 1))[:n] > 0
