"""The fraud rules (voting/fraud/rules*.py) and their thresholds: for each rule
a scenario it must flag and a close honest one it must not; stable keys; `now`."""

from __future__ import annotations

import ast
import json
import random
from dataclasses import fields, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from voting.fraud.domain import rules
from voting.fraud.domain.records import BallotRecord
from voting.fraud.domain.thresholds import PUBLIC_EMAIL_PROVIDERS, Thresholds, is_public_provider

T0 = datetime(2021, 3, 1, 12, 0, tzinfo=timezone.utc)
T = Thresholds()
COMMON_UAS = ["ua-chrome-win"] * 8 + ["ua-safari-ios"] * 4 + ["ua-edge"] * 3 + ["ua-firefox"] * 2 + ["ua-android"] * 3


class Book:
    """Builds ballot records: by default every voter has their own address,
    /24, device, and an account two days old on a public mail provider."""

    def __init__(self) -> None:
        self.records: list[BallotRecord] = []
        self.next_voter = 1000

    def voter(self) -> int:
        self.next_voter += 1
        return self.next_voter

    def add(self, at: datetime, voter: int | None = None, entry: int = 1, *, category: int | None = None,
            created: datetime | None = None, domain: str = "gmail.com", country: str | None = "CH",
            prefix: str | None = None, ip: str | None = None, device: str | None = None,
            ua: str = "ua-chrome-win") -> BallotRecord:
        voter = voter or self.voter()
        n = voter % 250 + 1, voter // 250 % 250
        prefix = prefix or f"198.{n[1]}.{n[0]}.0/24"
        record = BallotRecord(
            id=len(self.records) + 1, category_id=category if category is not None else entry // 100 + 1,
            entries=(entry,), voter_id=voter, voter_created_at=created or at - timedelta(days=2),
            voter_email_domain=domain, voter_country=country, ip=ip or prefix.replace("0/24", "7"),
            prefix=prefix, device_id=device if device is not None else f"dev-{voter}", user_agent_hash=ua,
            cast_at=at)
        self.records.append(record)
        return record

    def background(self, start: datetime, hours: float, count: int, seed: int = 7) -> None:
        """Honest traffic: random times, entries, networks and common browsers."""
        rng = random.Random(seed)
        for _ in range(count):
            self.add(start + timedelta(seconds=rng.uniform(0, hours * 3600)), entry=rng.randrange(100, 1900),
                     ua=rng.choice(COMMON_UAS))


def ids(findings) -> set[int]:
    return {b for f in findings for b in f.ballot_ids}


