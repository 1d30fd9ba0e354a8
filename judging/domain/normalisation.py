"""Per-judge z-score normalisation, mapped back to the rubric's scale. Pure.

Some judges are harsh, some lenient, some use the whole scale and some only
its middle. Each judge's totals are turned into z-scores against that judge's
own mean and spread, then mapped back as

    normalised = centre + z * spread

where `centre` is the mean of all totals in the call and `spread` the root
mean square of the normalised judges' own spreads: a normalised score reads
on the rubric's scale, near where a typical judge would have put it. Two
judges whose totals are the same up to a positive linear map (a harsh and a
lenient judge who agree on the order and on the gaps) end with equal
normalised scores.

It assumes each judge saw a comparable sample of entries: z-scores cannot
tell a judge who was lenient from one who was handed the best entries. The
assignment's mixing of judges across entries is what makes the assumption
fair. Normalise over one round (all its categories) so each judge's sample is
as large as it gets.

Edge cases (numbers in `Scoring`):
- fewer than `zscore_min_scores` scores: kept raw (`method="raw"`); with
  one or two scores the judge's leniency cannot be told from the entries';
- spread below `sd_floor` (including none at all): the floor is used
  (`method="floored"`), so near-identical scores are not stretched into a
  strong preference, and identical ones all land on the centre;
- a normalised score may fall slightly outside the scale when a judge's
  favourite stands far above their own mean. It is not clipped: clipping
  would turn the two best entries into a tie exactly where winners are
  chosen. Display may round or clip; ranking never does.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal, Mapping

from judging.domain.tuning import SCORING, Scoring

Key = tuple[int, int]  # (judge, entry)


@dataclass(frozen=True)
class JudgeScale:
    """How one judge's scores were read, as evidence for the organisers."""

    judge: int
    count: int
    mean: float
    sd: float  # population standard deviation of the judge's totals
    method: Literal["zscore", "floored", "raw"]


@dataclass(frozen=True)
class Normalised:
    scores: dict[Key, float]
    judges: dict[int, JudgeScale]
    centre: float
    spread: float


def _stats(values: list[float]) -> tuple[float, float]:
    mean = math.fsum(values) / len(values)
    return mean, math.sqrt(math.fsum((v - mean) ** 2 for v in values) / len(values))


def zscores(totals: Mapping[Key, float], tuning: Scoring = SCORING) -> Normalised:
    """The totals of one round, (judge, entry) -> total, normalised per judge."""
    by_judge: dict[int, list[Key]] = defaultdict(list)
    for key in sorted(totals):
        by_judge[key[0]].append(key)
    if not totals:
        return Normalised({}, {}, 0.0, 0.0)
    centre = math.fsum(totals.values()) / len(totals)
    scales: dict[int, JudgeScale] = {}
    for judge, keys in by_judge.items():
        mean, sd = _stats([totals[k] for k in keys])
        if len(keys) < tuning.zscore_min_scores:
            method = "raw"
        else:
            method = "zscore" if sd >= tuning.sd_floor else "floored"
        scales[judge] = JudgeScale(judge, len(keys), mean, sd, method)
    spreads = [max(s.sd, tuning.sd_floor) for s in scales.values() if s.method != "raw"]
    if not spreads:
        return Normalised(dict(totals), scales, centre, 0.0)
    spread = math.sqrt(math.fsum(s * s for s in spreads) / len(spreads))
    out: dict[Key, float] = {}
    for key, value in totals.items():
        s = scales[key[0]]
        if s.method == "raw":
            out[key] = value
        else:
            out[key] = centre + (value - s.mean) / max(s.sd, tuning.sd_floor) * spread
    return Normalised(out, scales, centre, spread)
