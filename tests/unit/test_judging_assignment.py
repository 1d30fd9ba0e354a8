"""Judging assignment (judging/domain/assignment.py): coverage, balance, expertise,
never a conflict, reproducible from the seed, shortages said, minimal repair."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given, settings, strategies as st

from judging.domain.assignment import Entry, Judge, Plan, Shortage, assign, reassign

PROPERTY = settings(max_examples=100, deadline=None, derandomize=True, database=None)


def hackathon(areas: int = 4, per_area: int = 30) -> list[Entry]:
    return [Entry(a * 100 + i, f"area{a}") for a in range(areas) for i in range(per_area)]


def allowed(entries, judges, conflicts):
    """(judge, entry) pairs the rules permit."""
    cat = {e.id: e.category for e in entries}
    return {(j.id, e) for j in judges for e in cat if (j.id, e) not in conflicts and j.may_judge(cat[e])}


def check_plan(plan: Plan, entries, judges, conflicts, k):
    ok = allowed(entries, judges, conflicts)
    assert plan.pairs <= ok, "a conflict or an ineligible judge was assigned"
    loads = Counter(j for j, _ in plan.pairs)
    short = {s.entry: s for s in plan.shortages}
    for e in entries:
        eligible = sum(1 for j in judges if (j.id, e.id) in ok)
        got = len(plan.judges_of(e.id))
        assert got == min(k, eligible)
        if eligible < k:
            assert short[e.id] == Shortage(e.id, e.category, k, eligible)
        else:
            assert e.id not in short
    # Balance: nobody holds work another could take while carrying two fewer.
    for j, e in plan.pairs:
        for other in judges:
            if (other.id, e) in ok and (other.id, e) not in plan.pairs:
                assert loads[j] - loads[other.id] <= 1, (j, other.id, e)


def test_every_entry_gets_distinct_judges_and_loads_within_one():
    entries = hackathon()
    judges = [Judge(i) for i in range(1, 25)]
    plan = assign(entries, judges, (), 3, random.Random(7))
    assert not plan.shortages
    assert all(len(plan.judges_of(e.id)) == 3 for e in entries)
    loads = plan.loads()
    assert set(loads) == {j.id for j in judges}
    assert max(loads.values()) - min(loads.values()) <= 1  # 360 assignments over 24 judges: 15 each
    check_plan(plan, entries, judges, set(), 3)


def test_a_conflict_is_never_assigned_even_when_it_leaves_an_entry_short():
    entries = [Entry(1, "c1"), Entry(2, "c1")]
    judges = [Judge(10), Judge(11), Judge(12)]
    conflicts = {(10, 1), (11, 1)}
    plan = assign(entries, judges, conflicts, 2, random.Random(1))
    assert plan.judges_of(1) == (12,)
    assert plan.shortages == (Shortage(1, "c1", 2, 1),)
    assert not plan.pairs & conflicts


def test_judges_with_expertise_judge_only_their_categories_and_go_first():
    entries = [Entry(1, "frailty"), Entry(2, "frailty"), Entry(3, "finance"), Entry(4, "finance")]
    judges = [Judge(1, frozenset({"frailty"})), Judge(2, frozenset({"frailty"})), Judge(3), Judge(4)]
    plan = assign(entries, judges, (), 1, random.Random(3))
    # Equal loads everywhere (one each), and the frailty entries went to the frailty experts.
    assert {plan.judges_of(1)[0], plan.judges_of(2)[0]} == {1, 2}
    assert {plan.judges_of(3)[0], plan.judges_of(4)[0]} == {3, 4}


def test_a_category_without_enough_experts_or_generalists_is_reported_short():
    entries = [Entry(1, "photo"), Entry(2, "video")]
    judges = [Judge(1, frozenset({"photo"})), Judge(2, frozenset({"photo"})), Judge(3, frozenset({"video"}))]
    plan = assign(entries, judges, (), 2, random.Random(0))
    assert plan.judges_of(1) == (1, 2)
    assert plan.judges_of(2) == (3,)
    assert plan.shortages == (Shortage(2, "video", 2, 1),)


def test_more_judges_per_entry_than_judges_is_a_shortage_everywhere():
    plan = assign([Entry(1, "c"), Entry(2, "c")], [Judge(1), Judge(2)], (), 3, random.Random(0))
    assert [s.got for s in plan.shortages] == [2, 2]


def test_the_seed_decides_the_plan_not_the_input_order():
    entries = hackathon(2, 10)
    judges = [Judge(i, frozenset({"area0"}) if i % 3 == 0 else frozenset()) for i in range(1, 9)]
    conflicts = [(1, 3), (2, 104), (4, 5)]
    plan = assign(entries, judges, conflicts, 2, random.Random(42))
    shuffled = random.Random(9)
    for _ in range(5):
        es, js, cs = entries[:], judges[:], conflicts[:]
        shuffled.shuffle(es), shuffled.shuffle(js), shuffled.shuffle(cs)
        assert assign(es, js, cs, 2, random.Random(42)) == plan
    others = {assign(entries, judges, conflicts, 2, random.Random(s)).pairs for s in range(10)}
    assert len(others) > 1  # the seed matters: ties are broken by chance, not by id


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        assign([Entry(1, "c")], [Judge(1)], (), 0, random.Random(0))
    with pytest.raises(ValueError):
        assign([Entry(1, "c"), Entry(1, "d")], [Judge(1)], (), 1, random.Random(0))


# --- property tests -------------------------------------------------------------

@st.composite
def situations(draw):
    cats = [f"c{i}" for i in range(draw(st.integers(1, 4)))]
    entries = [Entry(i, draw(st.sampled_from(cats))) for i in range(draw(st.integers(1, 30)))]
    judges = [Judge(100 + i, frozenset(draw(st.lists(st.sampled_from(cats), max_size=2))))
              for i in range(draw(st.integers(1, 12)))]
    pairs = [(j.id, e.id) for j in judges for e in entries]
    conflicts = set(draw(st.lists(st.sampled_from(pairs), max_size=len(pairs) // 4)))
    return entries, judges, conflicts, draw(st.integers(1, 4)), draw(st.integers(0, 2**32 - 1))


@PROPERTY
@given(situations())
def test_property_coverage_balance_eligibility_no_conflict(situation):
    entries, judges, conflicts, k, seed = situation
    plan = assign(entries, judges, conflicts, k, random.Random(seed))
    check_plan(plan, entries, judges, conflicts, k)


@PROPERTY
@given(situations(), st.randoms(use_true_random=False))
def test_property_reproducible_whatever_the_input_order(situation, shuffler):
    entries, judges, conflicts, k, seed = situation
    plan = assign(entries, judges, conflicts, k, random.Random(seed))
    es, js, cs = entries[:], judges[:], list(conflicts)
    shuffler.shuffle(es), shuffler.shuffle(js), shuffler.shuffle(cs)
    assert assign(es, js, cs, k, random.Random(seed)) == plan


@PROPERTY
@given(situations(), st.data())
def test_property_reassignment_touches_only_what_it_must(situation, data):
    entries, judges, conflicts, k, seed = situation
    plan = assign(entries, judges, conflicts, k, random.Random(seed))
    pairs = sorted(plan.pairs)
    locked = set(data.draw(st.lists(st.sampled_from(pairs), max_size=len(pairs) // 2))) if pairs else set()
    gone = set(data.draw(st.lists(st.sampled_from([j.id for j in judges]), max_size=2)))
    declared = set(data.draw(st.lists(st.sampled_from(pairs), max_size=3))) if pairs else set()
    still = [j for j in judges if j.id not in gone]
    now = conflicts | declared
    r = reassign(plan, entries, still, now, random.Random(seed + 1), locked=locked)

    assert not r.plan.pairs & now
    assert r.plan.pairs == (plan.pairs - set(r.removed)) | set(r.added)
    assert not set(r.added) & plan.pairs
    # Only invalid pairs leave: a declared conflict, or a departed judge's unscored work.
    for j, e in r.removed:
        assert (j, e) in now or (j in gone and (j, e) not in locked)
    assert set(r.voided) == set(r.removed) & locked
    # Locked work of departed judges stays; replacements only where something left or was short.
    assert {(j, e) for j, e in locked if j in gone and (j, e) not in now} <= r.plan.pairs
    touched = {e for _, e in r.removed} | {s.entry for s in plan.shortages}
    assert {e for _, e in r.added} <= touched
    ok = allowed(entries, still, now)
    for e in entries:
        held = len(r.plan.judges_of(e.id))
        assert held >= min(k, len({j for j, x in ok if x == e.id} | {j for j, x in r.plan.pairs if x == e.id}))


def test_a_declared_conflict_moves_one_assignment_to_a_least_loaded_judge():
    entries = hackathon(1, 12)
    judges = [Judge(i) for i in range(1, 7)]
    plan = assign(entries, judges, (), 2, random.Random(5))  # 24 assignments, 4 each
    judge, entry = sorted(plan.pairs)[0]
    r = reassign(plan, entries, judges, {(judge, entry)}, random.Random(6))
    assert r.removed == ((judge, entry),) and r.voided == ()
    assert len(r.added) == 1 and r.added[0][1] == entry
    assert r.plan.pairs - {r.added[0]} == plan.pairs - {(judge, entry)}
    before = plan.loads()
    candidates = [j.id for j in judges if j.id != judge and j.id not in plan.judges_of(entry)]
    assert before[r.added[0][0]] == min(before[j] for j in candidates)


def test_a_judge_dropping_out_keeps_their_scored_work_and_loses_the_rest():
    entries = hackathon(1, 12)
    judges = [Judge(i) for i in range(1, 7)]
    plan = assign(entries, judges, (), 2, random.Random(5))
    theirs = plan.entries_of(3)
    scored = {(3, theirs[0]), (3, theirs[1])}
    r = reassign(plan, entries, [j for j in judges if j.id != 3], (), random.Random(1), locked=scored)
    assert set(r.removed) == {(3, e) for e in theirs[2:]}
    assert scored <= r.plan.pairs
    assert {e for _, e in r.added} == set(theirs[2:])
    assert all(len(r.plan.judges_of(e.id)) == 2 for e in entries)


def test_a_conflict_found_after_scoring_voids_the_score():
    entries = [Entry(1, "c"), Entry(2, "c")]
    judges = [Judge(1), Judge(2), Judge(3)]
    plan = assign(entries, judges, (), 2, random.Random(0))
    judge = plan.judges_of(1)[0]
    r = reassign(plan, entries, judges, {(judge, 1)}, random.Random(0), locked={(judge, 1)})
    assert r.voided == ((judge, 1),) and (judge, 1) not in r.plan.pairs
    assert len(r.plan.judges_of(1)) == 2


def test_reassign_says_when_no_replacement_exists():
    entries = [Entry(1, "c")]
    plan = assign(entries, [Judge(1), Judge(2)], (), 2, random.Random(0))
    r = reassign(plan, entries, [Judge(1), Judge(2)], {(2, 1)}, random.Random(0))
    assert r.added == () and r.plan.shortages == (Shortage(1, "c", 2, 1),)
