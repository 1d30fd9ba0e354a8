"""The reads of an incremental sweep, from SQL: what
`voting.fraud.domain.incremental.Reader` asks for, answered as
`voting.fraud.domain.memory.MemoryReader` answers it from memory (the tests
hold one against the other).

Every read goes through `loading.read` (the same statements and columns as a
full sweep's load), with WHERE clauses on the contest's indexes:
`(contest_id, cast_at)` for times, and for a voter's ballots the unique
`(contest_id, category_id, voter_id)` with every category of the contest
(PostgreSQL looks each (category, voter) up: 50,000 ballots of 5,000 voters
in about 0.1 s, where a hashed semi-join reads the whole contest). A
network's or a device's week is found by a hashed subplan over the
`cast_at` range, and a network's, device's or entry's whole history (a
regular beat to follow) by the contest's ballots: rare.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
from sqlalchemy import String, and_, cast, func, literal, null, or_, select, union_all

from voting.accounts.models import User
from voting.ballots.models import Ballot
from voting.contests.models import Category, Entry
from voting.extensions import db
from voting.fraud import loading
from voting.fraud.domain.columns import CODED, Ballots, Table, on_micros
from voting.fraud.domain.increment import Increment, LookbackCounts, Needs, SleeperBatch, sleeper_spans
from voting.fraud.domain.records import Finding
from voting.fraud.domain.rules_accounts import time_clusters
from voting.fraud.domain.thresholds import Thresholds
from voting.fraud.models import FraudCluster, FraudClusterBallot

B = Ballot.__table__
U = User.__table__
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
CHUNK = 5000  # ids per IN list


def at(ts: float) -> datetime:
    """A stamp as the stored time: to the microsecond, exactly (see `columns.on_micros`)."""
    return EPOCH + timedelta(microseconds=round(ts * 1_000_000))


class SqlReader:
    def __init__(self, contest_id: int):
        self.contest_id = contest_id
        self.tables = {name: Table() for name in CODED}
        self.categories = list(db.session.scalars(select(Category.id).where(Category.contest_id == contest_id)))
        self.members: list[tuple[int, int, int]] = []   # (cluster, ballot, voter)
        self.clusters: dict[int, tuple[str, str, float]] = {}
        self.cluster_ids: dict[tuple[str, str], int] = {}

    # --- the reads ---------------------------------------------------------------------------------

    def recent(self, read_from: float) -> tuple[Ballots, np.ndarray]:
        since = at(read_from)
        voters = np.array(sorted(db.session.scalars(
            select(B.c.voter_id).where(B.c.contest_id == self.contest_id, B.c.cast_at >= since).distinct())),
            dtype=np.int64)
        where = [and_(B.c.contest_id == self.contest_id, B.c.cast_at >= since)]
        where += [and_(self._of_voters(chunk), B.c.cast_at < since) for chunk in _chunks(voters.tolist())]
        return loading.read(where, self.tables, voters.tolist()), voters

    def lookback(self, since: float, now: float, read_from: float, t: Thresholds) -> LookbackCounts | None:
        back = t.ua_window_seconds + t.ua_lookback_seconds
        edge_from, edge_to = on_micros(since - back - 1), on_micros(now - back + 1)
        if edge_to > read_from:
            return None
        in_contest = B.c.contest_id == self.contest_id
        stamps, agents = [], []
        for rows in loading.batches(select(loading.cast_time(), B.c.user_agent_hash).where(
                in_contest, B.c.cast_at >= at(edge_from), B.c.cast_at < at(edge_to)).order_by(B.c.cast_at)):
            for ts, ua in rows:
                stamps.append(ts / 1_000_000 if isinstance(ts, int) else loading.stamp(loading.utc(ts)))
                agents.append(ua)
        middle = db.session.execute(select(B.c.user_agent_hash, func.count()).where(
            in_contest, B.c.cast_at >= at(edge_to), B.c.cast_at < at(read_from)).group_by(B.c.user_agent_hash)).all()
        table = self.tables["ua"]
        order = np.argsort(np.array(stamps, dtype=np.float64), kind="stable")
        return LookbackCounts(np.array(stamps, dtype=np.float64)[order], table.encode(agents)[order], edge_to,
                              sum(n for _, n in middle), {table.code(ua): n for ua, n in middle})

    def week(self, since: float, now: float, t: Thresholds) -> tuple[frozenset[str], frozenset[str], Ballots]:
        in_contest = B.c.contest_id == self.contest_id
        days, week = t.prefix_days_window_seconds, t.device_week_window_seconds
        new = [in_contest, B.c.cast_at >= at(since)]
        least = min(t.device_min_voters, t.device_week_min_voters)
        # One read of the week (a CTE both questions share): the new ballots' networks' and devices' ballots.
        p_new = B.c.ip_prefix.in_(select(B.c.ip_prefix).where(*new, B.c.ip_prefix != "").distinct())
        d_new = B.c.device_id.in_(select(B.c.device_id).where(*new, B.c.device_id != "").distinct())
        text = cast(B.c.selection, String)
        w = select(B.c.ip_prefix, B.c.device_id, B.c.voter_id, B.c.method, text.label("sel"), B.c.cast_at,
                   p_new.label("p"), d_new.label("d")).where(
            in_contest, B.c.cast_at > at(since - max(days, week) - 1), B.c.cast_at <= at(now + 1),
            or_(p_new, d_new)).cte("w")
        # Per network, its ballots per selection over the days window's reach (a ballot per voter and
        # category: at least its voters on each entry; a single choice names one entry, so only its
        # selections with enough ballots can matter; other methods' are added up per entry) ...
        per_selection = (select(literal("p"), w.c.ip_prefix, w.c.method, w.c.sel, func.count())
                         .where(w.c.p, w.c.cast_at > at(since - days - 1))
                         .group_by(w.c.ip_prefix, w.c.method, w.c.sel)
                         .having(or_(func.count() >= t.prefix_days_min_voters, w.c.method != "single")))
        # ... and per device its voters over the week's reach.
        per_device = (select(literal("d"), w.c.device_id, null(), null(), func.count(w.c.voter_id.distinct()))
                      .where(w.c.d, w.c.cast_at > at(since - week - 1))
                      .group_by(w.c.device_id).having(func.count(w.c.voter_id.distinct()) >= least))
        builder = loading.Builder(self.tables)
        per_entry: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        parsed: dict[tuple[str, str], tuple[int, ...]] = {}
        found_devices = set()
        for kind, value, method, sel, n in db.session.execute(union_all(per_selection, per_device)):
            if kind == "d":
                found_devices.add(value)
                continue
            entries = parsed.get((method, sel))
            if entries is None:
                entries = parsed[(method, sel)] = builder.entries_of(method, sel)
            for e in entries:
                per_entry[value][e] += n
        big = sorted(p for p, entries in per_entry.items() if max(entries.values()) >= t.prefix_days_min_voters)
        # Those with enough: their voters before `since` (every window ending since then holds them); a
        # crowd is most of them.
        totals = dict(db.session.execute(select(B.c.ip_prefix, func.count(B.c.voter_id.distinct()))
                                         .where(in_contest, B.c.cast_at > at(now - days + 1),
                                                B.c.cast_at <= at(since - 1), B.c.ip_prefix.in_(big))
                                         .group_by(B.c.ip_prefix)).all()) if big else {}
        prefixes = frozenset(p for p in big
                             if any(n >= t.prefix_days_min_voters and n >= t.prefix_min_share * totals.get(p, 0)
                                    for n in per_entry[p].values()))
        devices = frozenset(found_devices)
        rows = self._read([and_(in_contest, B.c.cast_at > at(since - days - 1), B.c.ip_prefix.in_(sorted(prefixes)))]
                          if prefixes else [])
        rows = rows.union(self._read([and_(in_contest, B.c.cast_at > at(since - week - 1),
                                           B.c.device_id.in_(sorted(devices)))] if devices else []))
        return prefixes, devices, rows

    def prior(self) -> tuple[dict[tuple[str, str], Finding], dict[tuple[str, str], frozenset[int]]]:
        clusters = db.session.execute(select(FraudCluster.id, FraudCluster.rule, FraudCluster.key,
                                             FraudCluster.evidence, FraudCluster.strength)
                                      .where(FraudCluster.contest_id == self.contest_id)).all()
        self.members = db.session.execute(
            select(FraudClusterBallot.cluster_id, FraudClusterBallot.ballot_id, B.c.voter_id)
            .join(FraudCluster, FraudCluster.id == FraudClusterBallot.cluster_id)
            .join(B, B.c.id == FraudClusterBallot.ballot_id)
            .where(FraudCluster.contest_id == self.contest_id)).all()
        ids: dict[int, set[int]] = defaultdict(set)
        voters: dict[int, set[int]] = defaultdict(set)
        for cluster, ballot, voter in self.members:
            ids[cluster].add(ballot)
            voters[cluster].add(voter)
        found, who = {}, {}
        for cid, rule, cluster_key, evidence, strength in clusters:
            self.clusters[cid] = (rule, cluster_key, float(strength))
            self.cluster_ids[(rule, cluster_key)] = cid
            found[(rule, cluster_key)] = Finding(rule, cluster_key, frozenset(ids[cid]), evidence or {},
                                                 float(strength))
            who[(rule, cluster_key)] = frozenset(voters[cid])
        return found, who

    def memberships(self, voters: set[int]) -> dict[int, list[tuple[str, str, float]]]:
        out: dict[int, list[tuple[str, str, float]]] = defaultdict(list)
        for cluster, ballot, voter in sorted(self.members):
            if voter in voters:
                out[ballot].append(self.clusters[cluster])
        return dict(out)

    def answer(self, needs: Needs, inc: Increment, t: Thresholds) -> Ballots:
        where = []
        by_id = sorted({b for k in needs.prior for b in inc.prior[k].ballot_ids})
        where += [B.c.id.in_(chunk) for chunk in _chunks(by_id)]
        voters = set(needs.voters) | set(needs.memberships)
        for domain, members in self._domains(needs.domains, t).items():
            inc.domains[domain] = bool(members)
            voters.update(members)
        for entry, spans in sleeper_spans(needs.sleepers, t).items():
            for lo, hi, asked in spans:
                batch = self._sleepers(entry, lo, hi, t)
                inc.sleepers.update(((entry, made_x), batch) for made_x in asked)
                voters.update(batch.woke)
        extra = self._read(where)
        for kind, value in sorted(needs.groups, key=str):
            extra = extra.union(self._group(kind, value, inc))
            inc.groups.add((kind, value))
        needs.voters |= voters
        where = [self._of_voters(chunk) for chunk in _chunks(sorted(voters))]
        return extra.union(self._read(where))

    # --- helpers -----------------------------------------------------------------------------------

    def _read(self, where: list) -> Ballots:
        return loading.read(where, self.tables) if where else loading.Builder(self.tables).finish(
            loading.Voters(self.tables))

    def _of_voters(self, voters: list[int]):
        """Every ballot of these voters, through the unique (contest, category, voter) index."""
        return and_(B.c.contest_id == self.contest_id, B.c.category_id.in_(self.categories), B.c.voter_id.in_(voters))

    def _contest_voters(self, users: list[int]) -> set[int]:
        found: set[int] = set()
        for chunk in _chunks(users):
            found.update(db.session.scalars(select(B.c.voter_id).where(self._of_voters(chunk)).distinct()))
        return found

    def _domains(self, domains: set[str], t: Thresholds) -> dict[str, set[int]]:
        """Per domain, every voter of the contest on it, if its accounts (the
        contest's or not: a superset) could make a batch; else nothing. One
        read of the accounts (on PostgreSQL of those on these domains: the
        part after the last @)."""
        if not domains:
            return {}
        query = select(U.c.id, U.c.created_at, U.c.email_normalised)
        if loading.postgres():
            part = func.reverse(func.split_part(func.reverse(U.c.email_normalised), "@", 1))
            query = query.where(part.in_(sorted(domains | {d + "." for d in domains})))
        made: dict[str, list[tuple[float, int]]] = {d: [] for d in domains}
        for uid, created, email in db.session.execute(query):
            domain = loading.email_domain(email).strip().lower().rstrip(".")
            if domain in made:
                made[domain].append((loading.stamp(loading.utc(created)), uid))
        out: dict[str, set[int]] = {}
        for domain, accounts in made.items():
            found, _ = time_clusters(sorted(accounts), t.domain_window_seconds, t.domain_min_accounts) if accounts \
                else ([], 0)
            out[domain] = set(uid for _, uid in accounts) if found else set()
        wanted = sorted(set().union(*out.values()))
        voting = self._contest_voters(wanted) if wanted else set()
        return {d: users & voting for d, users in out.items()}

    def _sleepers(self, entry: int, lo: float, hi: float, t: Thresholds) -> SleeperBatch:
        """The contest's accounts made from `lo` to `hi`: those that woke for
        the entry (their creation and first ballot), and every one's creation time."""
        users = dict(db.session.execute(select(U.c.id, U.c.created_at).where(
            U.c.created_at >= at(lo - 1), U.c.created_at <= at(hi + 1))).all())
        voters = sorted(self._contest_voters(sorted(users)))
        ballots = self._read([self._of_voters(chunk) for chunk in _chunks(voters)])
        firsts: dict[int, tuple[float, float]] = {}
        for v, ts, made in zip(ballots.voter.tolist(), ballots.stamps.tolist(), ballots.created.tolist()):
            if v not in firsts or ts < firsts[v][1]:
                firsts[v] = (made, ts)
        near = {v: mf for v, mf in firsts.items() if lo <= mf[0] <= hi}
        counts = ballots.entry_counts()
        voted = set(np.repeat(ballots.voter, counts)[ballots.entry_ids == entry].tolist())
        woke = {v: mf for v, mf in near.items() if v in voted and mf[1] - mf[0] >= t.sleeper_min_age_seconds}
        return SleeperBatch(woke, np.sort(np.array([mf[0] for mf in near.values()], dtype=np.float64)))

    def _group(self, kind: str, value: Any, inc: Increment) -> Ballots:
        """A network's, device's or entry's every ballot (an entry's: its category's, those supporting it)."""
        in_contest = B.c.contest_id == self.contest_id
        if kind == "prefix":
            return self._read([and_(in_contest, B.c.ip_prefix == value)])
        if kind == "device":
            return self._read([and_(in_contest, B.c.device_id == value)])
        category = db.session.scalar(select(Entry.category_id).where(Entry.id == value))
        # The entry's id is in the text of every selection that supports it (a superset, parsed exactly below).
        ballots = self._read([and_(in_contest, B.c.category_id == category,
                                   cast(B.c.selection, String).like(f"%{int(value)}%"))])
        counts = ballots.entry_counts()
        mask = np.zeros(len(ballots), dtype=bool)
        mask[np.repeat(np.arange(len(ballots)), counts)[ballots.entry_ids == value]] = True
        return ballots.take(mask)


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[k:k + CHUNK] for k in range(0, len(ids), CHUNK)]
