"""An incremental sweep from start to verdicts, over a `Reader`. Pure: the
reader does the reading (voting/fraud/reads.py from SQL; `reads.MemoryReader`
from columns in memory, for the tests and the campaign benchmark, and as the
reference of what each read returns).

1. `since`: the first ballot not judged yet (the caller's: the last sweep's
   time less the settling time, or the first ballot it did not see).
2. Read every ballot cast since `read_from` (`rules.reach_seconds` before
   `since`) and every ballot of their voters; for the week-long windows and
   baselines, what SQL tells of the week: the user agents' counts, the
   networks and devices that could reach a finding (their week read whole).
3. The prior findings (the filed clusters) and the contest's totals (the
   last sweep's, advanced by the ballots cast since its cut).
4. Judge (`rules.assess` with an `Increment`); read what it asks for; judge
   again, until it asks for nothing (twice in practice).
5. The totals as of `since`, for the next sweep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import numpy as np

from voting.fraud.domain.columns import BARE_BITS, Ballots, cast, on_micros, stamp
from voting.fraud.domain.evidence import Assessment
from voting.fraud.domain.increment import Increment, LookbackCounts, Needs, Totals
from voting.fraud.domain.policy import Policy
from voting.fraud.domain.records import Finding, VoteFacts
from voting.fraud.domain.rules import assess, reach_seconds
from voting.fraud.domain.thresholds import Thresholds

PASSES = 4  # a first pass asks; what it reads can ask once more (a prior finding's voters); then done


class Reader(Protocol):
    """What an incremental sweep reads. Every `Ballots` it answers shares the
    tables of the first (`recent`)."""

    def recent(self, read_from: float) -> tuple[Ballots, np.ndarray]:
        """Every ballot cast at or after `read_from` and every ballot of their
        voters; and those voters' ids (sorted)."""

    def lookback(self, since: float, now: float, read_from: float, t: Thresholds) -> LookbackCounts | None:
        """The user agents' baselines of the windows ending from `since` to `now` (None: too far apart)."""

    def week(self, since: float, now: float, t: Thresholds) -> tuple[frozenset[str], frozenset[str], Ballots]:
        """The networks and devices of the ballots cast since `since` whose
        week could reach `prefix_days_min_voters` voters on one entry
        (`device_min_voters` on the device), and their ballots over the week."""

    def prior(self) -> tuple[dict[tuple[str, str], Finding], dict[tuple[str, str], frozenset[int]]]:
        """The filed clusters (ballots, latest evidence and strength) and their voters."""

    def memberships(self, voters: set[int]) -> dict[int, list[tuple[str, str, float]]]:
        """Per ballot of these voters, the filed clusters that hold it (rule, key, strength)."""

    def answer(self, needs: Needs, inc: Increment, t: Thresholds) -> Ballots:
        """What a pass asked for: the ballots (and `inc`'s `domains`,
        `sleepers`, `groups` set for what was read)."""


@dataclass
class Judged:
    assessment: Assessment
    totals: Totals        # as of `since`, for the next sweep
    since: float
    ballots: Ballots      # what was read
    passes: int

    @property
    def read(self) -> int:
        return len(self.ballots)


def sweep_since(reader: Reader, now: datetime, t: Thresholds, policy: Policy, countries: frozenset[str],
                since: float, totals: Totals, cut: float, facts: VoteFacts | None = None) -> Judged | None:
    """Judge what the ballots cast since `since` can change. `totals` are
    the contest's as of `cut` (the last sweep's `since`). None when an
    incremental sweep cannot answer exactly (the last cut is before what it
    reads, the lookbacks are too far apart, or it kept asking): sweep in full then."""
    since = on_micros(since)
    read_from = on_micros(since - reach_seconds(t))
    if cut < read_from or cut > since:
        return None
    ballots, complete = reader.recent(read_from)
    lookback = reader.lookback(since, stamp(now), read_from, t)
    if lookback is None:
        return None
    prefixes, devices, week = reader.week(since, stamp(now), t)
    ballots = ballots.union(week)
    prior, prior_voters = reader.prior()
    judged_voters = set(np.unique(ballots.voter[(ballots.stamps >= since) & np.isin(ballots.voter, complete)]).tolist())
    inc = Increment(since=since, read_from=read_from, voters=complete, prior=prior, prior_voters=prior_voters,
                    lookback=lookback, totals=advance(totals, ballots, complete, cut,
                                                      np.nextafter(stamp(now), np.inf)),
                    days_prefixes=prefixes, week_devices=devices,
                    memberships=reader.memberships(judged_voters), members_read=judged_voters)
    for n in range(1, PASSES + 1):
        inc.needs = Needs()
        assessment = assess(ballots, now, t, policy, countries, inc=inc, facts=facts)
        if not inc.needs:
            return Judged(assessment, advance(totals, ballots, complete, cut, since), since, ballots, n)
        ballots = ballots.union(reader.answer(inc.needs, inc, t))
        inc.voters = np.union1d(inc.voters, np.fromiter(inc.needs.voters, dtype=np.int64))
        inc.loaded_prior |= inc.needs.prior
        inc.memberships.update(reader.memberships(inc.needs.memberships))
        inc.members_read |= inc.needs.memberships
        complete = inc.voters
    return None  # still asking after PASSES reads (no case known): a full sweep answers


def advance(totals: Totals, ballots: Ballots, complete: np.ndarray, cut: float, until: float) -> Totals:
    """`totals` (as of `cut`) with the voters whose first ballot (first
    page-less ballot, for the page-less voters) came from `cut` to `until`:
    every one of them is among `complete` (they cast a ballot since the read began)."""
    mine = np.isin(ballots.voter, complete)
    first = _firsts(ballots, mine)
    bare = _firsts(ballots, mine & ((ballots.flags & BARE_BITS) != 0))
    new = first[(ballots.stamps[first] >= cut) & (ballots.stamps[first] < until)]
    agents = dict(totals.first_user_agents)
    for code, n in zip(*np.unique(ballots.ua[new], return_counts=True)):
        ua = ballots.tables["ua"].values[int(code)]
        agents[ua] = agents.get(ua, 0) + int(n)
    return Totals(voters=totals.voters + len(new),
                  pageless_voters=totals.pageless_voters + int(((ballots.stamps[bare] >= cut)
                                                                & (ballots.stamps[bare] < until)).sum()),
                  first_user_agents=agents)


def totals_of(ballots: Ballots, until: float) -> Totals:
    """The contest's totals over its ballots cast before `until` (a full sweep's, kept for the next)."""
    return advance(Totals(), ballots, np.unique(ballots.voter), -np.inf, until)


def _firsts(ballots: Ballots, mask: np.ndarray) -> np.ndarray:
    """Position of the first ballot (by time, then id) of each voter among the masked ones."""
    at = np.flatnonzero(mask)
    if not len(at):
        return at
    order = at[np.lexsort((ballots.ids[at], ballots.stamps[at], ballots.voter[at]))]
    voter = ballots.voter[order]
    keep = np.ones(len(order), dtype=bool)
    keep[1:] = voter[1:] != voter[:-1]
    return order[keep]


def full_totals(records, now: datetime, t: Thresholds) -> tuple[Totals, float]:
    """The totals a full sweep keeps: as of `now` less the settling time (every
    ballot cast before it is committed), and that cut."""
    recs = cast(records, now)
    cut = stamp(now) - t.instant_settle_seconds
    return totals_of(recs, cut), cut
