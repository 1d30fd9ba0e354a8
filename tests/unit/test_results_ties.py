"""voting/results/domain/ties.py: the tie chain and its record."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voting.results.domain import ties
from voting.results.domain.ties import Traits

SEED = "9f" * 32


def test_the_draw_is_the_published_formula():
    assert ties.draw_key(SEED, "c1", 7) == hashlib.sha256(f"{SEED}:c1:7".encode()).hexdigest()
    assert ties.draw_key(SEED, "c1", 7) != ties.draw_key(SEED, "c2", 7)


def test_jury_score_then_draw():
    traits = {1: Traits(10, 8.5), 2: Traits(10, 9.0), 3: Traits(10, 9.0)}
    res = ties.resolve([(1, 2, 3)], ["jury_score", "draw"], traits, seed=SEED, category="c", stage="public",
                       cut_lines={"winner": 1})
    by_draw = sorted([2, 3], key=lambda e: ties.draw_key(SEED, "c", e))
    assert res.order == ((by_draw[0],), (by_draw[1],), (1,))
    (tie,) = res.ties
    assert tie.place == 1 and tie.entries == (*by_draw, 1)
    assert tie.decided_by == ("jury_score", "draw") and tie.unresolved == () and tie.cut_lines == ("winner",)


def test_scores_level_to_six_decimals_and_missing_values_last():
    traits = {1: Traits(None, 7.0000001), 2: Traits(None, 7.0), 3: Traits(None, None)}
    parts, used = ties.split([1, 2, 3], ["jury_score"], traits, seed=SEED, category="c")
    assert parts == [(1, 2), (3,)] and used == ("jury_score",)


def test_earliest_submission_compares_instants_not_strings():
    traits = {1: Traits(submitted_at="2021-03-01T12:00:00+02:00"),  # 10:00 UTC
              2: Traits(submitted_at="2021-03-01T11:00:00+00:00"),
              3: Traits(submitted_at="2021-03-01T10:30:00Z"),
              4: Traits(submitted_at=None)}
    parts, used = ties.split([4, 3, 2, 1], ["earliest_submission"], traits, seed=SEED, category="c")
    assert parts == [(1,), (3,), (2,), (4,)] and used == ("earliest_submission",)


def test_a_chain_without_the_draw_can_leave_a_tie_and_says_so():
    traits = {e: Traits(5, None) for e in (1, 2, 3, 4, 5, 6)}
    res = ties.resolve([(1,), (2,), (3,), (4,), (5, 6)], ["jury_score", "public_votes"], traits, seed=SEED,
                       category="c", stage="public", cut_lines={"champion": 5})
    assert res.order[-1] == (5, 6)
    (tie,) = res.ties
    assert tie.place == 5 and tie.decided_by == () and tie.unresolved == ((5, 6),)
    assert tie.cut_lines == ("champion",)  # the fifth place is shared: the cut runs through the tie


def test_a_tie_below_every_cut_line_straddles_none():
    traits = {e: Traits(1) for e in range(1, 5)}
    res = ties.resolve([(1,), (2,), (3, 4)], ["draw"], traits, seed=SEED, category="c", stage="public",
                       cut_lines={"winner": 1})
    assert res.ties[0].cut_lines == () and res.ties[0].place == 3


def test_unknown_or_repeated_rules_are_refused():
    with pytest.raises(ValueError):
        ties.validate_chain(["coin"])
    with pytest.raises(ValueError):
        ties.validate_chain(["draw", "draw"])


def test_total_order_skips_public_votes_and_ends_by_id():
    traits = {1: Traits(99, None), 2: Traits(1, 3.0), 3: Traits(50, None)}
    assert ties.total_order([3, 2, 1], ["public_votes", "jury_score"], traits, seed=SEED, category="c") == [2, 1, 3]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 10_000), min_size=1, max_size=30, unique=True), st.randoms(use_true_random=False),
       st.text(min_size=1, max_size=8))
def test_the_draw_gives_one_order_whatever_the_input_order(entries, random, category):
    shuffled = list(entries)
    random.shuffle(shuffled)
    traits = {e: Traits(0, None) for e in entries}
    a = ties.resolve([tuple(entries)], ties.DEFAULT_CHAIN, traits, seed=SEED, category=category, stage="public")
    b = ties.resolve([tuple(shuffled)], ties.DEFAULT_CHAIN, traits, seed=SEED, category=category, stage="public")
    assert a.order == b.order and a.ties == b.ties
    assert all(len(g) == 1 for g in a.order)
    assert [g[0] for g in a.order] == sorted(entries, key=lambda e: ties.draw_key(SEED, category, e))
