"""The fraud rules' ballots read straight from SQL into columns
(voting/fraud/loading.py): what the ORM reference reads of every ballot, and
for a tick the recent ballots with every other ballot of their voters and
devices. On SQLite, and on PostgreSQL with TEST_DATABASE_URL."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from voting.accounts.models import User
from voting.ballots.models import Ballot
from voting.contests.models import Contest
from voting.extensions import db
from tests.support.fraud_records import as_rules_read, orm_records
from voting.fraud import loading
from voting.fraud.domain import rules
from voting.fraud.domain.thresholds import Thresholds

from tests.support.voting import open_contest

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
CUT = T0 + timedelta(hours=10)  # the tick's cast_from in the incremental tests


def user(email, created, country="CH"):
    u = User(email=email, email_normalised=email.lower(), display_name=email.split("@")[0], country=country,
             created_at=created, verified_at=created)
    db.session.add(u)
    db.session.flush()
    return u.id


class Ballots:
    def __init__(self, contest_id, categories):
        self.contest_id, self.categories, self.n = contest_id, categories, 0

    def add(self, voter, category, selection, at, method="single", device="dev-a", ip="203.0.113.7",
            ua="ua-1", flags=(), status="counted", **extra):
        self.n += 1
        ballot = Ballot(contest_id=self.contest_id, category_id=self.categories[category], voter_id=voter,
                        receipt_hash=hashlib.sha256(f"{self.contest_id}:{self.n}".encode()).hexdigest(),
                        method=method, selection=selection, status=status, flags=list(flags), client_ip=ip,
                        ip_prefix=ip.rsplit(".", 1)[0] + ".0/24", user_agent_hash=ua, device_id=device,
                        cast_at=at, **extra)
        db.session.add(ballot)
        db.session.flush()
        return ballot.id


def contest_ids(app, slug="wsis-prizes-test"):
    slug, entries = open_contest(app, pow_bits=0, slug=slug)
    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.slug == slug))
        categories = {c.slug: c.id for c in contest.categories}
        contest_id = contest.id
        db.session.remove()
    return contest_id, categories, entries


def by_id(records):
    assert len({r.id for r in records}) == len(records)
    return {r.id: r for r in records}


def orm(contest_id):
    """The ORM reference, as much of it as the rules read."""
    return by_id([as_rules_read(r) for r in orm_records(contest_id)])


def test_builds_the_records_the_services_build(app):
    contest_id, cats, e = contest_ids(app)
    with app.app_context():
        a = user("Ann@Example.ORG", T0 - timedelta(days=3))
        b = user("bob@fresh-mail.top", T0 - timedelta(seconds=20), country=None)
        c = user("chen@uni.example.edu", T0 - timedelta(days=40), country="CN")
        add = Ballots(contest_id, cats).add
        add(a, "c1", [e["c1"][0]], T0, flags=["no_page"])
        add(a, "c2", [e["c2"][2]], T0 + timedelta(seconds=21.5), flags=["no_page", "no_script"])
        add(b, "c1", [e["c1"][1], e["c1"][0]], T0 + timedelta(minutes=3), method="approval", device="",
            ip="2001:db8:1:2::5", flags=["no_device"], status="under_review")
        add(b, "c2", [e["c2"][1], e["c2"][0]], T0 + timedelta(minutes=4), method="ranked", device="")
        add(c, "c1", {str(e["c1"][2]): 4, str(e["c1"][0]): 0, str(e["c1"][1]): 1}, T0 + timedelta(hours=2),
            method="score", ua="ua-2", status="invalidated")
        add(c, "c2", [], T0 + timedelta(hours=2, seconds=5), method="ranked", ua="ua-2")
        db.session.commit()

        expected = orm(contest_id)
        got = by_id(loading.load_records(contest_id))
        assert got == expected
        assert len(got) == 6
        score = next(r for r in got.values() if r.voter_id == c and r.category_id == cats["c1"])
        assert score.entries == tuple(sorted((e["c1"][2], e["c1"][1])))
        ann = sorted((r for r in got.values() if r.voter_id == a), key=lambda r: r.id)
        assert ann[0].voter_email_domain == "example.org" and ann[1].flags == ("no_page", "no_script")
        # Columns: each network, device and user agent is one string in its column's table.
        ballots = loading.load_ballots(contest_id)
        assert sorted(ballots.tables["device"].values) == sorted({r.device_id for r in expected.values()})
        assert sorted(ballots.tables["ua"].values) == ["ua-1", "ua-2"]
        # The rules judge both alike.
        now = T0 + timedelta(days=1)
        assert (rules.run_all(ballots, now, Thresholds(), frozenset({"CH"}))
                == rules.run_all(orm_records(contest_id), now, Thresholds(), frozenset({"CH"})))
        db.session.remove()


@pytest.mark.skipif(not loading.has_page_ms(), reason="ballots.page_ms is not in the model yet (migration 0013)")
def test_page_time_in_seconds(app):
    contest_id, cats, e = contest_ids(app)
    with app.app_context():
        v = user("pat@example.org", T0 - timedelta(days=1))
        add = Ballots(contest_id, cats).add
        add(v, "c1", [e["c1"][0]], T0, page_ms=4250)
        add(v, "c2", [e["c2"][0]], T0 + timedelta(seconds=30), page_ms=None)
        db.session.commit()
        got = sorted(loading.load_records(contest_id), key=lambda r: r.id)
        assert [r.page_seconds for r in got] == [4.25, None]
        assert by_id(got) == orm(contest_id)
        db.session.remove()


def tick_contest(app):
    """Old ballots (before CUT) and recent ones; answers the ids by what they are."""
    contest_id, cats, e = contest_ids(app)
    other_id, other_cats, other_e = contest_ids(app, slug="another-contest")
    with app.app_context():
        old = T0 - timedelta(days=3)
        returning = user("returning@example.org", old)   # voted before CUT and again after
        sharer = user("sharer@example.org", old)         # before CUT only, on the device a recent voter uses
        newcomer = user("newcomer@example.org", old)     # after CUT only
        quiet = user("quiet@example.org", old)           # before CUT only, nothing shared
        add = Ballots(contest_id, cats).add
        ids = {
            "returning_old": add(returning, "c1", [e["c1"][0]], CUT - timedelta(days=6), device="d-ret"),
            "sharer_old": add(sharer, "c1", [e["c1"][1]], CUT - timedelta(days=5), device="d-shared"),
            "quiet_old": add(quiet, "c1", [e["c1"][2]], CUT - timedelta(hours=1), device="d-quiet"),
            "quiet_nodevice": add(quiet, "c2", [e["c2"][0]], CUT - timedelta(minutes=50), device=""),
            "returning_new": add(returning, "c2", [e["c2"][1]], CUT + timedelta(minutes=5), device="d-ret"),
            "newcomer_new": add(newcomer, "c1", [e["c1"][0]], CUT, device="d-shared"),
            # No device: ballots without a cookie are not one device.
            "newcomer_nodevice": add(newcomer, "c2", [e["c2"][2]], CUT + timedelta(minutes=1), device=""),
        }
        ids["sharer_recentish"] = add(sharer, "c2", [e["c2"][0]], CUT - timedelta(hours=2), device="d-other")
        # Another contest: the same voters and device, never read.
        other = Ballots(other_id, other_cats).add
        ids["other_contest"] = other(returning, "c1", [other_e["c1"][0]], CUT + timedelta(minutes=2),
                                     device="d-shared")
        ids["other_contest_old"] = other(quiet, "c1", [other_e["c1"][0]], CUT - timedelta(days=1),
                                         device="d-quiet")
        db.session.commit()
        db.session.remove()
    return contest_id, ids


def test_a_tick_reads_recent_ballots_and_their_voters_and_devices_other_ballots(app):
    contest_id, ids = tick_contest(app)
    with app.app_context():
        got = by_id(loading.load_records(contest_id, cast_from=CUT))
        # The sharer's ballot on the shared device, not the sharer's others: the sharer cast nothing recent.
        assert set(got) == {ids[k] for k in ("returning_new", "newcomer_new", "newcomer_nodevice",
                                              "returning_old", "sharer_old")}
        # The same records as a full load, for the ballots both hold.
        full = by_id(loading.load_records(contest_id))
        assert all(full[i] == r for i, r in got.items())
        assert orm(contest_id) == full

        # Only what was cast since.
        assert set(by_id(loading.load_records(contest_id, cast_from=CUT, voters_of_recent=False))) == {
            ids["returning_new"], ids["newcomer_new"], ids["newcomer_nodevice"]}

        # A longer lookback with the voters of the last hour and a half only: the quiet voter's two ballots
        # are in the lookback, the returning voter's first one is added as theirs.
        got = by_id(loading.load_records(contest_id, cast_from=CUT - timedelta(hours=3),
                                         voters_from=CUT - timedelta(minutes=90)))
        assert set(got) == {ids[k] for k in ("returning_new", "newcomer_new", "newcomer_nodevice", "quiet_old",
                                              "quiet_nodevice", "returning_old", "sharer_old",
                                              "sharer_recentish")}
        got = by_id(loading.load_records(contest_id, cast_from=CUT - timedelta(hours=3), voters_from=CUT))
        assert ids["quiet_old"] in got and ids["returning_old"] in got
        db.session.remove()


def test_tick_from_is_the_rules_lookback(app):
    t = Thresholds()
    assert loading.tick_from(CUT, t) == CUT - timedelta(seconds=rules.lookback_seconds(t))
    contest_id, ids = tick_contest(app)
    with app.app_context():
        # Nothing since: nothing to judge.
        assert loading.load_records(contest_id, cast_from=CUT + timedelta(days=1)) == []
        db.session.remove()


def test_postgres_settings_are_put_back(app):
    contest_id, ids = tick_contest(app)
    with app.app_context():
        if db.session.get_bind().dialect.name != "postgresql":
            pytest.skip("PostgreSQL settings")
        def settings():
            return {name: db.session.scalar(select(func.current_setting(name))) for name in loading.READ_SETTINGS}

        before = settings()
        assert len(loading.load_records(contest_id, cast_from=CUT)) == 5
        assert settings() == before
        db.session.remove()


def test_a_voter_who_arrived_after_the_voters_were_read_waits_for_the_next_sweep(app, monkeypatch):
    """The voters and the ballots are two reads: a new voter's first ballot
    committed between them is left for the next sweep, not a crash."""
    contest_id, cats, e = contest_ids(app)
    with app.app_context():
        early = user("early@example.org", T0 - timedelta(days=3))
        late = user("late@example.org", T0)
        add = Ballots(contest_id, cats).add
        kept = add(early, "c1", [e["c1"][0]], T0)
        add(late, "c1", [e["c1"][1]], T0 + timedelta(minutes=1))
        db.session.commit()
        read = loading.load_voters

        def before_the_late_voter(statement, tables):
            voters = read(statement, tables)
            keep = voters.ids != late  # as if the voters' read ran before the late voter existed
            voters.ids, voters.created, voters.domain, voters.country = (
                voters.ids[keep], voters.created[keep], voters.domain[keep], voters.country[keep])
            return voters

        monkeypatch.setattr(loading, "load_voters", before_the_late_voter)
        assert [r.id for r in loading.load_records(contest_id)] == [kept]
        db.session.remove()
