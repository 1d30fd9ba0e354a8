"""The red-team campaign's blind spots (issue 15): accounts made one by one
over weeks that wake together for one entry (`dormant_wake`), and farms that
hide their target among ballots for the public's choices elsewhere
(camouflage, which `instant_single_vote` and `dormant_wake` see through).
Each with the honest crowd it resembles, which must not be held: the
opening day's crowd of people who registered before voting opened, and
newcomers voting within seconds where no mail confirmation slows them."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from tests.unit.test_fraud_rules import T0, Book, after, puppets
from voting.fraud.domain import rules
from voting.fraud.domain.records import VoteFacts
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


# --- the vote's opening (VoteFacts.opens) ---------------------------------------------

def opening_crowd(book: Book, count: int = 400, finalists: int = 8, hours: float = 4, seed: int = 11) -> set[int]:
    """Members who registered 3-40 days before voting opened at T0, one by
    one, voting in its first hours, concentrated on a few finalists."""
    rng = random.Random(seed)
    ids = set()
    for _ in range(count):
        at = T0 + timedelta(seconds=rng.uniform(0, hours * 3600))
        made = T0 - timedelta(days=rng.uniform(3, 40))
        v = book.voter()
        ids.add(book.add(at, v, entry=ENTRY + 2 * rng.randrange(finalists), created=made).id)
        if rng.random() < 0.4:
            ids.add(book.add(at + timedelta(seconds=50), v, entry=rng.randrange(100, 1000, 3), created=made).id)
    return ids


def test_the_opening_day_crowd_of_pre_registered_voters_is_not_held():
    book = Book()
    crowd = opening_crowd(book)
    # Without the opening, every one of them looks asleep for days (the pattern this guards against).
    assert dormant_wake(book.records, after(5 * 60), T)
    facts = VoteFacts(opens=T0)
    assert dormant_wake(book.records, after(5 * 60), T, facts=facts) == []
    verdicts = rules.assess(book.records, after(5 * 60), facts=facts).verdicts
    assert not any(verdicts.get(b) and verdicts[b].action == "hold" for b in crowd)


def test_an_aged_farm_woken_days_into_the_vote_is_still_held():
    book = Book()
    honest_traffic(book)
    farm = waking_crowd(book, 60, camouflage=2)
    facts = VoteFacts(opens=T0 - timedelta(days=4))
    assert f"entry:{ENTRY}" in {f.key for f in dormant_wake(book.records, after(9 * 60), T, facts=facts)}
    verdicts = rules.assess(book.records, after(9 * 60), facts=facts).verdicts
    assert all(verdicts[b].action == "hold" for b in farm)


def test_days_asleep_count_from_the_opening_for_accounts_made_before_it():
    book = Book()
    waking_crowd(book, 40, days=(20, 30))
    [f] = dormant_wake(book.records, after(5 * 60), T, facts=VoteFacts(opens=T0 - timedelta(days=3)))
    assert 3.0 <= f.evidence["median_days_asleep"] < 3.2


@pytest.mark.parametrize("hours_open", [2, 20])
def test_an_aged_farm_woken_within_a_day_of_the_opening_is_not_told_apart(hours_open):
    """The blind spot docs/fraud.md names: in the opening day, accounts made
    before it waking together are what the pre-registered crowd is."""
    book = Book()
    honest_traffic(book)
    waking_crowd(book, 60)
    assert dormant_wake(book.records, after(9 * 60), T, facts=VoteFacts(opens=T0 - timedelta(hours=hours_open))) == []


# --- instant_single_vote where voters need not confirm their address ------------------

def newcomers(book: Book, count: int = 600, hours: float = 6, quick: float = 0.06, seed: int = 13) -> set[int]:
    """A popular entry's newcomers after a post, without mail confirmation:
    each signs up and votes for it, a few within 30 seconds (a link straight
    to the entry, a password manager), the rest within minutes; from many
    networks, arriving fastest in the first hour."""
    rng = random.Random(seed)
    ids = set()
    for _ in range(count):
        made = T0 + timedelta(seconds=min(rng.expovariate(1 / 3600), hours * 3600))
        wait = rng.uniform(9, 29) if rng.random() < quick else 30 + rng.lognormvariate(4.1, 0.6)
        ids.add(book.add(made + timedelta(seconds=wait), entry=ENTRY, created=made,
                         ua=rng.choice(["ua-safari-ios", "ua-android", "ua-chrome-win", "ua-inapp"])).id)
    return ids


def test_quick_newcomers_without_mail_confirmation_are_not_held():
    book = Book()
    honest_traffic(book)
    book.background(T0 - timedelta(days=1), 32, 1500)  # the entry's baseline and everyone else
    wave = newcomers(book)
    unverified = VoteFacts(opens=T0 - timedelta(days=3), verified_email=False)
    [f] = [f for f in rules.instant_single_vote(book.records, after(8 * 60), T, facts=unverified)
           if f.key == f"entry:{ENTRY}"]
    assert f.evidence["accounts"] >= 2 * T.instant_min_cluster and f.strength == T.instant_unverified_strength
    verdicts = rules.assess(book.records, after(8 * 60), facts=unverified).verdicts
    assert not any(verdicts.get(b) and verdicts[b].action == "hold" for b in wave)
    # Where the address must be confirmed first, 30 seconds is a machine's time: held.
    verified = rules.assess(book.records, after(8 * 60), facts=VoteFacts(opens=T0 - timedelta(days=3))).verdicts
    assert {b for b in wave if verified.get(b) and verified[b].action == "hold"} == {b for b in f.ballot_ids}


def test_without_mail_confirmation_instant_accounts_hold_only_with_another_behaviour_signal():
    unverified = VoteFacts(verified_email=False)
    for device in (None, "phone-1"):  # sixteen accounts voting 5-20 s after sign-up; then all through one phone
        book, rng, farm = Book(), random.Random(17), set()
        for _ in range(16):
            made, v = after(rng.uniform(0, 300)), book.voter()
            farm.add(book.add(made + timedelta(seconds=rng.uniform(5, 20)), v, entry=9, created=made,
                              device=device).id)
        verdicts = rules.assess(book.records, after(400), facts=unverified).verdicts
        if device is None:
            assert [f.strength for f in rules.instant_single_vote(book.records, after(400), T, facts=unverified)
                    ] == [T.instant_unverified_strength]
            assert not any(v.action == "hold" for v in verdicts.values())
        else:
            assert all(verdicts[b].action == "hold" for b in farm)
            assert {"instant_single_vote", "shared_device"} <= set(verdicts[min(farm)].rules)
