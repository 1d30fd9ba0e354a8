"""Pairwise judging: the Crowd-BT model, the next comparison, the final ranking. Pure.

A judge looks at one entry, then the next, and says which of the two was
better. Crowd-BT (Chen, Bennett, Collins-Thompson and Horvitz, "Pairwise
ranking aggregation in a crowdsourced setting", WSDM 2013; the method of
Gavel, anishathalye/gavel) models:

- each entry's quality s ~ N(mu, sigma_sq), a Bradley-Terry strength:
  a careful judge prefers i to j with probability e^s_i / (e^s_i + e^s_j);
- each judge's reliability eta ~ Beta(alpha, beta): with probability eta the
  judge answers by that law, otherwise the other way round (a careless or
  contrary judge). P(i beats j) = eta * p_ij + (1 - eta) * (1 - p_ij).

After each judgement the beliefs are updated online by moment matching
(`update`): the judge's Beta by the first two moments of its exact posterior,
the two entries' Gaussians by one Newton-like step on the log-likelihood with
eta at its mean (assumed density filtering). The next entry for a judge is
the one whose comparison with the entry in front of them promises the most
expected information (`information_gain`: the expected Kullback-Leibler
divergence of the updated beliefs from the current ones), except that with
probability `epsilon` it is drawn at random (`choose_next`).

The final ranking of a category is fitted from all its comparisons at once by
choix's ILSR (the Bradley-Terry maximum-likelihood strengths, slightly
regularised): unlike the online beliefs it does not depend on the order in
which judgements arrived. Judges' reliability is reported from their Crowd-BT
alpha and beta. All numbers are in `tuning.Pairwise`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import AbstractSet, Iterable, Mapping, Sequence

import choix
import numpy as np
from scipy.special import betaln, digamma, expit

from judging.domain import ranking
from judging.domain.tuning import PAIRWISE, Pairwise

_EDGE = 1e-9  # keeps probabilities off 0 and 1, where logs and divisions break


@dataclass(frozen=True)
class ItemBelief:
    mu: float
    sigma_sq: float


@dataclass(frozen=True)
class JudgeBelief:
    alpha: float
    beta: float

    @property
    def reliability(self) -> float:
        """Expected probability that the judge answers by the true order."""
        return self.alpha / (self.alpha + self.beta)


@dataclass(frozen=True)
class Judgement:
    judge: int
    winner: int
    loser: int


@dataclass(frozen=True)
class Reliability:
    judge: int
    mean: float
    flagged: bool


def new_item(t: Pairwise = PAIRWISE) -> ItemBelief:
    return ItemBelief(t.mu_prior, t.sigma_sq_prior)


def new_judge(t: Pairwise = PAIRWISE) -> JudgeBelief:
    return JudgeBelief(t.alpha_prior, t.beta_prior)


def _posterior(alpha, beta, mu_w, ss_w, mu_l, ss_l, kappa):
    """Beliefs after `w` beat `l` in this judge's eyes, and the probability the
    model gave that outcome beforehand. Works elementwise on numpy arrays."""
    d = mu_w - mu_l
    p = expit(d)
    # E[sigmoid(s_w - s_l)] to second order: s_w - s_l has variance ss_w + ss_l,
    # and sigmoid'' = p (1 - p) (1 - 2p).
    c1 = np.clip(p + 0.5 * (ss_w + ss_l) * p * (1 - p) * (1 - 2 * p), _EDGE, 1 - _EDGE)
    c2 = 1 - c1
    # The judge: the posterior of eta is a mixture of Beta(alpha + 1, beta)
    # (the judge was right) and Beta(alpha, beta + 1) (the judge was wrong);
    # match its first two moments with one Beta.
    n = alpha + beta
    c = (c1 * alpha + c2 * beta) / n
    m1 = (c1 * (alpha + 1) * alpha + c2 * alpha * beta) / (c * n * (n + 1))
    m2 = (c1 * (alpha + 2) * (alpha + 1) * alpha + c2 * (alpha + 1) * alpha * beta) / (c * n * (n + 1) * (n + 2))
    var = m2 - m1 * m1  # > 0: a mixture of two proper Betas
    alpha_1 = (m1 - m2) * m1 / var
    beta_1 = (m1 - m2) * (1 - m1) / var
    # The entries: with eta at its mean, log P(w beats l) =
    # log(alpha e^mu_w + beta e^mu_l) - log(e^mu_w + e^mu_l) + const; its
    # gradient in mu_w is a - p (minus that in mu_l), its curvature in either
    # is a (1 - a) - p (1 - p), where a = sigmoid(d + log(alpha / beta)).
    a = expit(d + np.log(alpha / beta))
    grad = a - p
    curv = a * (1 - a) - p * (1 - p)
    return (alpha_1, beta_1,
            mu_w + ss_w * grad, ss_w * np.maximum(1 + ss_w * curv, kappa),
            mu_l - ss_l * grad, ss_l * np.maximum(1 + ss_l * curv, kappa), c)


def update(judge: JudgeBelief, winner: ItemBelief, loser: ItemBelief,
           t: Pairwise = PAIRWISE) -> tuple[JudgeBelief, ItemBelief, ItemBelief]:
    """The judge's, the winner's and the loser's beliefs after one judgement."""
    a, b, mw, sw, ml, sl, _ = _posterior(judge.alpha, judge.beta, winner.mu, winner.sigma_sq,
                                         loser.mu, loser.sigma_sq, t.kappa)
    return JudgeBelief(float(a), float(b)), ItemBelief(float(mw), float(sw)), ItemBelief(float(ml), float(sl))


