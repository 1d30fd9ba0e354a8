"""Incremental sweeps (voting/fraud/increments.py) judge what a full sweep
would, on a generated contest with a crowd for every rule, some of each before
the last sweep and some after: the findings they extend and the verdicts
they give are a full sweep's, the findings they leave alone are as the last
sweep filed them, and what they file leaves the review as a full sweep would.
The SQL reads (voting/fraud/reader.py) answer what the reference in memory
(voting/fraud/domain/memory.py) answers. On SQLite, and on PostgreSQL with
TEST_DATABASE_URL."""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select, update

from voting.accounts.models import User
from voting.ballots.models import Ballot
from voting.contests.models import Contest
from voting.extensions import db
from voting.fraud import increments, loading, services
from voting.fraud.domain import rules
from voting.fraud.domain.columns import stamp
from voting.fraud.domain.increment import Totals
from voting.fraud.domain.incremental import sweep_since
from voting.fraud.domain.memory import MemoryReader
from voting.fraud.models import FraudCluster, FraudClusterBallot, FraudSweep, FraudVerdict
from voting.fraud.reader import SqlReader

from tests.support.voting import open_contest

T0 = datetime(2026, 3, 2, tzinfo=timezone.utc)
T1 = T0 + timedelta(days=4)            # the last sweep
T2 = T1 + timedelta(hours=7)           # the incremental one
# Every rule's minimums lowered to the generated contest's size.
SMALL = {"burst_min_count": 6, "burst_min_expected": 0.5, "prefix_min_voters": 5, "prefix_hours_min_voters": 7,
         "prefix_days_min_voters": 8, "device_min_voters": 4, "device_week_min_voters": 6, "ua_min_voters": 5,
         "ua_min_baseline_ballots": 30, "domain_min_accounts": 5, "instant_min_cluster": 3, "cadence_min_gaps": 6,
         "cadence_min_voters": 3, "pageless_min_voters": 3, "pageless_log10_p": 2.0, "uniform_min_voters": 5,
         "sleeper_min_accounts": 4, "dormant_min_voters": 4}
COUNTRIES = ["CH", "FR"]


class World:
    """Voters and ballots as rows, inserted in bulk."""

    def __init__(self, contest_id: int, categories: dict[str, int], entries: dict[str, list[int]], seed: int):
        self.contest_id, self.categories, self.entries = contest_id, categories, entries
        self.rng = random.Random(seed)
        self.users: list[dict] = []
        self.ballots: list[dict] = []
        self.voted: set[tuple[int, str]] = set()

    def voter(self, created: datetime, domain: str = "gmail.com", country: str | None = "CH") -> int:
        uid = 10_000 + len(self.users)
        email = f"v{uid}@{domain}"
        self.users.append({"id": uid, "email": email, "email_normalised": email, "display_name": f"v{uid}",
                           "country": country, "created_at": created, "verified_at": created})
        return uid

    def vote(self, voter: int, category: str, entry: int, at: datetime, prefix: str, device: str = "",
             ua: str = "ua-common-1", flags: tuple = (), page_ms: int | None = 9000) -> None:
        if (voter, category) in self.voted:
            return
        self.voted.add((voter, category))
        n = len(self.ballots)
        self.ballots.append({
            "contest_id": self.contest_id, "category_id": self.categories[category], "voter_id": voter,
            "receipt_hash": hashlib.sha256(f"{self.contest_id}:{n}".encode()).hexdigest(), "method": "single",
            "selection": [entry], "status": "counted", "flags": list(flags), "client_ip": prefix + ".9",
            "ip_prefix": prefix + ".0/24", "user_agent_hash": ua, "device_id": device, "cast_at": at,
            "page_ms": page_ms})

    def save(self) -> None:
        db.session.execute(insert(User), self.users)
        self.ballots.sort(key=lambda b: b["cast_at"])  # ids in time order, as the intake gives them
        db.session.execute(insert(Ballot), self.ballots)
        db.session.commit()


