"""What an incremental sweep knows besides its ballots, what it asks for, and
how it extends what the last sweep found. Pure.

An incremental sweep judges only what the ballots cast since the last sweep
can change (docs/fraud.md, "Incremental sweeps"): every window that ends at a
ballot cast at or after `since`, and the groups such ballots join. Its
ballots are every ballot cast at or after `read_from` (as far back as those
windows look), every ballot of the voters who cast one since then
(`voters`), and what a first pass asked for (`Needs`): the members of the
clusters it extends, the voters and groups its findings reach. What no
ballot it reads can tell it comes from SQL: the user agents' week-long
baselines (`LookbackCounts`), the contest's voters and page-less voters and
first user agents (`Totals`, kept by the sweeps), the prefixes and devices
whose week of ballots is read, the domains' and sleeper batches' whole
groups.

A finding the last sweep filed (`prior`) is extended, not replaced: its
windows that end before `since` are those the last sweep judged, unchanged,
so the rule's finding now is the prior one's ballots with the judged
windows' ballots, its peak the larger of the two (the earlier on a tie, as a
full sweep keeps the first), its strength from the merged size or peak, its
evidence recomputed over all of its ballots.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import numpy as np

from voting.fraud.domain.records import Finding


@dataclass
class LookbackCounts:
    """The ballots in a window of a user agent's lookback, exactly, without
    reading the week: the lookbacks the sweep judges start between `edge_from`
    and `edge_to`, where the ballots are read one by one (`edge_stamps`, their
    user agents' codes in `edge_ua`); from `edge_to` to the sweep's
    `read_from` only their numbers are read (`middle_total`, `middle_ua` by
    code); from `read_from` on, the sweep's own ballots count."""

    edge_stamps: np.ndarray
    edge_ua: np.ndarray
    edge_to: float
    middle_total: int
    middle_ua: dict[int, int]

    def count(self, stamps: np.ndarray, read_from: float, lo: np.ndarray, hi: np.ndarray,
              edge_mask: np.ndarray | None = None, middle: int | None = None) -> np.ndarray:
        """Ballots cast in (lo, hi] for each pair (lo in the edge, hi after
        read_from): `stamps` are the sweep's own ballots' (sorted), those cast
        from read_from on counting."""
        edge = self.edge_stamps if edge_mask is None else self.edge_stamps[edge_mask]
        first = np.searchsorted(stamps, read_from, side="left")
        own = np.searchsorted(stamps, hi, side="right") - first
        return (len(edge) - np.searchsorted(edge, lo, side="right")) + (self.middle_total if middle is None
                                                                         else middle) + own


@dataclass
class Totals:
    """The contest's voters, its voters with a ballot no page vouched for, and
    its voters by the user agent of their first ballot: what `pageless` and
    `uniform_clients` compare a crowd with. A sweep keeps them as of a cut
    time and the next adds the ballots cast since (every one of which it reads)."""

    voters: int = 0
    pageless_voters: int = 0
    first_user_agents: dict[str, int] = field(default_factory=dict)

    def shares(self) -> dict[str, float]:
        total = max(1, self.voters)
        return {ua: n / total for ua, n in self.first_user_agents.items()}


@dataclass
class Needs:
    """What a first pass of the rules found it needs to read: the members of
    the prior findings it extends (`prior`), every ballot of some voters
    (`voters`), whole domains (`domains`: every contest voter on them), the
    sleeper batches around some accounts (`sleepers`: (entry, account made
    at)), whole groups for `scripted_cadence` (`groups`: (kind, value))."""

    prior: set[tuple[str, str]] = field(default_factory=set)
    voters: set[int] = field(default_factory=set)
    domains: set[str] = field(default_factory=set)
    sleepers: set[tuple[int, float]] = field(default_factory=set)
    groups: set[tuple[str, Any]] = field(default_factory=set)
    memberships: set[int] = field(default_factory=set)  # voters whose ballots' filed clusters are wanted

    def __bool__(self) -> bool:
        return bool(self.prior or self.voters or self.domains or self.sleepers or self.groups or self.memberships)


@dataclass
class SleeperBatch:
    """Around an account made at `made`, for one entry: every account of the
    contest that voted for the entry, was made within two batch lengths of it
    and first voted at least `sleeper_min_age_seconds` after it was made
    (voter id -> (made, first ballot)), and the creation times (sorted) of every
    account of the contest made in that span that voted at all."""

    woke: dict[int, tuple[float, float]]
    made: np.ndarray


@dataclass
class Increment:
    since: float
    read_from: float
    voters: np.ndarray                                   # sorted ids of the voters whose every ballot is read
    prior: dict[tuple[str, str], Finding] = field(default_factory=dict)
    prior_voters: dict[tuple[str, str], frozenset[int]] = field(default_factory=dict)
    loaded_prior: set[tuple[str, str]] = field(default_factory=set)  # prior findings whose ballots are read
    lookback: LookbackCounts | None = None
    totals: Totals = field(default_factory=Totals)
    days_prefixes: frozenset[str] = frozenset()          # prefixes with every ballot of the days window read
    week_devices: frozenset[str] = frozenset()           # devices with every ballot of the week window read
    domains: dict[str, bool] = field(default_factory=dict)  # domain -> whether its whole group is read
    sleepers: dict[tuple[int, float], SleeperBatch] = field(default_factory=dict)
    groups: set[tuple[str, Any]] = field(default_factory=set)  # cadence groups whose whole history is read
    memberships: dict[int, list[tuple[str, str, float]]] = field(default_factory=dict)  # ballot -> filed clusters
    members_read: set[int] = field(default_factory=set)  # voters whose ballots' memberships are read
    needs: Needs = field(default_factory=Needs)

    def complete(self, voters: np.ndarray) -> np.ndarray:
        """Whether every ballot of each of these voters is read."""
        at = np.searchsorted(self.voters, voters)
        at[at >= len(self.voters)] = 0
        return (self.voters[at] == voters) if len(self.voters) else np.zeros(len(voters), dtype=bool)

    def judged(self, stamps: np.ndarray) -> np.ndarray:
        """Whether a window ending at each of these ballots is judged."""
        return stamps >= self.since

    def prior_of(self, rule: str, cluster_key: str, want_ballots: bool = False) -> Finding | None:
        """The last sweep's finding for this key; with `want_ballots`, asks for
        its ballots to be read if they are not (a second pass then has them)."""
        found = self.prior.get((rule, cluster_key))
        if found is not None and want_ballots and (rule, cluster_key) not in self.loaded_prior:
            self.needs.prior.add((rule, cluster_key))
        return found

    def need_voters(self, voters: Iterable[int]) -> None:
        wanted = np.fromiter(voters, dtype=np.int64)
        self.needs.voters.update(wanted[~self.complete(wanted)].tolist())


def merge_span(evidence: dict[str, Any], prior: Finding | dict | None) -> dict[str, Any]:
    """first/last over both (ISO strings of one format order as their times);
    `prior` a finding or a span of its own."""
    was = prior.evidence if isinstance(prior, Finding) else (prior or {})
    if "first" not in was:
        return evidence
    if "first" not in evidence:
        return {**evidence, "first": was["first"], "last": was["last"]}
    return {**evidence, "first": min(evidence["first"], was["first"]), "last": max(evidence["last"], was["last"])}


def merge_peak(evidence: dict[str, Any], prior: Finding | None, fields: tuple[str, ...], size: str
               ) -> dict[str, Any]:
    """The peak of both: the prior one unless the judged windows' is larger
    (the prior's windows came first, and a full sweep keeps the first)."""
    if prior is None or evidence.get(size, 0) > prior.evidence.get(size, 0):
        return evidence
    return {**evidence, **{f: prior.evidence[f] for f in fields if f in prior.evidence}}


def prior_ids(prior: Finding | None) -> frozenset[int]:
    return prior.ballot_ids if prior is not None else frozenset()


def same_keys(prior: Mapping[tuple[str, str], Finding], rule: str) -> dict[str, Finding]:
    return {k: f for (r, k), f in prior.items() if r == rule}


def sleeper_spans(asked: Iterable[tuple[int, float]], t) -> dict[int, list[tuple[float, float, list[float]]]]:
    """The sleeper batches asked for, per entry, merged into spans of
    creation time (each account's two batch lengths either side): one read a span."""
    reach = 2 * t.sleeper_batch_seconds
    by_entry: dict[int, list[float]] = {}
    for entry, made in asked:
        by_entry.setdefault(entry, []).append(made)
    out: dict[int, list[tuple[float, float, list[float]]]] = {}
    for entry, made in by_entry.items():
        spans: list[tuple[float, float, list[float]]] = []
        for m in sorted(made):
            if spans and m - reach <= spans[-1][1]:
                spans[-1] = (spans[-1][0], m + reach, spans[-1][2] + [m])
            else:
                spans.append((m - reach, m + reach, [m]))
        out[entry] = spans
    return out