def after(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


# --- burst ----------------------------------------------------------------------

def burst_book(networks: int, minutes: float = 8, extra: int = 0) -> tuple[Book, set[int]]:
    book = Book()
    for h in range(48):  # entry 7 usually gets a ballot an hour
        book.add(T0 - timedelta(hours=48 - h), entry=7)
    burst = {book.add(after(minutes * k / (60 + extra)), entry=7, prefix=f"203.0.{k % networks}.0/24").id
             for k in range(60 + extra)}
    return book, burst


def test_burst_from_few_networks_is_flagged():
    book, burst = burst_book(networks=3)
    [f] = rules.burst(book.records, after(60), T)
    assert f.rule == "burst" and f.key == "entry:7"
    assert f.ballot_ids == burst
    assert f.evidence["networks_in_window"] == 3 and f.evidence["ratio"] >= T.burst_ratio
    assert f.evidence["peak_window_ballots"] >= T.burst_min_count


def test_campaign_wave_from_many_networks_is_not_a_burst():
    book, _ = burst_book(networks=60)
    assert rules.burst(book.records, after(60), T) == []


def test_burst_needs_a_minimum_count_and_the_ratio():
    book = Book()
    for k in range(25):  # few networks, but only 25 ballots
        book.add(after(k / 5), entry=7, prefix="203.0.1.0/24")
    assert rules.burst(book.records, after(60), T) == []
    busy = Book()
    for m in range(2 * 24 * 60):  # an entry that always gets four ballots a minute
        busy.add(T0 - timedelta(minutes=2 * 24 * 60 - m), entry=7)
    for k in range(60):
        busy.add(after(k / 10), entry=7, prefix="203.0.1.0/24")
    assert rules.burst(busy.records, after(60), T) == []


# --- shared_prefix ---------------------------------------------------------------

def test_sixty_voters_from_one_prefix_for_one_entry_are_flagged():
    book = Book()
    farm = set()
    for k in range(60):
        v = book.voter()
        farm.add(book.add(after(k / 6), v, entry=17, prefix="203.0.113.0/24", ip=f"203.0.113.{k + 1}").id)
        if k % 3 == 0:  # some also vote elsewhere from the farm
            farm.add(book.add(after(k / 6 + 0.5), v, entry=305, prefix="203.0.113.0/24").id)
    book.background(T0 - timedelta(hours=2), 4, 300)
    found = {f.key: f for f in rules.shared_prefix(book.records, after(60), T)}
    # Sixty in ten minutes: a crowd in the quarter-hour, the six-hour and the three-day window.
    assert set(found) == {"prefix:203.0.113.0/24:entry:17", "prefix:203.0.113.0/24:entry:17:hours",
                          "prefix:203.0.113.0/24:entry:17:days"}
    f = found["prefix:203.0.113.0/24:entry:17"]
    assert f.ballot_ids == farm and found["prefix:203.0.113.0/24:entry:17:days"].ballot_ids == farm
    assert f.evidence["voters"] == 60 and f.evidence["peak_share"] == 1.0
    assert f.strength == pytest.approx(0.2 + 0.2 * 0.5)  # twice the minimum: half way up the ramp


def test_campus_with_many_voters_on_many_entries_is_not_flagged():
    book = Book()
    rng = random.Random(3)
    popularity = [1 / (k + 1) ** 1.1 for k in range(40)]  # the favourite gets about a quarter
    for _ in range(200):  # 200 students in an hour, 18 categories each
        v, t = book.voter(), after(rng.uniform(0, 60))
        for c in range(18):
            book.add(t + timedelta(seconds=30 * c), v, entry=c * 100 + rng.choices(range(40), popularity)[0],
                     prefix="192.0.2.0/24", ip=f"192.0.2.{rng.randint(1, 4)}")
    assert rules.shared_prefix(book.records, after(120), T) == []


def test_a_few_colleagues_from_one_prefix_are_not_flagged():
    book = Book()
    for k in range(T.prefix_min_voters - 1):
        book.add(after(k / 3), entry=17, prefix="203.0.113.0/24")
    assert rules.shared_prefix(book.records, after(60), T) == []


# --- shared_device ---------------------------------------------------------------

def test_family_of_four_on_one_device_is_fine():
    book = Book()
    for member in range(4):
        v = book.voter()
        for c in range(18):
            book.add(after(member * 40 + c * 0.7), v, entry=c * 100 + member, device="family-pc")
    assert rules.shared_device(book.records, after(600), T) == []


def test_thirty_accounts_on_one_device_are_flagged():
    book = Book()
    farm = {book.add(after(k * 12), entry=40, device="phone-1").id for k in range(30)}
    book.add(after(-3000), entry=40, device="phone-1")  # two days earlier: outside the window
    day, week = rules.shared_device(book.records, after(600), T)
    assert day.key == "device:phone-1" and day.ballot_ids == farm
    assert day.evidence["voters"] == 30 and day.evidence["top_entries"][0] == [40, 30]
    # Within the week, the earlier account counts too.
    assert week.key == "device:phone-1:week" and week.evidence["voters"] == 31


def test_a_phone_worked_through_by_hand_over_a_week_is_flagged():
    book = Book()
    farm = {book.add(after(k * 60 * 7), entry=40, device="phone-2").id for k in range(24)}  # 3 a day
    [f] = rules.shared_device(book.records, after(60 * 24 * 9), T)
    assert f.key == "device:phone-2:week" and f.ballot_ids == farm


def test_ballots_without_a_device_are_not_one_device():
    book = Book()
    for k in range(30):
        book.add(after(k), entry=40, device="")
    assert rules.shared_device(book.records, after(60), T) == []


# --- shared_user_agent --------------------------------------------------------------

def ua_book(ua: str, *, entries: bool = False, count: int = 40) -> tuple[Book, set[int]]:
    book = Book()
    book.background(T0 - timedelta(days=3), 72, 1500)
    farm = {book.add(after(k * 0.75), entry=5 + (k * 100 if entries else 0), ua=ua).id for k in range(count)}
    return book, farm


def test_unusual_user_agent_on_one_entry_is_flagged():
    book, farm = ua_book("ua-headless-108")
    [f] = rules.shared_user_agent(book.records, after(90), T)
    assert f.key == "ua:ua-headless-108:entry:5" and f.ballot_ids == farm
    assert f.evidence["lift"] >= T.ua_min_lift and f.evidence["usual_share"] == 0


def test_common_user_agent_on_one_entry_is_a_campaign_not_a_farm():
    book, _ = ua_book("ua-chrome-win")
    assert rules.shared_user_agent(book.records, after(90), T) == []


def test_unusual_user_agent_spread_over_entries_and_networks_is_not_flagged():
    book, _ = ua_book("ua-headless-108", entries=True)
    assert rules.shared_user_agent(book.records, after(90), T) == []


def test_user_agent_rule_waits_for_a_baseline():
    book = Book()
    for k in range(40):
        book.add(after(k), entry=5, ua="ua-headless-108")
    assert rules.shared_user_agent(book.records, after(90), T) == []


# --- new_account_domain ---------------------------------------------------------------

def domain_book(domain: str, spread_minutes: float) -> tuple[Book, set[int]]:
    book = Book()
    farm = set()
    for k in range(25):
        made = after(spread_minutes * k / 25)
        v = book.voter()
        farm.add(book.add(made + timedelta(minutes=3), v, entry=9, created=made, domain=domain).id)
        farm.add(book.add(made + timedelta(minutes=4), v, entry=1201, created=made, domain=domain).id)
    return book, farm


def test_accounts_made_together_on_one_domain_are_flagged():
    book, farm = domain_book("fresh-mail.top", 10)
    [f] = rules.new_account_domain(book.records, after(60), T)
    assert f.key == "domain:fresh-mail.top" and f.ballot_ids == farm
    assert f.evidence["accounts"] == 25 and f.evidence["peak_accounts_in_window"] == 25


@pytest.mark.parametrize("domain", ["gmail.com", "Hotmail.co.uk", "yahoo.fr", "outlook.com.br", "qq.com"])
def test_public_mail_providers_are_ignored(domain):
    book, _ = domain_book(domain, 10)
    assert rules.new_account_domain(book.records, after(60), T) == []


def test_an_organisations_staff_joining_over_days_is_not_flagged():
    book, _ = domain_book("uni.example.edu", 3 * 24 * 60)
    assert rules.new_account_domain(book.records, after(5 * 24 * 60), T) == []


def test_public_provider_list():
    assert {"gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com"} <= PUBLIC_EMAIL_PROVIDERS
    assert is_public_provider("yahoo.co.jp") and is_public_provider("GMX.at")
    assert not is_public_provider("live.example.org") and not is_public_provider("itu.int")


# --- instant_single_vote -------------------------------------------------------------

def puppets(book: Book, count: int, seconds: float, entry: int = 9, others: int = 0,
            every_minutes: float = 10) -> set[int]:
    out = set()
    for k in range(count):
        made, v = after(k * every_minutes), book.voter()
        out.add(book.add(made + timedelta(seconds=seconds), v, entry=entry, created=made).id)
        for c in range(others):
            book.add(made + timedelta(seconds=seconds + 30 * (c + 1)), v, entry=(c + 2) * 100)
    return out


def test_accounts_voting_seconds_after_sign_up_for_one_entry_are_flagged():
    book = Book()
    farm = puppets(book, 12, 5)
    [f] = rules.instant_single_vote(book.records, after(12 * 10 + 60), T)
    assert f.key == "entry:9" and f.ballot_ids == farm
    assert f.evidence["median_seconds_to_vote"] == 5.0 and f.evidence["accounts"] == 12


@pytest.mark.parametrize("count, seconds, others", [
    (2, 5, 0),     # one or two eager supporters
    (12, 300, 0),  # people who verify their mail and read the page first
    (12, 300, 10),  # ... and then vote in ten other categories
])
def test_honest_quick_voters_are_not_flagged(count, seconds, others):
    book = Book()
    puppets(book, count, seconds, others=others)
    assert rules.instant_single_vote(book.records, after(count * 10 + 120), T) == []


def test_instant_accounts_are_judged_once_they_have_settled():
    book = Book()
    puppets(book, 12, 5, every_minutes=0.2)
    assert rules.instant_single_vote(book.records, after(5), T) == []  # still active
    assert len(rules.instant_single_vote(book.records, after(40), T)) == 1


# --- scripted_cadence -----------------------------------------------------------------

def test_ballots_at_near_constant_intervals_are_flagged():
    book = Book()
    rng = random.Random(5)
    timer = {book.add(after(0) + timedelta(seconds=40 * k + rng.uniform(-1, 1)), entry=3).id for k in range(30)}
    book.background(T0 - timedelta(hours=1), 3, 100)
    [f] = rules.scripted_cadence(book.records, after(120), T)
    assert f.key == "entry:3" and f.ballot_ids == timer
    assert f.evidence["lowest_cv"] <= T.cadence_max_cv and 39 < f.evidence["mean_interval_seconds"] < 41


def test_a_timer_is_followed_through_other_peoples_ballots():
    book = Book()
    timer = {book.add(after(0) + timedelta(seconds=40 * k), entry=3).id for k in range(30)}
    others = {book.add(after(0) + timedelta(seconds=40 * k + 13), entry=3).id for k in (0, 4, 20)}
    [f] = rules.scripted_cadence(book.records, after(120), T)
    assert f.ballot_ids == timer and not f.ballot_ids & others
    assert f.evidence["runs"] >= 1


def test_human_arrivals_are_irregular():
    book = Book()
    rng = random.Random(5)
    t = after(0)
    for _ in range(200):
        t += timedelta(seconds=rng.expovariate(1 / 40))
        book.add(t, entry=3, prefix="192.0.2.0/24")
    assert rules.scripted_cadence(book.records, after(600), T) == []


def test_one_voter_at_a_steady_pace_is_not_a_script():
    book = Book()
    v = book.voter()
    for c in range(18):
        book.add(after(c / 2), v, entry=c * 100, device="laptop")
    assert rules.scripted_cadence(book.records, after(60), T) == []


# --- country ----------------------------------------------------------------------------

def test_voters_outside_the_allowed_countries_are_flagged():
    book = Book()
    outside = {book.add(after(k), country="tv").id for k in range(3)}
    book.add(after(5), country="CH")
    book.add(after(6), country=None)
    [f] = rules.country(book.records, after(60), T, frozenset({"CH", "fr"}))
    assert f.key == "country:TV" and f.ballot_ids == outside and f.evidence["voters"] == 3
    assert rules.country(book.records, after(60), T, frozenset()) == []
    assert rules.country(book.records, after(60), T) == []


# --- keys, `now`, run_all --------------------------------------------------------------

def attack_book(until_minutes: float) -> Book:
    """Several attacks at once, cast between T0 and T0 + until_minutes."""
    book = Book()
    book.background(T0 - timedelta(days=3), 96, 1500)
    rng = random.Random(11)
    for k in range(int(until_minutes * 6)):  # one farm ballot every 10 seconds
        at = after(k / 6)
        made = at - timedelta(seconds=rng.uniform(4, 20))
        book.add(at, entry=17, prefix="203.0.113.0/24", created=made, domain="fresh-mail.top",
                 device=f"phone-{k % 3}", ua="ua-headless-108", country="TV")
    return book


RULE_NAMES = ["burst", "shared_prefix", "shared_device", "shared_user_agent", "new_account_domain",
              "instant_single_vote", "scripted_cadence", "country", "pageless", "sleeper_accounts",
              "dormant_wake", "uniform_clients"]
# The attack book has no page-less ballots and no sleeping accounts.
BOOK_RULES = set(RULE_NAMES) - {"pageless", "sleeper_accounts", "dormant_wake"}


def test_every_rule_is_registered():
    assert list(rules.ALL_RULES) == RULE_NAMES


def test_run_all_sorts_findings_and_keys_are_stable_as_data_grows():
    early = rules.run_all(attack_book(20).records, after(60), T, frozenset({"CH"}))
    later = rules.run_all(attack_book(90).records, after(150), T, frozenset({"CH"}))
    assert [(f.rule, f.key) for f in early] == sorted((f.rule, f.key) for f in early)
    assert {f.rule for f in early} == BOOK_RULES
    assert {(f.rule, f.key) for f in early} <= {(f.rule, f.key) for f in later}
    grown = {(f.rule, f.key): f.ballot_ids for f in later}
    for f in early:
        assert f.ballot_ids <= grown[(f.rule, f.key)]
        assert len(f.ballot_ids) < len(grown[(f.rule, f.key)]) or f.rule == "instant_single_vote"
        json.dumps(f.evidence)
        assert len(f.key) <= 200 and "2021" not in f.key


def test_ballots_after_now_are_ignored():
    book = attack_book(60)
    assert rules.run_all(book.records, T0 - timedelta(minutes=1), T, frozenset({"CH"})) == []
    partial = rules.run_all(book.records, after(30), T, frozenset({"CH"}))
    latest = after(30)
    cast_at = {r.id: r.cast_at for r in book.records}
    assert partial and all(cast_at[b] <= latest for f in partial for b in f.ballot_ids)
    for name, rule in rules.ALL_RULES.items():
        assert rule(book.records, T0 - timedelta(minutes=1), T) == [], name


def test_order_of_records_does_not_matter():
    book = attack_book(30)
    shuffled = list(book.records)
    random.Random(1).shuffle(shuffled)
    assert rules.run_all(shuffled, after(60), T, frozenset({"CH"})) == \
        rules.run_all(book.records, after(60), T, frozenset({"CH"}))


def test_naive_datetimes_are_taken_as_utc():
    book = attack_book(30)
    naive = [replace(r, cast_at=r.cast_at.replace(tzinfo=None),
                     voter_created_at=r.voter_created_at.replace(tzinfo=None)) for r in book.records]
    assert rules.run_all(naive, after(60).replace(tzinfo=None), T) == rules.run_all(book.records, after(60), T)


def test_long_values_make_short_keys():
    book, _ = domain_book("x" * 240 + ".example", 10)
    [f] = rules.new_account_domain(book.records, after(60), T)
    assert len(f.key) <= 200 and f.key.startswith("domain:h")
    assert f.key == rules.new_account_domain(book.records, after(90), T)[0].key


def test_rules_survive_odd_records_and_extreme_thresholds():
    book = attack_book(20)
    rng = random.Random(2)
    for k in range(300):  # missing values, ties, approval ballots, no entries at all
        r = book.add(after(rng.choice([0, 1, 2]) + k / 1000), prefix=rng.choice(["", "203.0.113.0/24"]),
                     device=rng.choice(["", "d"]), ua=rng.choice(["", "u"]), domain=rng.choice(["", "x.org"]),
                     country=rng.choice([None, "", "TV"]))
        book.records[-1] = replace(r, entries=rng.choice([(), (1, 2, 2), (3,)]))
    lowest = Thresholds.from_overrides({f.name: f.metadata["lo"] + (0.001 if f.metadata["lo_open"] else 0)
                                        for f in fields(Thresholds)})  # every threshold at its minimum
    for t in (T, lowest):
        for f in rules.run_all(book.records, after(60), t, frozenset({"CH"})):
            json.dumps(f.evidence)
    assert rules.run_all([], after(60), T, frozenset({"CH"})) == []


# --- thresholds -----------------------------------------------------------------------------

def test_overrides_replace_defaults():
    t = Thresholds.from_overrides({"device_min_voters": 6, "burst_ratio": 4, "prefix_min_share": 0.75})
    assert t.device_min_voters == 6 and isinstance(t.device_min_voters, int)
    assert t.burst_ratio == 4.0 and isinstance(t.burst_ratio, float)
    assert t.prefix_min_share == 0.75 and t.ua_min_lift == T.ua_min_lift
    assert Thresholds.from_overrides({}) == Thresholds.from_overrides(None) == T
    assert Thresholds.from_overrides({"device_min_voters": 6.0}).device_min_voters == 6


@pytest.mark.parametrize("overrides, key, problem", [
    ({"burst_rate": 3}, "burst_rate", "not a known threshold"),
    ({"device_min_voters": 2.5}, "device_min_voters", "whole number"),
    ({"device_min_voters": 1}, "device_min_voters", "at least 2"),
    ({"burst_ratio": "10"}, "burst_ratio", "number"),
    ({"burst_ratio": True}, "burst_ratio", "number"),
    ({"burst_ratio": float("nan")}, "burst_ratio", "number"),
    ({"prefix_min_share": 1.5}, "prefix_min_share", "at most 1"),
    ({"prefix_min_share": 0}, "prefix_min_share", "greater than 0"),
    ({"burst_window_seconds": -60}, "burst_window_seconds", "at least 1"),
])
def test_bad_overrides_name_the_key(overrides, key, problem):
    with pytest.raises(ValueError) as caught:
        Thresholds.from_overrides(overrides)
    assert key in str(caught.value) and problem in str(caught.value)
    assert problem in caught.value.errors[key]


def test_every_problem_is_reported_at_once():
    with pytest.raises(ValueError) as caught:
        Thresholds.from_overrides({"nope": 1, "burst_ratio": -1, "cadence_max_cv": 0.1})
    assert set(caught.value.errors) == {"nope", "burst_ratio"}
    with pytest.raises(ValueError):
        Thresholds.from_overrides([("burst_ratio", 3)])


def test_every_threshold_has_a_range_and_a_sane_default():
    t = Thresholds()
    for name, value in t.as_dict().items():
        assert Thresholds.from_overrides({name: value}) == t, name
        assert value > 0 or name in ("ua_min_baseline_ballots", "instant_max_seconds"), name


# --- purity ----------------------------------------------------------------------------------

def test_fraud_rules_import_no_framework():
    root = Path(__file__).resolve().parents[2] / "voting" / "fraud" / "domain"
    forbidden = {"flask", "flask_sqlalchemy", "sqlalchemy", "redis", "rq", "valkey"}
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text())
        roots = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        roots |= {n.module.split(".")[0] for n in ast.walk(tree)
                  if isinstance(n, ast.ImportFrom) and n.module and n.level == 0}
        assert not roots & forbidden, f"{path.name} imports {sorted(roots & forbidden)}"
        assert "random" not in roots and "time" not in roots, path.name