def _kl_normal(mu_1, ss_1, mu_0, ss_0):
    ratio = ss_1 / ss_0
    return (mu_1 - mu_0) ** 2 / (2 * ss_0) + (ratio - 1 - np.log(ratio)) / 2


def _kl_beta(a_1, b_1, a_0, b_0):
    return (betaln(a_0, b_0) - betaln(a_1, b_1) + (a_1 - a_0) * digamma(a_1) + (b_1 - b_0) * digamma(b_1)
            + (a_0 - a_1 + b_0 - b_1) * digamma(a_1 + b_1))


def information_gain(judge: JudgeBelief, shown: ItemBelief, mu, sigma_sq, t: Pairwise = PAIRWISE) -> np.ndarray:
    """Expected information from this judge comparing `shown` with each
    candidate (arrays `mu`, `sigma_sq`): over the two outcomes, weighted by the
    model's probability of each, the divergence of the two entries' updated
    beliefs from the current ones plus `gamma` times the judge's."""
    mu, ss = np.asarray(mu, dtype=float), np.asarray(sigma_sq, dtype=float)
    al, be, m0, s0 = judge.alpha, judge.beta, shown.mu, shown.sigma_sq
    # Outcome 1: the candidate wins; outcome 2: the shown entry wins.
    a1, b1, mc1, sc1, ms1, ss1, win = _posterior(al, be, mu, ss, m0, s0, t.kappa)
    a2, b2, ms2, ss2, mc2, sc2, _ = _posterior(al, be, m0, s0, mu, ss, t.kappa)
    gain_1 = _kl_normal(mc1, sc1, mu, ss) + _kl_normal(ms1, ss1, m0, s0) + t.gamma * _kl_beta(a1, b1, al, be)
    gain_2 = _kl_normal(mc2, sc2, mu, ss) + _kl_normal(ms2, ss2, m0, s0) + t.gamma * _kl_beta(a2, b2, al, be)
    return win * gain_1 + (1 - win) * gain_2


def choose_next(judge: JudgeBelief, previous: int | None, items: Mapping[int, ItemBelief], rng: random.Random, *,
                seen: AbstractSet[int] = frozenset(), conflicts: AbstractSet[int] = frozenset(),
                views: Mapping[int, int] | None = None, t: Pairwise = PAIRWISE) -> int | None:
    """The entry this judge should look at next, among `items` (one
    category's), after `previous` (None for their first). Never one the judge
    has `seen`, conflicts with, or the previous one; None when none is left.

    Entries with fewer than `min_views` judgements (`views`) go first. Then,
    with probability `epsilon` (or for a judge's first entry) one is drawn at
    random; otherwise the one with the highest information gain against
    `previous`. Candidates are shuffled from their sorted ids first, so equal
    gains are broken by `rng` and the choice does not depend on input order.
    """
    pool = sorted(i for i in items if i not in seen and i not in conflicts and i != previous)
    if views is not None and t.min_views:
        fresh = [i for i in pool if views.get(i, 0) < t.min_views]
        pool = fresh or pool
    if not pool:
        return None
    rng.shuffle(pool)
    if previous is None or rng.random() < t.epsilon:
        return pool[0]
    gains = information_gain(judge, items[previous], [items[i].mu for i in pool],
                             [items[i].sigma_sq for i in pool], t)
    return pool[int(np.argmax(gains))]  # the first of equal maxima


@dataclass(frozen=True)
class State:
    items: dict[int, ItemBelief]
    judges: dict[int, JudgeBelief]
    views: dict[int, int]


def replay(items: Iterable[int], judgements: Iterable[Judgement], t: Pairwise = PAIRWISE) -> State:
    """The beliefs after these judgements in this order, from the priors: the
    stored judgements are the record, beliefs can always be rebuilt (after an
    undone mis-click, say)."""
    beliefs = {i: new_item(t) for i in items}
    judges: dict[int, JudgeBelief] = {}
    views = dict.fromkeys(beliefs, 0)
    for j in judgements:
        judge = judges.get(j.judge) or new_judge(t)
        judges[j.judge], beliefs[j.winner], beliefs[j.loser] = update(judge, beliefs[j.winner], beliefs[j.loser], t)
        views[j.winner] += 1
        views[j.loser] += 1
    return State(beliefs, judges, views)


def strengths(items: Sequence[int], judgements: Iterable[Judgement | tuple[int, int]],
              t: Pairwise = PAIRWISE) -> dict[int, float]:
    """Bradley-Terry log-strengths of one category's entries fitted to all
    its judgements (choix ILSR, L2-regularised by `regularisation`). An entry
    never compared sits at 0 with the unjudged average."""
    ids = sorted(set(items))
    index = {item: k for k, item in enumerate(ids)}
    data = [(index[w], index[l]) for w, l in
            ((j.winner, j.loser) if isinstance(j, Judgement) else j for j in judgements)]
    if not data:
        return dict.fromkeys(ids, 0.0)
    params = choix.ilsr_pairwise(len(ids), data, alpha=t.regularisation)
    return {item: float(params[index[item]]) for item in ids}


def rank(items: Sequence[int], judgements: Iterable[Judgement | tuple[int, int]],
         t: Pairwise = PAIRWISE) -> tuple[ranking.Place, ...]:
    """One category's places from its fitted strengths, ties kept."""
    return ranking.rank(strengths(items, judgements, t), t.tie_tolerance)


def reliabilities(judges: Mapping[int, JudgeBelief], t: Pairwise = PAIRWISE) -> dict[int, Reliability]:
    """Each judge's expected agreement with the consensus, flagged below
    `reliability_flag_below` for the organisers to look at."""
    return {j: Reliability(j, b.reliability, b.reliability < t.reliability_flag_below)
            for j, b in sorted(judges.items())}
