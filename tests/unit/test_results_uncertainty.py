"""voting/results/domain/uncertainty.py: the bootstrap of each cut line."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voting.results.domain import counting, uncertainty
from voting.results.domain.awards import AwardRules, Entry, decide_category

SEED = "5e" * 32


def entries(n: int) -> list[Entry]:
    return [Entry(i, f"Entry {i}") for i in range(1, n + 1)]


def assess_single(totals: dict[int, int], n: int, rules: AwardRules, jury=None, replicates=None, seed=SEED):
    count = counting.marks("single", range(1, n + 1), totals)
    d = decide_category("c", entries(n), rules, count=count, jury=jury, seed=seed)
    types = {(e,): v for e, v in totals.items()}
    return uncertainty.assess(d, method="single", count=count, types=types, rules=rules, seed=seed,
                              replicates=replicates)


def test_a_landslide_never_flips_and_a_dead_heat_flips_half_the_time():
    (landslide,) = assess_single({1: 9000, 2: 1000}, 2, AwardRules("public"))
    assert landslide.margin == 8000 and landslide.flip_probability == 0.0 and landslide.replicates == 1000
    (heat,) = assess_single({1: 5000, 2: 5000, 3: 10}, 3, AwardRules("public"))
    assert heat.margin == 0 and heat.flip_probability == pytest.approx(0.5, abs=0.06)
    (close,) = assess_single({1: 5050, 2: 4950}, 2, AwardRules("public"))
    assert 0.1 < close.flip_probability < 0.3  # 100 votes in 10,000: about 1.4 standard errors


def test_the_same_seed_gives_the_same_probabilities_and_another_seed_may_not():
    totals = {1: 500, 2: 490, 3: 480, 4: 470, 5: 460, 6: 455, 7: 100}
    rules = AwardRules("jury_among_champions")
    jury = {1: 5.0, 2: 6.0, 3: 7.0, 4: 8.0, 5: 9.0}
    a = assess_single(totals, 7, rules, jury)
    assert a == assess_single(dict(reversed(list(totals.items()))), 7, rules, jury)
    b = assess_single(totals, 7, rules, jury, seed="00" * 32)
    assert a[0].flip_probability != b[0].flip_probability
    champion, winner = a
    assert (champion.name, champion.above, champion.below, champion.margin) == ("champion", 5, 6, 5)
    assert 0.3 < champion.flip_probability < 0.5
    # the jury is not resampled
    assert (winner.name, winner.stage, winner.margin, winner.flip_probability) == ("winner", "jury", 1.0, None)


def test_hybrid_resamples_the_public_side_only():
    rules = AwardRules("hybrid", public_weight=0.5)
    lines = assess_single({1: 5000, 2: 4990, 3: 10}, 3, rules, jury={1: 5.0, 2: 5.0, 3: 1.0})
    (winner,) = lines
    assert winner.stage == "hybrid" and winner.margin == pytest.approx(0.5 * 10 / 4990, abs=1e-6)
    assert 0.3 < winner.flip_probability < 0.5
    (safe,) = assess_single({1: 5000, 2: 4990, 3: 10}, 3, rules, jury={1: 9.0, 2: 1.0, 3: 1.0})
    assert safe.flip_probability == 0.0


def test_no_ballots_nothing_to_resample():
    (line,) = assess_single({}, 2, AwardRules("public"))
    assert line.margin == 0 and line.flip_probability is None and line.replicates == 0


def test_approval_and_score_types():
    rules = AwardRules("public")
    types = {(1, 2): 300, (1,): 200, (2, 3): 100, (2,): 95}
    count = counting.marks("approval", [1, 2, 3], {1: 500, 2: 495, 3: 100}, ballots=695)
    d = decide_category("c", entries(3), rules, count=count, jury=None, seed=SEED)
    (line,) = uncertainty.assess(d, method="approval", count=count, types=types, rules=rules, seed=SEED)
    assert line.margin == 5 and 0.2 < line.flip_probability < 0.5
    stars = {((1, 5), (2, 1)): 40, ((2, 5),): 30, ((1, 2), (3, 4)): 10}
    p = uncertainty.prepare("score", [1, 2, 3], stars)
    scores, _ = uncertainty.evaluate(p, p.counts[None, :])
    assert scores[0].tolist() == [220.0, 190.0, 40.0]


@st.composite
def ranked_profiles(draw):
    n = draw(st.integers(1, 6))
    cands = list(range(20, 20 + n))
    profile: dict[tuple[int, ...], int] = {}
    for _ in range(draw(st.integers(0, 15))):
        order = draw(st.permutations(cands))
        key = tuple(order[:draw(st.integers(0, n))])
        profile[key] = profile.get(key, 0) + draw(st.integers(1, 4))
    return cands, profile, list(draw(st.permutations(cands)))


def position(order):
    return {e: i for i, g in enumerate(order) for e in g}


@settings(max_examples=120, deadline=None)
@given(ranked_profiles(), st.sampled_from(["irv", "schulze", "borda"]))
def test_the_vectorised_recount_equals_the_count(case, method):
    cands, profile, tie_order = case
    count = counting.count(method, cands, profile=profile, tie_order=tie_order)
    p = uncertainty.prepare(method, cands, profile)
    scores, strength = uncertainty.evaluate(p, p.counts[None, :], tie_order)
    assert dict(zip(p.candidates, scores[0].tolist())) == count.scores
    place = position(count.order)
    for a in cands:  # the same order: strength is higher exactly where the count places better
        for b in cands:
            ia, ib = p.candidates.index(a), p.candidates.index(b)
            assert (strength[0, ia] > strength[0, ib]) == (place[a] < place[b])


@pytest.mark.parametrize("method", ["irv", "schulze", "borda"])
def test_ranked_bootstrap_is_reproducible_and_sane(method):
    rng = np.random.default_rng(7)
    profile: dict[tuple[int, ...], int] = {}
    for _ in range(3000):
        # 1 is everybody's favourite by far; 2 and 3 are level for second
        first = 1 if rng.random() < 0.7 else int(rng.choice([2, 3]))
        rest = [int(x) for x in rng.permutation([c for c in (1, 2, 3, 4, 5) if c != first])][:2]
        key = (first, *rest)
        profile[key] = profile.get(key, 0) + 1
    rules = AwardRules("public")
    count = counting.count(method, [1, 2, 3, 4, 5], profile=profile, tie_order=[1, 2, 3, 4, 5])
    d = decide_category("c", entries(5), rules, count=count, jury=None, seed=SEED)
    a = uncertainty.assess(d, method=method, count=count, types=profile, rules=rules, seed=SEED, replicates=100)
    assert a == uncertainty.assess(d, method=method, count=count, types=profile, rules=rules, seed=SEED,
                                   replicates=100)
    (winner,) = a
    assert winner.above == 1 and winner.flip_probability == 0.0 and winner.margin > 0


def test_a_wsis_sized_single_vote_is_fast():
    rng = np.random.default_rng(1)
    rules = AwardRules("jury_among_champions")
    started = time.perf_counter()
    for c in range(18):
        n = 70 + (c % 3)  # 1,270 entries over 18 categories
        totals = {e: int(v) for e, v in enumerate(rng.multinomial(1_300_000 // 18, rng.dirichlet(np.ones(n))), 1)}
        count = counting.marks("single", range(1, n + 1), totals)
        d = decide_category(f"c{c}", entries(n), rules, count=count, jury={e: float(e % 10) for e in totals},
                            seed=SEED)
        lines = uncertainty.assess(d, method="single", count=count, types={(e,): v for e, v in totals.items()},
                                   rules=rules, seed=SEED)
        assert lines[0].replicates == 1000
    assert time.perf_counter() - started < 5  # about 0.3 s here; generous for a loaded CI machine
