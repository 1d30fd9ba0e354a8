"""Every tunable number of judging, with the reasoning behind its default. Pure.

`Scoring` governs rubric totals, per-judge normalisation, aggregation and ties;
`Pairwise` governs the Crowd-BT model, the choice of the next comparison and
the final fit. The defaults are set for the four WSIS 2021 seed contests: an
expert group scoring five champions in each of 18 categories, hackathon judges
on 100+ entries in four areas, twelve prize finalists, a photo jury.
`bench/judging.py` measures the pairwise defaults (docs/benchmarks.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields


def _check(obj: object, rules: dict[str, tuple[float, float | None]]) -> None:
    """Fail fast on a nonsensical setting: each named field finite and within [lo, hi]."""
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        lo, hi = rules.get(f.name, (-math.inf, None))
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{f.name} must be a finite number")
        if f.type in ("int", int) and value != int(value):
            raise ValueError(f"{f.name} must be a whole number")
        if value < lo or (hi is not None and value > hi):
            raise ValueError(f"{f.name} must be within [{lo:g}, {hi if hi is not None else 'inf'}]")


@dataclass(frozen=True)
class Scoring:
    # --- the rubric's scale --------------------------------------------------
    # A total reads on 0..10 whatever the criteria's own ranges, so RESULTS'
    # `jury_score` reads like "8.7" and contests with different rubrics (or
    # rounds with different rubrics) are read alike.
    scale: float = 10.0

    # --- per-judge z-scores ----------------------------------------------------
    # A judge needs at least three scores to be normalised. With two, z-scores
    # are always -0.71 and +0.71 whatever the scores (7.0 and 7.1 would end as
    # far apart as 2 and 10); with one there is no spread at all. Judges with
    # fewer are kept on the raw scale: with no evidence of their leniency, the
    # common scale is the best guess of it.
    zscore_min_scores: int = 3
    # A judge's spread is taken as at least half a point (5 % of the scale).
    # Without a floor a judge who gave 7.0, 7.1 and 7.2 (no real preference)
    # would have their hair-splitting stretched to the full spread of a judge
    # who used the whole scale; a judge who gave every entry the same score
    # ends with all of them at the common centre (z = 0): they ranked nothing.
    sd_floor: float = 0.5

    # --- aggregation per entry -------------------------------------------------
    # From five scores the highest and the lowest are dropped (three remain).
    # With three or four, dropping two would leave one or two judges deciding,
    # and a trim of one side only would bias the mean.
    trim_from: int = 5
    trim_each_side: int = 1
    # Judges disagree strongly when the sample standard deviation of their
    # (normalised) scores reaches 2.5 points, a quarter of the scale: two
    # judges 3.5 points apart (5 and 8.5) stay below it, 4 apart (5 and 9)
    # cross it. Ordinary jury spread is 1 to 1.5 points.
    disagreement_sd: float = 2.5

    # --- ranking -------------------------------------------------------------
    # Scores closer than this are a tie: they differ only by floating-point
    # noise (the same scores summed in another order). Scores that differ at
    # all in substance are not ties, even if they print alike at one decimal.
    tie_tolerance: float = 1e-9

    def __post_init__(self) -> None:
        _check(self, {"scale": (1e-9, None), "zscore_min_scores": (2, None), "sd_floor": (1e-9, None),
                      "trim_from": (3, None), "trim_each_side": (0, None), "disagreement_sd": (0, None),
                      "tie_tolerance": (0, None)})
        if self.trim_from - 2 * self.trim_each_side < 1:
            raise ValueError("trimming must leave at least one score")


@dataclass(frozen=True)
class Pairwise:
    # --- Crowd-BT priors (Chen et al. 2013, as Gavel uses them) ---------------
    # An entry's quality s ~ N(mu, sigma_sq); a new entry is average (0) with
    # unit variance, so one comparison moves it by at most about half a unit.
    mu_prior: float = 0.0
    sigma_sq_prior: float = 1.0
    # A judge agrees with the true order with probability eta ~ Beta(alpha,
    # beta): the prior mean 10/11 (91 %) trusts a new judge, yet about ten
    # contrary judgements are enough to move it well below.
    alpha_prior: float = 10.0
    beta_prior: float = 1.0
    # Weight of what a comparison teaches about the judge against what it
    # teaches about the two entries, in the expected information gain. The
    # paper's experiments chose 0.1: entries are what we want to rank.
    gamma: float = 0.1
    # Floor on the factor by which a variance may shrink in one update, so it
    # stays positive when the second-order approximation overshoots.
    kappa: float = 1e-4

    # --- choosing the next entry -----------------------------------------------
    # With probability epsilon the next entry is drawn at random among the
    # eligible ones instead of by information gain: the beliefs are an online
    # approximation and real judges do not follow the model, so some
    # exploration is insurance a simulation that does follow it cannot price.
    # Gavel uses 0.25; in bench/judging.py 0.1 reached tau 0.9 with
    # fewer judgements on each of four seeds (4-11 %), and 0 was no better.
    epsilon: float = 0.1
    # Entries compared fewer than this many times are offered first (Gavel's
    # MIN_VIEWS): every entry gets a first look from more than one judge before
    # the model's beliefs, still mostly prior, steer the choice.
    min_views: int = 2

    # --- the final ranking -------------------------------------------------------
    # L2 regularisation of choix's ILSR fit: keeps the strengths finite when an
    # entry won (or lost) every comparison, and leaves items never compared at
    # the average, while barely moving well-measured ones.
    regularisation: float = 0.01
    # Fitted strengths closer than this are a tie: ILSR converges to 1e-8, so
    # two entries with identical records can differ a little below this.
    tie_tolerance: float = 1e-6
    # A judge whose expected agreement with the consensus (alpha / (alpha +
    # beta)) falls below 0.6 is flagged for the organisers: 0.5 is a coin.
    reliability_flag_below: float = 0.6

    def __post_init__(self) -> None:
        _check(self, {"sigma_sq_prior": (1e-9, None), "alpha_prior": (1e-9, None), "beta_prior": (1e-9, None),
                      "gamma": (0, None), "kappa": (1e-12, 1), "epsilon": (0, 1), "min_views": (0, None),
                      "regularisation": (0, None), "tie_tolerance": (0, None),
                      "reliability_flag_below": (0, 1)})


SCORING = Scoring()
PAIRWISE = Pairwise()
