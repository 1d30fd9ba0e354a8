"""A rubric's criteria, checking a score sheet against them, and a sheet's total. Pure.

The scale: each criterion's score is mapped to [0, 1] by its own min and max,
the mapped scores are averaged with the weights normalised to sum to one, and
the mean is multiplied by `Scoring.scale` (10). A sheet of all minimums totals
0, all maximums 10, whatever the criteria's ranges, so RESULTS' `jury_score`
reads like "8.7" for every rubric. Weights are positive; only their ratios
matter (0.4/0.6 and 2/3 are the same rubric), and `display_weights` shows them
as shares that add up to one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from judging.domain.tuning import SCORING, Scoring


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    weight: float = 1.0
    min: float = 0.0
    max: float = 10.0

    def __post_init__(self) -> None:
        for name in ("weight", "min", "max"):
            if not _number(getattr(self, name)):
                raise ValueError(f"criterion {self.key!r}: {name} must be a finite number")
        if self.weight <= 0:
            raise ValueError(f"criterion {self.key!r}: weight must be positive")
        if self.max <= self.min:
            raise ValueError(f"criterion {self.key!r}: max must be greater than min")


@dataclass(frozen=True)
class Sheet:
    """One judge's scores for one entry, by criterion key."""

    judge: int
    entry: int
    scores: Mapping[str, float]


def _number(value: Any) -> bool:
    # bool is an int to Python, never a score to a judge.
    return isinstance(value, (int, float)) and not isinstance(value, bool) and (
        isinstance(value, int) or math.isfinite(value))


def _check_rubric(criteria: Sequence[Criterion]) -> None:
    if not criteria:
        raise ValueError("a rubric needs at least one criterion")
    keys = [c.key for c in criteria]
    if len(set(keys)) != len(keys):
        raise ValueError("criterion keys must be unique")


def display_weights(criteria: Sequence[Criterion]) -> dict[str, float]:
    """Each criterion's share of the total, adding up to one."""
    _check_rubric(criteria)
    whole = math.fsum(c.weight for c in criteria)
    return {c.key: c.weight / whole for c in criteria}


def problems(criteria: Sequence[Criterion], scores: Any, *, submit: bool) -> dict[str, str]:
    """What is wrong with a sheet's `scores`, by field path (`scores.impact`),
    for the API's 422 `validation_error`; empty when it may be saved.

    A draft may leave criteria out (a null counts as left out: a blank form
    field); a submission needs every criterion. Every problem is reported at
    once, not the first only.
    """
    _check_rubric(criteria)
    if not isinstance(scores, Mapping):
        return {"scores": "must be an object of criterion keys to numbers"}
    by_key = {c.key: c for c in criteria}
    out: dict[str, str] = {}
    for key, value in scores.items():
        path = f"scores.{key}"
        c = by_key.get(key) if isinstance(key, str) else None
        if c is None:
            out[path] = "is not a criterion of this rubric"
        elif value is None:
            continue
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            out[path] = "must be a number"
        elif isinstance(value, float) and not math.isfinite(value):  # a huge int is finite, and out of range
            out[path] = "must be a finite number"
        elif not c.min <= value <= c.max:
            out[path] = f"must be between {c.min:g} and {c.max:g}"
    if submit:
        for c in criteria:
            if scores.get(c.key) is None:
                out[f"scores.{c.key}"] = "is required to submit"
    return dict(sorted(out.items()))


def total(criteria: Sequence[Criterion], scores: Mapping[str, float], tuning: Scoring = SCORING) -> float:
    """The sheet's weighted total on 0..`tuning.scale`. The sheet must be
    complete and valid (`problems(..., submit=True)` empty): a total of a
    partial sheet would be a different measure."""
    found = problems(criteria, scores, submit=True)
    if found:
        raise ValueError("; ".join(f"{k}: {v}" for k, v in found.items()))
    shares = display_weights(criteria)
    mapped = math.fsum(shares[c.key] * (scores[c.key] - c.min) / (c.max - c.min) for c in criteria)
    # fsum of shares times values in [0, 1] can exceed 1 by an ulp; clamp that ulp only.
    return min(max(mapped, 0.0), 1.0) * tuning.scale