def generate(app, seed: int) -> int:
    slug, entries = open_contest(app, pow_bits=0, categories=4, entries_per_category=4)
    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.slug == slug))
        contest.settings = {**contest.settings, "fraud": {"thresholds": SMALL, "countries": COUNTRIES}}
        contest.voting_opens_at = T0  # the generated ballots are cast from T0 (dormant_wake reads the opening)
        w = World(contest.id, {c.slug: c.id for c in contest.categories}, entries, seed)
        db.session.commit()
        r = w.rng
        cats = sorted(entries)
        span = (T2 - T0).total_seconds()

        def at(seconds: float) -> datetime:
            return T0 + timedelta(seconds=seconds)

        # Honest voters: a few categories each, minutes apart, on shared networks and common browsers;
        # most signed up hours before, some weeks before (too few an hour to be a batch). What moves
        # with the whole contest (its page-less rate, the accounts made in a sleeper batch's hours)
        # stays far from the tests here: an incremental sweep does not judge it again where no new
        # ballot is (docs/fraud.md), and the findings left alone are compared with the last sweep's.
        for _ in range(260):
            start = r.uniform(0, span - 3600)
            early = r.random() < 0.2
            v = w.voter(at(start - (r.uniform(3, 60) * 86400 if early else r.uniform(600, 12 * 3600))),
                        r.choice(["gmail.com", "uni.example.edu", "mail.example.org"]))
            prefix, device = f"10.{r.randrange(12)}.{r.randrange(3)}", f"d{v}"
            ua = r.choice(["ua-common-1", "ua-common-1", "ua-common-2", "ua-common-3", f"ua-rare-{r.randrange(9)}"])
            flags = ("no_page",) if r.random() < 0.01 else ()
            for k, c in enumerate(r.sample(cats, r.randint(1, 4))):
                w.vote(v, c, r.choice(entries[c]), at(start + 40 * k + r.uniform(0, 30)), prefix, device, ua, flags,
                       None if flags else r.randint(2000, 40000))
        # Attacks, each with ballots on both sides of T1 or after it.
        for name, begin in (("farm", (T1 - T0).total_seconds() - 1800), ("farm2", span - 3 * 3600)):
            made = at(begin - 600)
            for k in range(9):  # a burst from one network, fresh accounts of one domain, an odd browser
                v = w.voter(made + timedelta(seconds=40 * k), f"{name}.test")
                w.vote(v, "c1", entries["c1"][0], at(begin + 60 * k), "203.0.113", f"{name}{k}", "ua-headless",
                       page_ms=2500)
        phone = "phone-1"
        for k in range(8):  # one device cycling accounts, across T1
            v = w.voter(at(r.uniform(0, 86400)))
            w.vote(v, "c2", entries["c2"][1], T1 - timedelta(hours=3) + timedelta(minutes=40 * k), "172.16.5", phone)
        for k in range(6):  # page-less voters for one entry, across T1
            v = w.voter(at(r.uniform(0, 86400)))
            w.vote(v, "c3", entries["c3"][2], T1 - timedelta(hours=2) + timedelta(minutes=50 * k), f"198.18.{k}",
                   f"pl{k}", flags=("no_page",), page_ms=None)
        for k in range(5):  # foreign voters
            v = w.voter(at(r.uniform(0, 86400)), country="TV")
            when = at(r.uniform(0, span)) if k else T1 + timedelta(hours=2)
            w.vote(v, "c4", entries["c4"][3], when, f"198.19.{k}", f"fo{k}")
        for k in range(5):  # accounts voting seconds after sign-up, for one entry (two with camouflage)
            when = T1 - timedelta(hours=1) + timedelta(minutes=45 * k)
            v = w.voter(when - timedelta(seconds=5))
            w.vote(v, "c2", entries["c2"][3], when, f"198.20.{k}", f"in{k}")
            if k % 2:
                w.vote(v, "c1", entries["c1"][1], when + timedelta(seconds=40), f"198.20.{k}", f"in{k}")
        for k in range(7):  # accounts made one by one over weeks, waking together across T1 (some with camouflage)
            v = w.voter(at(0) - timedelta(days=r.uniform(4, 40)))
            when = T1 - timedelta(hours=2) + timedelta(minutes=35 * k)
            w.vote(v, "c1", entries["c1"][2], when, f"198.22.{k}", f"dw{k}")
            if k % 2:
                w.vote(v, "c3", entries["c3"][1], when + timedelta(seconds=50), f"198.22.{k}", f"dw{k}")
        batch = at(0) - timedelta(days=10)
        for k in range(6):  # a batch made long ago, waking up together
            v = w.voter(batch + timedelta(minutes=5 * k))
            w.vote(v, "c4", entries["c4"][1], T1 + timedelta(hours=1, minutes=20 * k), f"198.21.{k}", f"sl{k}")
        for k in range(12):  # a timer on one network
            v = w.voter(at(r.uniform(0, 86400)))
            w.vote(v, "c3", entries["c3"][0], T1 - timedelta(minutes=6) + timedelta(seconds=61 * k + r.uniform(-1, 1)),
                   "192.0.2", f"ti{k}")
        w.save()
        contest_id = contest.id
        db.session.remove()
    return contest_id


