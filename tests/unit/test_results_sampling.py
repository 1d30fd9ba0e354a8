"""voting/results/domain/sampling.py: the bootstrap's own samplers, made from
PCG64's raw words only, so a numpy upgrade cannot move a flip probability."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import special, stats

from voting.results.domain import counting, sampling, uncertainty
from voting.results.domain.awards import AwardRules, Entry, decide_category
from voting.results.domain.snapshot import CategoryInput, ContestRules, decide_contest

SOURCE = Path(sampling.__file__)


def abc():
    return uncertainty.generator("abc", "cat")


def assess_single(totals: dict[int, int], seed: str = "abc", replicates=None):
    n = len(totals)
    rules = AwardRules("public")
    count = counting.marks("single", range(1, n + 1), totals)
    d = decide_category("c", [Entry(i, f"Entry {i}") for i in range(1, n + 1)], rules, count=count, jury=None,
                        seed=seed)
    return uncertainty.assess(d, method="single", count=count, types={(e,): v for e, v in totals.items()},
                              rules=rules, seed=seed, replicates=replicates)


# -- golden values -------------------------------------------------------------------------------
# Pinned outputs for the seed "abc" (category "cat"). They were produced by this sampler once, and
# every other test here checks that it draws the right distributions. The raw words are numpy's
# promise (PCG64 and its seeding from an int: a fixed seed always gives the same integer stream);
# everything after them is ours. Nothing may change them silently: a deliberate change of the sampler
# updates these values AND sampling.SAMPLER (which goes into every snapshot's rules), in one commit.

def test_golden_values_for_seed_abc():
    assert sampling.SAMPLER == "pcg64-raw/binomial-v1", "changed the sampler? then change the golden values too"
    words = [int(w) for w in abc().bit_generator.random_raw(3)]
    assert words == [17760338682578395548, 16360095006082355197, 15577948338560497363]
    # every sampler starts from (word >> 11) * 2**-53, exactly
    assert sampling.uniforms(abc(), 3).tolist() == [(w >> 11) * 2.0 ** -53 for w in words]
    assert sampling.integers(abc(), 1000, 8).tolist() == [962, 886, 844, 342, 331, 231, 593, 434]
    # the normal regime at the top of this tree (variance 1,600), and the exact one (n = 20)
    assert sampling.multinomial(abc(), 10_000, [50, 30, 15, 5], 3).tolist() == [
        [4903, 3026, 1533, 538], [5029, 2987, 1502, 482], [5002, 2989, 1488, 521]]
    assert sampling.multinomial(abc(), 20, [1, 2, 3, 4], 3).tolist() == [[5, 5, 6, 4], [1, 4, 5, 10], [2, 4, 8, 6]]
    u = sampling.uniforms(abc(), 4)
    assert sampling.binomial([10, 40, 100_000, 1_000_000], [0.3, 0.9, 0.5, 0.01], u).tolist() == [6, 34, 50160, 9960]
    # end to end: the multinomial path (10,000 ballots, 2 types) and the ballot-by-ballot one (25 ballots, 3 types)
    (line,) = assess_single({1: 5050, 2: 4950})
    assert (line.flip_probability, line.replicates) == (0.163, 1000)
    (line,) = assess_single({1: 12, 2: 10, 3: 3})
    assert (line.flip_probability, line.replicates) == (0.306, 1000)


def test_the_golden_binomials_are_what_the_definitions_say():
    # the same four draws as above, from scipy's independent implementations of the same definitions:
    # exact inversion = the binomial quantile; normal = floor(mean + sd * quantile + 1/2)
    u = sampling.uniforms(abc(), 4)
    assert stats.binom.ppf(u[0], 10, 0.3) == 6
    assert 40 - stats.binom.ppf(u[1], 40, 0.1) == 34  # p > 1/2: n minus a draw for 1 - p
    for n, p, ui, want in ((100_000, 0.5, u[2], 50160), (1_000_000, 0.01, u[3], 9960)):
        assert math.floor(n * p + math.sqrt(n * p * (1 - p)) * special.ndtri(ui) + 0.5) == want


def test_only_the_raw_words_are_used():
    class RawOnly:  # no Generator methods at all: only the bit generator's raw stream
        def __init__(self):
            self.bits = abc().bit_generator

        def random_raw(self, size):
            return self.bits.random_raw(size)

    for method, types in (("single", {(1,): 600, (2,): 500, (3,): 100}),
                          ("irv", {(1, 2): 3, (2, 1): 2, (3,): 1, (2, 3): 2, (1, 3): 1})):
        p = uncertainty.prepare(method, [1, 2, 3], types)
        order = [1, 2, 3] if method == "irv" else None
        a = uncertainty.bootstrap(p, 50, abc(), order)
        b = uncertainty.bootstrap(p, 50, RawOnly(), order)
        c = uncertainty.bootstrap(p, 50, np.random.PCG64(abc().bit_generator.seed_seq), order)
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) and np.array_equal(a[0], c[0])


def test_the_module_uses_no_transcendental_function_nor_numpy_distributions():
    tree = ast.parse(SOURCE.read_text())
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported <= {"__future__", "typing", "numpy"}
    used = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)
            and isinstance(n.value, ast.Name) and n.value.id == "np"}
    assert not used & {"exp", "log", "log1p", "log2", "expm1", "power", "float_power", "random", "sum", "mean",
                       "dot", "matmul", "erf", "sin", "cos"}


# -- the draws' distributions --------------------------------------------------------------------

@pytest.mark.parametrize("n, weights", [(1000, [1, 2, 3, 4, 10]), (12, [5, 0, 1, 1, 3, 7, 2]),
                                        (100_000, [700, 300])])
def test_multinomial_sums_to_n_with_the_right_mean_and_variance(n, weights):
    reps = 20_000
    x = sampling.multinomial(np.random.PCG64(11), n, weights, reps)
    assert x.shape == (reps, len(weights)) and x.dtype == np.int64
    assert (x.sum(axis=1) == n).all() and (x >= 0).all()
    p = np.array(weights) / sum(weights)
    var = n * p * (1 - p)
    se = np.sqrt(var / reps)
    assert np.all(np.abs(x.mean(axis=0) - n * p) <= 5 * se + 1e-12)
    live = var > 0
    assert np.allclose(x.var(axis=0)[live], var[live], rtol=0.06)
    assert (x[:, ~live] == 0).all()
    # and the covariances, -n p_i p_j
    c = np.cov(x.T)
    i, j = 0, len(weights) - 1
    assert abs(c[i, j] + n * p[i] * p[j]) <= 5 * math.sqrt(var[i] * var[j] / reps)


def test_multinomial_edges_and_chunking():
    assert sampling.multinomial(np.random.PCG64(1), 7, [3], 4).tolist() == [[7]] * 4
    assert sampling.multinomial(np.random.PCG64(1), 0, [3, 4], 2).tolist() == [[0, 0], [0, 0]]
    assert sampling.multinomial(np.random.PCG64(1), 5, [0, 2, 0], 2).tolist() == [[0, 5, 0], [0, 5, 0]]
    with pytest.raises(ValueError):
        sampling.multinomial(np.random.PCG64(1), 5, [0.5, 0.5], 2)
    with pytest.raises(ValueError):
        sampling.multinomial(np.random.PCG64(1), 5, [0, 0], 2)
    # a block of replicates equals the same replicates drawn one at a time, and uses T-1 words each
    one, many = np.random.PCG64(5), np.random.PCG64(5)
    block = sampling.multinomial(many, 300, [4, 1, 9, 2, 2], 10)
    singles = np.vstack([sampling.multinomial(one, 300, [4, 1, 9, 2, 2], 1) for _ in range(10)])
    assert np.array_equal(block, singles)
    assert many.random_raw() == one.random_raw() == np.random.PCG64(5).advance(10 * 4).random_raw()


def test_the_bootstrap_does_not_depend_on_how_many_replicates_are_drawn_at_once(monkeypatch):
    for types in ({(1,): 600, (2,): 500, (3,): 100}, {(1,): 3, (2,): 2, (3,): 1}):
        p = uncertainty.prepare("single", [1, 2, 3], types)
        whole = uncertainty.bootstrap(p, 30, abc())
        monkeypatch.setattr(uncertainty, "CELLS_PER_CHUNK", 7)  # 2 replicates a chunk
        assert np.array_equal(uncertainty.bootstrap(p, 30, abc())[0], whole[0])
        monkeypatch.undo()


@pytest.mark.parametrize("n, p", [(400, 0.25), (10_000, 0.008), (300, 0.6), (160, 0.5)])
def test_binomial_exact_and_normal_regimes_agree(n, p):
    # the same uniforms through both regimes (the exact one forced, the normal one forced)
    var = n * p * (1 - p)
    assert 35 < var < 200
    u = sampling.uniforms(np.random.PCG64(3), 50_000)
    exact = sampling.binomial(n, p, u, normal_above=200)
    normal = sampling.binomial(n, p, u, normal_above=1)
    for x in (exact, normal):
        assert abs(x.mean() - n * p) < 5 * math.sqrt(var / len(u))
        assert x.var() == pytest.approx(var, rel=0.05)
    assert abs(exact.mean() - normal.mean()) < 0.1 and exact.var() == pytest.approx(normal.var(), rel=0.02)
    # draw for draw (the same uniform) they mostly agree, and differ by more than one only in the tails
    gap = np.abs(exact - normal)
    assert np.mean(gap == 0) > 0.8 and np.mean(gap > 1) < 0.005 and gap.max() <= 3
    # and as distributions: on an even grid of uniforms, the largest gap of the distribution functions
    grid = (np.arange(1 << 16) + 0.5) / (1 << 16)
    ks = np.arange(n + 1)
    cdf = np.searchsorted(np.sort(sampling.binomial(n, p, grid, normal_above=1)), ks, side="right") / len(grid)
    assert np.abs(cdf - stats.binom.cdf(ks, n, p)).max() < 0.01


@pytest.mark.parametrize("n, p", [(1, 0.3), (7, 0.5), (30, 0.05), (1_000_000, 2e-6), (200, 0.5), (45, 0.97)])
def test_the_exact_regime_is_the_binomial_quantile(n, p):
    u = sampling.uniforms(np.random.PCG64(8), 20_000)
    x = sampling.binomial(n, p, u)
    assert n * p * (1 - p) <= sampling.NORMAL_ABOVE
    q = min(p, 1 - p)
    want = stats.binom.ppf(u, n, q)
    if p > 0.5:  # drawn as n minus a draw for 1 - p
        want = n - want
    assert np.array_equal(x, want.astype(np.int64))


def test_binomial_edges():
    u = np.array([0.0, 0.5, 1 - 2.0 ** -53])
    assert sampling.binomial(0, 0.5, u).tolist() == [0, 0, 0]
    assert sampling.binomial(9, 0.0, u).tolist() == [0, 0, 0]
    assert sampling.binomial(9, 1.0, u).tolist() == [9, 9, 9]
    big = sampling.binomial(10 ** 9, 0.5, u)
    assert big[0] >= 0 and big[2] <= 10 ** 9 and big[1] == 5 * 10 ** 8
    assert sampling.binomial([[5], [50]], [0.1, 0.9], 0.5).shape == (2, 2)
    with pytest.raises(ValueError):
        sampling.binomial(5, 1.5, 0.5)


def test_uniform_integers():
    x = sampling.integers(np.random.PCG64(2), 7, 70_000)
    assert x.min() == 0 and x.max() == 6
    counts = np.bincount(x, minlength=7)
    assert stats.chisquare(counts).pvalue > 1e-4
    with pytest.raises(ValueError):
        sampling.integers(np.random.PCG64(2), 2 ** 40, 1)
    # floor(u * k) never reaches k, even for the largest uniform
    assert sampling.to_uniform(np.array([2 ** 64 - 1], dtype=np.uint64))[0] == 1 - 2.0 ** -53


def test_inverse_normal_and_its_logarithm_match_the_libraries():
    u = np.concatenate([np.linspace(0, 1, 100_001)[1:-1], 2.0 ** -np.arange(1, 54), 1 - 2.0 ** -np.arange(2, 54)])
    z, ref = sampling.inverse_normal(u), special.ndtri(u)
    assert np.allclose(z, ref, rtol=1e-14, atol=1e-14)
    assert sampling.inverse_normal(np.array([0.0]))[0] == pytest.approx(special.ndtri(2.0 ** -54), rel=1e-14)
    x = np.concatenate([np.random.default_rng(0).random(10_000), 2.0 ** -np.arange(1, 60), [1.0]])
    assert np.allclose(sampling._log(x), np.log(x), rtol=1e-15, atol=1e-14)


# -- in the bootstrap and the snapshot -----------------------------------------------------------

def test_a_landslide_never_flips_and_a_dead_heat_flips_half_the_time():
    (landslide,) = assess_single({1: 9000, 2: 1000})
    assert landslide.flip_probability == 0.0
    (heat,) = assess_single({1: 5000, 2: 5000, 3: 10})
    assert heat.flip_probability == pytest.approx(0.5, abs=0.06)
    (small,) = assess_single({1: 3, 2: 3, 3: 1})  # ballot by ballot
    assert small.flip_probability == pytest.approx(0.5, abs=0.06)


def test_the_snapshot_rules_name_the_sampler():
    rules = ContestRules("c")
    d = decide_contest(rules, [CategoryInput("a", [Entry(1, "A"), Entry(2, "B")], totals={1: 5, 2: 4})], "ab" * 32)
    assert d.rules["sampler"] == sampling.SAMPLER == uncertainty.SAMPLER
