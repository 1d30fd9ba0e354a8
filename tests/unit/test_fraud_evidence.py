"""Combined evidence: volume alone never holds, behaviour corroborates, modes
and thresholds per contest; and the rules that see what honest crowds do not
share (pageless, uniform_clients, sleeper_accounts)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import pytest

from tests.unit.test_fraud_rules import COMMON_UAS, T0, Book, after
from voting.fraud.domain import rules
from voting.fraud.domain.evidence import combine
from voting.fraud.domain.policy import KINDS, Policy, PolicyError
from voting.fraud.domain.records import Finding
from voting.fraud.domain.rules_clients import pageless, uniform_clients
from voting.fraud.domain.rules_sleepers import sleeper_accounts
from voting.fraud.domain.thresholds import Thresholds

T = Thresholds()


def f(rule: str, ids, strength: float, key: str = "k") -> Finding:
    return Finding(rule, key, frozenset(ids), {}, strength)


def two_ballots() -> Book:
    book = Book()
    book.add(after(0), entry=1)
    book.add(after(1), entry=2)
    return book


# --- combine ------------------------------------------------------------------------

def test_volume_alone_never_holds_however_many_volume_rules_agree():
    book = two_ballots()
    findings = [f(r, [1], 1.0) for r, kind in KINDS.items() if kind == "volume"]
    assert combine(findings, book.records) == {}  # capped: at most 0.4, with context 0.5
    assert combine(findings, book.records, Policy.from_spec(hold_threshold=0.2, flag_threshold=0.2))[1].action \
        == "flag"


def test_volume_corroborated_by_behaviour_holds_and_names_the_behaviour():
    book = two_ballots()
    verdicts = combine([f("burst", [1, 2], 0.4), f("uniform_clients", [1], 0.6)], book.records)
    assert verdicts[1].action == "hold" and verdicts[1].reason == "uniform_clients"
    assert verdicts[1].rules == ("uniform_clients", "burst")
    assert 2 not in verdicts  # the bystander: volume only, below the flag threshold


def test_a_rule_counts_once_per_ballot_with_its_strongest_finding():
    book = two_ballots()
    verdicts = combine([f("pageless", [1], 0.75, "a"), f("pageless", [1], 0.75, "b")], book.records)
    assert verdicts[1].score == pytest.approx(0.75 + 0.1 + 0.0)  # one entry; the account is two days old
    assert verdicts[1].action == "flag"  # 0.85: above the flag threshold, below the hold one


def test_context_adds_only_to_ballots_something_found():
    book = Book()
    fresh = book.add(after(0), entry=1, created=after(-5))
    assert combine([], book.records) == {}
    verdicts = combine([f("pageless", [fresh.id], 0.8)], book.records)
    assert verdicts[fresh.id].score == pytest.approx(1.0) and verdicts[fresh.id].action == "hold"


def test_policy_rules_hold_alone():
    book = two_ballots()
    assert combine([f("country", [2], 1.0)], book.records)[2].action == "hold"


def test_an_account_held_for_one_ballot_is_held_for_all():
    book = two_ballots()
    other = book.add(after(2), voter=book.records[0].voter_id, entry=7)
    verdicts = combine([f("shared_device", [1], 1.0)], book.records)
    assert verdicts[other.id].action == "hold" and verdicts[other.id].reason == "shared_device"
    assert 2 not in verdicts


def test_modes_flag_and_off():
    book = two_ballots()
    findings = [f("shared_device", [1, 2], 1.0), f("burst", [1], 0.4)]
    flag_only = Policy.from_spec({"shared_device": "flag"})
    verdicts = combine(findings, book.records, flag_only)
    assert {b: v.action for b, v in verdicts.items()} == {1: "flag", 2: "flag"}
    assert combine(findings, book.records, Policy.from_spec({"shared_device": "off"})) == {}
    assert combine(findings, book.records, Policy.from_spec(hold_threshold=2.0))[1].action == "flag"


def test_policy_from_spec_names_every_problem():
    with pytest.raises(PolicyError) as caught:
        Policy.from_spec({"nope": "hold", "burst": "maybe"}, hold_threshold="x", flag_threshold=0.01)
    assert set(caught.value.errors) == {"rules.nope", "rules.burst", "hold_threshold", "flag_threshold"}
    with pytest.raises(PolicyError) as caught:
        Policy.from_spec(hold_threshold=0.5, flag_threshold=0.8)
    assert set(caught.value.errors) == {"flag_threshold"}
    assert Policy.from_spec({"burst": "off"}, 1.5).mode("burst") == "off"


# --- pageless -------------------------------------------------------------------------

def test_pageless_ballots_for_one_entry_are_found_and_spread_ones_are_not():
    book = Book()
    book.background(T0, 24, 400)
    script = [book.add(after(40 * k), entry=9, created=after(40 * k - 300)) for k in range(10)]
    spread = [book.add(after(30 * k + 7), entry=200 + k) for k in range(12)]
    for r in script + spread:
        book.records[r.id - 1] = replace(r, flags=("no_page",))
    book.records[script[0].id - 1] = replace(script[0], flags=("no_script",))
    found = pageless(book.records, after(60 * 24), T)
    assert [x.key for x in found] == ["entry:9"]
    assert found[0].ballot_ids == {r.id for r in script}
    assert found[0].evidence["no_script"] == 1 and found[0].strength >= 0.8
    verdicts = rules.assess(book.records, after(60 * 24)).verdicts
    assert all(verdicts[r.id].action == "hold" for r in script)  # fresh, one entry: 0.8 + 0.2
    assert not any(r.id in verdicts for r in spread)


# --- uniform_clients ----------------------------------------------------------------

def crowd_book(ua=None, page=None, beat=None, n: int = 40) -> tuple[Book, list, list]:
    """A background, and a burst of `n` voters for entry 5 from three /24s, with a
    few honest bystanders voting for entry 5 at the same time."""
    rng = random.Random(3)
    book = Book()
    book.background(T0 - timedelta(hours=30), 30, 3000)
    crowd = []
    for k in range(n):
        made = after(-600 + (beat * k if beat else rng.uniform(0, 500)))
        r = book.add(after(k * 0.2), entry=5, prefix=f"203.0.{k % 3}.0/24", created=made,
                     ua=ua or rng.choice(COMMON_UAS))
        seconds = page if page else rng.lognormvariate(3.2, 0.8)
        book.records[r.id - 1] = crowd.append(replace(r, page_seconds=seconds * rng.uniform(0.95, 1.05))) or crowd[-1]
    bystanders = [book.add(after(3 + k), entry=5, ua="ua-firefox") for k in range(3)]
    return book, crowd, bystanders


def test_a_crowd_of_people_has_no_uniform_clients():
    book, crowd, _ = crowd_book()
    assert rules.burst(book.records, after(10), T)  # volume: yes
    assert uniform_clients(book.records, after(10), T) == []


def test_one_rare_user_agent_marks_only_the_crowd_not_the_bystanders():
    book, crowd, bystanders = crowd_book(ua="ua-headless")
    found = uniform_clients(book.records, after(10), T)
    assert found and "few_user_agents" in found[0].evidence["tests"]
    marked = set().union(*(x.ballot_ids for x in found))
    assert {r.id for r in crowd} <= marked and not marked & {r.id for r in bystanders}
    assert found[0].strength == pytest.approx(T.uniform_ua_strength)


def test_page_times_bunched_around_a_set_sleep_and_accounts_made_on_a_beat():
    book, crowd, _ = crowd_book(page=12.0, beat=15)
    found = uniform_clients(book.records, after(10), T)
    tests = set().union(*(x.evidence["tests"] for x in found))
    assert {"page_time", "creation_beat"} <= tests
    verdicts = rules.assess(book.records, after(10)).verdicts
    assert all(verdicts[r.id].action == "hold" for r in crowd)


# --- sleeper_accounts --------------------------------------------------------------

def sleeper_book(asleep_days: float, batch_minutes: float = 60) -> tuple[Book, list]:
    book = Book()
    book.background(T0 - timedelta(days=3), 72, 800)
    made = T0 - timedelta(days=asleep_days)
    woke = [book.add(after(10 * k), entry=12, created=made + timedelta(minutes=batch_minutes * k / 30))
            for k in range(30)]
    return book, woke


def test_a_batch_made_weeks_ago_that_wakes_for_one_entry_is_found():
    book, woke = sleeper_book(asleep_days=20)
    found = sleeper_accounts(book.records, after(600), T)
    assert [x.key for x in found] == ["entry:12"]
    assert found[0].ballot_ids == {r.id for r in woke}
    assert found[0].strength == T.sleeper_strength and found[0].evidence["batch_share"] == 1.0


def test_supporters_who_sign_up_and_vote_at_once_are_no_sleepers():
    book, woke = sleeper_book(asleep_days=0.2)
    assert sleeper_accounts(book.records, after(600), T) == []


# --- assess ---------------------------------------------------------------------------

def test_the_final_sweep_judges_accounts_that_have_not_settled():
    book = Book()
    for k in range(10):
        book.add(after(k), entry=3, created=after(k) - timedelta(seconds=5))
    assert not rules.assess(book.records, after(12)).findings
    final = rules.assess(book.records, after(12), final=True)
    assert {x.rule for x in final.findings} == {"instant_single_vote"}
    assert all(v.action == "hold" for v in final.verdicts.values())


def test_rules_set_off_report_nothing():
    book = Book()
    for k in range(10):
        book.add(after(k), entry=3, created=after(k) - timedelta(seconds=5))
    quiet = rules.assess(book.records, after(12), policy=Policy.from_spec({"instant_single_vote": "off"}),
                         final=True)
    assert quiet.findings == [] and quiet.verdicts == {}


# --- what the review of the first version found ----------------------------------------

def test_single_entry_is_judged_over_every_ballot_of_the_voter_not_only_the_found_ones():
    book = Book()
    voter = book.voter()
    found = book.add(after(0), voter, entry=1, created=after(-5))
    book.add(after(1), voter, entry=2, created=after(-5))
    book.add(after(2), voter, entry=3, created=after(-5))
    verdict = combine([f("pageless", [found.id], 0.8)], book.records)[found.id]
    assert verdict.score == pytest.approx(0.9) and verdict.action == "flag"  # fresh, but not single-entry


def test_a_sleeper_batch_is_dedicated_or_not_group_by_group():
    book, woke = sleeper_book(asleep_days=20)
    # An organisation's sign-up batch ten days earlier: 100 accounts, 80 voted at once; every fifth
    # woke for entry 12 with the farm.
    made = T0 - timedelta(days=10)
    org = []
    for k in range(100):
        v = book.voter()
        if k % 5:
            book.add(made + timedelta(minutes=k * 0.6 + 1), v, entry=400 + k % 7, created=made + timedelta(minutes=k * 0.6))
        else:
            org.append(book.add(after(300 + k), v, entry=12, created=made + timedelta(minutes=k * 0.6)))
    found = sleeper_accounts(book.records, after(600), T)
    assert found and found[0].ballot_ids == {r.id for r in woke}


def test_a_volume_rule_set_off_lends_no_crowd_to_uniform_clients():
    book, crowd, _ = crowd_book(page=12.0, beat=15)
    volume_off = Policy.from_spec({r: "off" for r, kind in KINDS.items() if kind == "volume"})
    quiet = rules.assess(book.records, after(10), policy=volume_off)
    assert not any(x.rule == "uniform_clients" for x in quiet.findings)
    assert any(x.rule == "uniform_clients" for x in rules.assess(book.records, after(10)).findings)


def test_the_lookback_covers_every_window():
    t = Thresholds.from_overrides({"prefix_days_window_seconds": 30 * 86400})
    assert rules.lookback_seconds(t) >= 30 * 86400