def settings(contest_id):
    return services.settings_of(db.session.get(Contest, contest_id))


def facts(contest_id):
    return services.facts_of(db.session.get(Contest, contest_id))


def judged_since_last(contest_id, reader):
    t, policy, countries = settings(contest_id)
    last = services.last_sweep(contest_id)
    since = stamp(last.started_at) - t.instant_settle_seconds
    return sweep_since(reader, T2, t, policy, countries, since, Totals(**last.state["totals"]), last.state["cut"],
                       facts(contest_id))


@pytest.mark.parametrize("seed", [1, 2, 3, 6, 7])
def test_incremental_after_full_judges_as_a_full_sweep(app, seed):
    contest_id = generate(app, seed)
    with app.app_context():
        services.sweep(contest_id, T1)
        t, policy, countries = settings(contest_id)
        reader = SqlReader(contest_id)
        judged = judged_since_last(contest_id, reader)
        prior, _ = reader.prior()
        everything = loading.load_ballots(contest_id)
        full = rules.assess(everything, T2, t, policy, countries, facts=facts(contest_id))
        found = {(f.rule, f.key): f for f in full.findings}
        extended = {(f.rule, f.key): f for f in judged.assessment.findings}
        # The attacks after T1 extend findings of every kind of rule.
        assert {"burst", "shared_prefix", "country", "sleeper_accounts", "uniform_clients", "dormant_wake",
                "instant_single_vote"} <= {r for r, _ in extended}
        for k, f in extended.items():
            assert (f.ballot_ids, f.strength, f.evidence) == (found[k].ballot_ids, found[k].strength,
                                                              found[k].evidence), k
        for k, f in found.items():
            if k not in extended:
                assert k in prior and prior[k].ballot_ids == f.ballot_ids and prior[k].strength == f.strength, k
        assert judged.assessment.verdicts
        assert all(full.verdicts.get(b) == v for b, v in judged.assessment.verdicts.items())
        # The reference in memory reads the same and judges the same.
        memory = judged_since_last(contest_id, MemoryReader(loading.load_ballots(contest_id), prior, stamp(T2)))
        assert sorted(memory.assessment.findings, key=lambda f: (f.rule, f.key)) == judged.assessment.findings
        assert memory.assessment.verdicts == judged.assessment.verdicts
        assert memory.totals == judged.totals
        db.session.remove()


def review_state(contest_id):
    clusters = {(c.rule, c.key): (frozenset(db.session.scalars(select(FraudClusterBallot.ballot_id).where(
        FraudClusterBallot.cluster_id == c.id))), round(c.strength, 6), c.evidence, c.status)
        for c in db.session.scalars(select(FraudCluster).where(FraudCluster.contest_id == contest_id))}
    verdicts = {v.ballot_id: (v.action, round(v.score, 6), tuple(v.rules), v.reason)
                for v in db.session.scalars(select(FraudVerdict).where(FraudVerdict.contest_id == contest_id))}
    statuses = dict(db.session.execute(select(Ballot.id, Ballot.status).where(Ballot.contest_id == contest_id)).all())
    return clusters, verdicts, statuses


