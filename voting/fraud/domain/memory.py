"""Every read of an incremental sweep answered from all of a contest's
ballots in memory and its filed clusters. Pure. The reference of what each
read returns: voting/fraud/reader.py answers the same from SQL (the tests
hold one against the other), and the campaign benchmark sweeps through it.
The prunes here (which networks, devices, domains may reach a finding) may
be tighter than SQL's: a prune only leaves out what cannot be found."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from voting.fraud.domain.columns import Ballots, on_micros
from voting.fraud.domain.increment import Increment, LookbackCounts, Needs, SleeperBatch, sleeper_spans
from voting.fraud.domain.records import Finding
from voting.fraud.domain.rules_accounts import domain_names, time_clusters
from voting.fraud.domain.thresholds import Thresholds


class MemoryReader:
    def __init__(self, ballots: Ballots, filed: dict[tuple[str, str], Finding], until: float = np.inf):
        """`ballots`: the contest's (those cast after `until` not yet there)."""
        ballots.sort()
        self.all = ballots if until == np.inf else ballots.take(ballots.stamps <= until)
        self.filed = filed

    def _ballots(self, mask: np.ndarray) -> Ballots:
        return self.all.take(mask)

    def recent(self, read_from: float) -> tuple[Ballots, np.ndarray]:
        b = self.all
        voters = np.unique(b.voter[b.stamps >= read_from])
        return self._ballots((b.stamps >= read_from) | np.isin(b.voter, voters)), voters

    def lookback(self, since: float, now: float, read_from: float, t: Thresholds) -> LookbackCounts | None:
        b = self.all
        back = t.ua_window_seconds + t.ua_lookback_seconds
        edge_from, edge_to = on_micros(since - back - 1), on_micros(now - back + 1)
        if edge_to > read_from:
            return None
        edge = (b.stamps >= edge_from) & (b.stamps < edge_to)
        middle = (b.stamps >= edge_to) & (b.stamps < read_from)
        codes, counts = np.unique(b.ua[middle], return_counts=True)
        return LookbackCounts(b.stamps[edge], b.ua[edge], edge_to, int(middle.sum()),
                              dict(zip(codes.tolist(), counts.tolist())))

    def week(self, since: float, now: float, t: Thresholds) -> tuple[frozenset[str], frozenset[str], Ballots]:
        b = self.all
        new = b.stamps >= since
        days, week = t.prefix_days_window_seconds, t.device_week_window_seconds
        in_days = (b.stamps > since - days) & (b.stamps <= now)
        before = (b.stamps > now - days) & (b.stamps <= since)
        prefixes = set()
        for code in np.unique(b.prefix[new]).tolist():
            name = b.tables["prefix"].values[code]
            if not name:
                continue
            mine = b.prefix == code
            entries = defaultdict(int)  # ballots for each entry over the days before and since
            for k in np.flatnonzero(mine & in_days).tolist():
                for e in b.entries(k).tolist():
                    entries[e] += 1
            total = len(np.unique(b.voter[mine & before]))
            if any(n >= t.prefix_days_min_voters and n >= t.prefix_min_share * total for n in entries.values()):
                prefixes.add(name)
        devices = set()
        least = min(t.device_min_voters, t.device_week_min_voters)
        in_week = (b.stamps > since - week) & (b.stamps <= now)
        for code in np.unique(b.device[new]).tolist():
            name = b.tables["device"].values[code]
            if name and len(np.unique(b.voter[(b.device == code) & in_week])) >= least:
                devices.add(name)
        codes = [b.tables["prefix"].find(p) for p in prefixes]
        dcodes = [b.tables["device"].find(d) for d in devices]
        rows = ((np.isin(b.prefix, codes) & (b.stamps > since - days - 1))
                | (np.isin(b.device, dcodes) & (b.stamps > since - week - 1)))
        return frozenset(prefixes), frozenset(devices), self._ballots(rows)

    def prior(self) -> tuple[dict[tuple[str, str], Finding], dict[tuple[str, str], frozenset[int]]]:
        voters = {}
        for k, f in self.filed.items():
            at = self.all.positions_of(f.ballot_ids)
            voters[k] = frozenset(self.all.voter[at].tolist())
        return dict(self.filed), voters

    def memberships(self, voters: set[int]) -> dict[int, list[tuple[str, str, float]]]:
        theirs = set(self.all.ids[np.isin(self.all.voter, list(voters))].tolist())
        out: dict[int, list[tuple[str, str, float]]] = defaultdict(list)
        for (rule, cluster), f in sorted(self.filed.items()):
            for ballot in f.ballot_ids & theirs:
                out[ballot].append((rule, cluster, f.strength))
        return dict(out)

    def answer(self, needs: Needs, inc: Increment, t: Thresholds) -> Ballots:
        b = self.all
        rows = np.zeros(len(b), dtype=bool)
        for k in needs.prior:
            rows[b.positions_of(self.filed[k].ballot_ids)] = True
        voters = set(needs.voters) | set(needs.memberships)
        names = domain_names(b)
        first_domain: dict[int, str | None] = {}
        for v, code in zip(b.voter.tolist(), b.domain.tolist()):
            first_domain.setdefault(v, names[code])
        for domain in needs.domains:
            members = sorted({v for v, d in first_domain.items() if d == domain})
            made = sorted((float(b.created[np.flatnonzero(b.voter == v)[0]]), v) for v in members)
            found, _ = time_clusters(made, t.domain_window_seconds, t.domain_min_accounts) if made else ([], 0)
            inc.domains[domain] = bool(found)
            if found:
                voters.update(members)
        for entry, spans in sleeper_spans(needs.sleepers, t).items():
            for lo, hi, asked in spans:
                batch = self._sleepers(entry, lo, hi, t)
                inc.sleepers.update(((entry, made_x), batch) for made_x in asked)
                voters.update(batch.woke)
        for kind, value in needs.groups:
            rows |= self._group(kind, value)
            inc.groups.add((kind, value))
        needs.voters |= voters
        rows |= np.isin(b.voter, list(voters))
        return self._ballots(rows)

    def _group(self, kind: str, value) -> np.ndarray:
        b = self.all
        if kind == "entry":
            mask = np.zeros(len(b), dtype=bool)
            mask[np.repeat(np.arange(len(b)), b.entry_counts())[b.entry_ids == value]] = True
            return mask
        column = "prefix" if kind == "prefix" else "device"
        return getattr(b, column) == b.tables[column].find(value)

    def _sleepers(self, entry: int, lo: float, hi: float, t: Thresholds) -> SleeperBatch:
        b = self.all
        if "firsts" not in self.__dict__:
            self.firsts: dict[int, tuple[float, float]] = {}
            for v, ts, made in zip(b.voter.tolist(), b.stamps.tolist(), b.created.tolist()):
                if v not in self.firsts:
                    self.firsts[v] = (made, ts)  # time order: the first ballot
        near = {v: mf for v, mf in self.firsts.items() if lo <= mf[0] <= hi}
        counts = b.entry_counts()
        voted = set(np.repeat(b.voter, counts)[b.entry_ids == entry].tolist())
        woke = {v: mf for v, mf in near.items() if v in voted and mf[1] - mf[0] >= t.sleeper_min_age_seconds}
        return SleeperBatch(woke, np.sort(np.array([mf[0] for mf in near.values()], dtype=np.float64)))
