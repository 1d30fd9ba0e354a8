"""The sweeps of bench/campaign.py as the service runs them: the periodic
tick's incremental sweep (voting/fraud/domain/incremental.py, reading
through voting/fraud/domain/memory.py: every read as voting/fraud/reader.py
answers it from SQL), a full one when the last full sweep is a day old
(voting/fraud/increments.FULL_EVERY), and the final one at the close; the
clusters filed as the service files them (a finding found again extends its
cluster: its ballots added, its evidence and strength the latest). With
`incremental=False`, every sweep is a full one (the service before
incremental sweeps)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from voting.fraud.domain.columns import Ballots, stamp
from voting.fraud.domain.evidence import Assessment
from voting.fraud.domain.increment import Totals
from voting.fraud.domain.incremental import full_totals, sweep_since
from voting.fraud.domain.memory import MemoryReader
from voting.fraud.domain.policy import Policy
from voting.fraud.domain.records import Finding, VoteFacts
from voting.fraud.domain.rules import assess
from voting.fraud.domain.thresholds import Thresholds

FULL_EVERY = 86400.0  # as voting/fraud/increments.FULL_EVERY


@dataclass
class Sweeps:
    ballots: Ballots
    t: Thresholds
    policy: Policy
    countries: frozenset[str]
    incremental: bool = True
    facts: VoteFacts = field(default_factory=VoteFacts)
    filed: dict[tuple[str, str], Finding] = field(default_factory=dict)
    last: float | None = None          # the last sweep's time
    last_full: float | None = None
    totals: Totals = field(default_factory=Totals)
    cut: float = 0.0
    kinds: list[str] = field(default_factory=list)

    def sweep(self, now: datetime, final: bool) -> Assessment:
        ts = stamp(now)
        judged = None
        if self.incremental and not final and self.last is not None and ts - self.last_full < FULL_EVERY:
            since = self.last - self.t.instant_settle_seconds
            judged = sweep_since(MemoryReader(self.ballots, self.filed, ts), now, self.t, self.policy,
                                 self.countries, since, self.totals, self.cut, self.facts)
        if judged is None:
            result = assess(self.ballots, now, self.t, self.policy, self.countries, final=final, facts=self.facts)
            self.totals, self.cut = full_totals(self.ballots, now, self.t)
            self.last_full = ts
            self.kinds.append("final" if final else "full")
        else:
            result = judged.assessment
            self.totals, self.cut = judged.totals, judged.since
            self.kinds.append("incremental")
        for f in result.findings:
            was = self.filed.get((f.rule, f.key))
            ids = f.ballot_ids if was is None else was.ballot_ids | f.ballot_ids
            self.filed[(f.rule, f.key)] = Finding(f.rule, f.key, ids, f.evidence, f.strength)
        self.last = ts
        return result


def at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)
