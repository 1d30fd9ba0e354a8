"""From submitted score sheets to each entry's jury score and a category's ranking. Pure.

The steps, in order:
1. `total` of every sheet on the rubric's scale (rubric.py);
2. per-judge z-scores over the whole round when the contest asks for them
   (`judging.normalization = "zscore"`, normalisation.py);
3. per entry (`summarise`): the mean, the trimmed mean once there are enough
   judges (from `trim_from` scores, the `trim_each_side` highest and lowest
   are dropped), and the spread: sample standard deviation and range, with a
   `disagreement` flag from `disagreement_sd`. The entry's `score` (RESULTS'
   `jury_score`) is the trimmed mean when there is one, else the mean;
4. per category, places from the scores with ties kept (ranking.py).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Literal, Mapping, Sequence

from judging.domain import ranking
from judging.domain.normalisation import JudgeScale, zscores
from judging.domain.rubric import Criterion, Sheet, total
from judging.domain.tuning import SCORING, Scoring


@dataclass(frozen=True)
class EntryScore:
    entry: int
    count: int
    scores: tuple[float, ...]  # the judges' (normalised) scores, ascending
    mean: float
    trimmed_mean: float | None  # None below `trim_from` scores
    score: float  # what ranks: the trimmed mean when there is one, else the mean
    sd: float | None  # sample standard deviation; None for a single score
    range: float
    disagreement: bool


@dataclass(frozen=True)
class Jury:
    """Everything a round's scores come to, with the evidence behind it."""

    entries: dict[int, EntryScore]
    judges: dict[int, JudgeScale]  # empty when not normalised


def summarise(entry: int, scores: Iterable[float], tuning: Scoring = SCORING) -> EntryScore:
    values = sorted(scores)
    if not values:
        raise ValueError(f"entry {entry} has no scores")
    n = len(values)
    mean = math.fsum(values) / n
    trimmed = None
    if n >= tuning.trim_from and tuning.trim_each_side:
        kept = values[tuning.trim_each_side:n - tuning.trim_each_side]
        trimmed = math.fsum(kept) / len(kept)
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else None
    return EntryScore(entry, n, tuple(values), mean, trimmed, mean if trimmed is None else trimmed, sd,
                      values[-1] - values[0], sd is not None and sd >= tuning.disagreement_sd)


def jury(criteria: Sequence[Criterion], sheets: Iterable[Sheet],
         normalization: Literal["none", "zscore"], tuning: Scoring = SCORING) -> Jury:
    """Steps 1 to 3 over the submitted sheets of one round (one sheet per
    judge and entry; a second is an error, not an average)."""
    totals: dict[tuple[int, int], float] = {}
    for sheet in sheets:
        key = (sheet.judge, sheet.entry)
        if key in totals:
            raise ValueError(f"judge {sheet.judge} has two sheets for entry {sheet.entry}")
        totals[key] = total(criteria, sheet.scores, tuning)
    judges: dict[int, JudgeScale] = {}
    if normalization == "zscore":
        normalised = zscores(totals, tuning)
        totals, judges = normalised.scores, normalised.judges
    elif normalization != "none":
        raise ValueError(f"unknown normalization {normalization!r}")
    per_entry: dict[int, list[float]] = defaultdict(list)
    for (_, entry), value in sorted(totals.items()):
        per_entry[entry].append(value)
    return Jury({e: summarise(e, vs, tuning) for e, vs in sorted(per_entry.items())}, judges)


def rank(entries: Mapping[int, EntryScore] | Iterable[EntryScore],
         tuning: Scoring = SCORING) -> tuple[ranking.Place, ...]:
    """The places of one category's entries (those with at least one score)."""
    items = entries.values() if isinstance(entries, Mapping) else entries
    return ranking.rank({e.entry: e.score for e in items}, tuning.tie_tolerance)