def forget_sweeps(contest_id):
    for model in (FraudClusterBallot,):
        db.session.execute(model.__table__.delete().where(model.cluster_id.in_(
            select(FraudCluster.id).where(FraudCluster.contest_id == contest_id))))
    for model in (FraudCluster, FraudVerdict, FraudSweep):
        db.session.execute(model.__table__.delete().where(model.contest_id == contest_id))
    db.session.execute(update(Ballot).where(Ballot.contest_id == contest_id)
                       .values(status="counted", status_reason=None, decided_at=None))
    db.session.commit()
    db.session.expunge_all()


def test_the_ticks_incremental_sweep_files_what_a_full_sweep_files(app, monkeypatch):
    contest_id = generate(app, 4)
    with app.app_context():
        services.sweep(contest_id, T1)
        summary = increments.sweep(contest_id, T2)
        assert summary["incremental"] and summary["clusters"]
        record = services.last_sweep(contest_id)
        assert record.incremental and record.state["cut"] == stamp(T1) - settings(contest_id)[0].instant_settle_seconds
        after_increment = review_state(contest_id)
        forget_sweeps(contest_id)
        services.sweep(contest_id, T1)
        services.sweep(contest_id, T2)
        after_full = review_state(contest_id)
        assert after_increment[2] == after_full[2]            # the same ballots held
        assert after_increment[1] == after_full[1]            # the same verdicts
        assert after_increment[0].keys() == after_full[0].keys()
        for k, (ids, strength, evidence, status) in after_full[0].items():
            assert after_increment[0][k] == (ids, strength, evidence, status), k
        db.session.remove()


def test_a_tick_sweeps_in_full_when_it_cannot_start_from_the_last_sweep(app):
    contest_id = generate(app, 5)
    with app.app_context():
        assert increments.sweep(contest_id, T1)["why_full"] == "no sweep yet"
        assert increments.sweep(contest_id, T1 + timedelta(minutes=5))["incremental"] is True
        contest = db.session.get(Contest, contest_id)
        contest.settings = {**contest.settings, "fraud": {**contest.settings["fraud"],
                                                          "thresholds": {**SMALL, "device_min_voters": 5}}}
        db.session.commit()
        assert increments.sweep(contest_id, T1 + timedelta(minutes=10))["why_full"] == "the fraud settings changed"
        assert increments.sweep(contest_id, T1 + timedelta(minutes=15))["incremental"] is True
        contest = db.session.get(Contest, contest_id)
        contest.voting_opens_at = T0 + timedelta(hours=1)  # a fact the rules read (dormant_wake)
        db.session.commit()
        assert increments.sweep(contest_id, T1 + timedelta(minutes=20))["why_full"] == "the fraud settings changed"
        assert increments.sweep(contest_id, T1 + timedelta(minutes=25))["incremental"] is True
        later = T1 + increments.FULL_EVERY + timedelta(minutes=30)
        assert increments.sweep(contest_id, later)["why_full"] == "the last full sweep is a day old"
        db.session.remove()


def test_ticks_over_a_contest_without_ballots_keep_one_state(app):
    slug, _ = open_contest(app, pow_bits=0)
    with app.app_context():
        contest_id = db.session.scalar(select(Contest.id).where(Contest.slug == slug))
        assert increments.sweep(contest_id, T1)["why_full"] == "no sweep yet"
        for k in range(1, 4):
            summary = increments.sweep(contest_id, T1 + timedelta(minutes=5 * k))
            assert summary["incremental"] and summary["clusters"] == 0
        states = db.session.scalars(select(FraudSweep.state).order_by(FraudSweep.id)).all()
        assert states[:-1] == [None] * 3 and states[-1]["totals"]["voters"] == 0
        db.session.remove()
