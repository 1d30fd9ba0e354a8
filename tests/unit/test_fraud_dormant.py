"""The red-team campaign's blind spots (issue 15): accounts made one by one
over weeks that wake together for one entry (`dormant_wake`), and farms that
hide their target among ballots for the public's choices elsewhere
(camouflage, which `instant_single_vote` and `dormant_wake` see through).
Each with the honest crowd it resembles, which must not be held."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from tests.unit.test_fraud_rules import T0, Book, after, puppets
from voting.fraud.domain import rules
from voting.fraud.domain.rules_dormant import dormant_wake
from voting.fraud.domain.thresholds import Thresholds

T = Thresholds()
ENTRY = 1207


def honest_traffic(book: Book, hours: float = 8, count: int = 300, seed: int = 3) -> None:
    """People voting through the day for many entries: most made their account
    minutes before, one in six days to weeks before (early registrants)."""
    rng = random.Random(seed)
    for _ in range(count):
        at = T0 + timedelta(seconds=rng.uniform(0, hours * 3600))
        made = at - (timedelta(days=rng.uniform(2.5, 30)) if rng.random() < 0.17 else timedelta(minutes=5))
        v = book.voter()
        for k, entry in enumerate(rng.sample(range(100, 1900, 7), rng.randint(1, 4))):
            book.add(at + timedelta(seconds=40 * k), v, entry=entry, created=made)


def waking_crowd(book: Book, count: int, days: tuple[float, float] = (3, 50), hours: float = 4, seed: int = 5,
                 camouflage: int = 0, entry: int = ENTRY) -> set[int]:
    """Accounts each made at its own time `days` before, voting for `entry`
    within `hours`; with `camouflage`, that many ballots for leaders elsewhere."""
    rng = random.Random(seed)
    ids = set()
    for _ in range(count):
        at = T0 + timedelta(seconds=rng.uniform(0, hours * 3600))
        v = book.voter()
        made = at - timedelta(days=rng.uniform(*days))
        ids.add(book.add(at, v, entry=entry, created=made).id)
        for k in range(camouflage):
            ids.add(book.add(at + timedelta(seconds=30 * (k + 1)), v, entry=(k + 2) * 100, created=made).id)
    return ids


def test_accounts_made_over_weeks_waking_together_for_one_entry_are_held():
    book = Book()
    honest_traffic(book)
    farm = waking_crowd(book, 60)
    [f] = dormant_wake(book.records, after(9 * 60), T)
    assert f.key == f"entry:{ENTRY}" and f.ballot_ids == farm
    assert f.evidence["peak_waking_voters"] == 60 and f.strength == 1.0
    verdicts = rules.assess(book.records, after(9 * 60)).verdicts
    assert all(verdicts[b].action == "hold" and verdicts[b].reason == "dormant_wake" for b in farm)
    assert all(v.action != "hold" for b, v in verdicts.items() if b not in farm)


def test_camouflage_ballots_elsewhere_do_not_hide_the_wake_up():
    book = Book()
    honest_traffic(book)
    farm = waking_crowd(book, 60, camouflage=3)
    verdicts = rules.assess(book.records, after(9 * 60)).verdicts
    assert all(verdicts[b].action == "hold" for b in farm)  # the target found, the account held whole


def test_strength_grows_from_the_minimum_to_twice_it():
    book = Book()
    waking_crowd(book, T.dormant_min_voters)
    [f] = dormant_wake(book.records, after(9 * 60), T)
    assert f.strength == pytest.approx(0.8)


@pytest.mark.parametrize("crowd", [
    {"days": (0.001, 0.05)},    # a supporter wave after a post: fresh accounts
    {"days": (330, 400)},       # last year's supporters, re-mobilised by a post
    {"count": 20},              # a handful of early registrants for the entry: below the minimum
])
def test_honest_look_alikes_are_not_found(crowd):
    book = Book()
    honest_traffic(book)
    waking_crowd(book, crowd.get("count", 60), crowd.get("days", (3, 50)))
    assert dormant_wake(book.records, after(9 * 60), T) == []


def test_a_mailing_whose_supporters_partly_registered_before_is_not_found():
    book = Book()
    honest_traffic(book)
    waking_crowd(book, 40, seed=8)                       # registered days or weeks before
    waking_crowd(book, 80, days=(0.001, 0.05), seed=9)    # and twice as many made their account now
    assert dormant_wake(book.records, after(9 * 60), T) == []


def test_early_registrants_spread_over_the_entries_are_not_found():
    book = Book()
    rng = random.Random(4)
    for _ in range(200):  # the first morning: everyone who signed up before the vote opened
        at = T0 + timedelta(seconds=rng.uniform(0, 4 * 3600))
        book.add(at, entry=rng.choice(range(100, 1900, 50)), created=at - timedelta(days=rng.uniform(3, 20)))
    assert dormant_wake(book.records, after(5 * 60), T) == []


def test_an_early_voter_coming_back_days_later_is_not_waking():
    book = Book()
    rng = random.Random(6)
    for k in range(40):  # registered early, first voted days ago for many entries; back today for one entry
        v, first = book.voter(), T0 - timedelta(days=rng.uniform(1, 6))
        made = first - timedelta(days=rng.uniform(3, 20))
        book.add(first, v, entry=300 + k, created=made)
        book.add(after(rng.uniform(0, 120)), v, entry=ENTRY, created=made)
    assert dormant_wake(book.records, after(180), T) == []


# --- instant_single_vote through camouflage -------------------------------------------

def test_puppets_voting_seconds_after_sign_up_are_found_through_camouflage():
    book = Book()
    farm = puppets(book, 16, 5, others=6)
    found = rules.instant_single_vote(book.records, after(16 * 10 + 60), T)
    target = [f for f in found if f.key == "entry:9"]
    assert target and target[0].strength == 1.0  # twice the minimum
    verdicts = rules.assess(book.records, after(16 * 10 + 60)).verdicts
    assert farm <= {b for b, v in verdicts.items() if v.action == "hold"}
    assert len([b for b, v in verdicts.items() if v.action == "hold"]) == 16 * 7  # their camouflage too


def test_instant_strength_starts_at_its_minimum():
    book = Book()
    puppets(book, T.instant_min_cluster, 5)
    [f] = rules.instant_single_vote(book.records, after(200), T)
    assert f.strength == pytest.approx(0.8)
