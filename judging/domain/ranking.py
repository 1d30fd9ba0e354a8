"""Places from scores, with ties kept visible. Pure.

Equal scores share a place and the next place is skipped (standard
competition ranking: 1, 2, 2, 4). Which entry of a tie is listed first is by
id, for a stable listing only: `tied` marks every entry of a tie, so nothing
downstream may read the listing order as a decision. Breaking a tie (for an
award) is the results' business and is named there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping


@dataclass(frozen=True)
class Place:
    entry: int
    rank: int
    score: float
    tied: bool = False


def rank(scores: Mapping[int, float], tolerance: float) -> tuple[Place, ...]:
    """Higher scores first. Scores within `tolerance` of the first score of a
    group are a tie (measured from the group's first, so a chain of small steps
    does not merge distinct scores into one tie)."""
    ordered = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    groups: list[list[tuple[int, float]]] = []
    for entry, score in ordered:
        if groups and groups[-1][0][1] - score <= tolerance:
            groups[-1].append((entry, score))
        else:
            groups.append([(entry, score)])
    places, position = [], 1
    for group in groups:
        places += [Place(entry, position, score, len(group) > 1) for entry, score in group]
        position += len(group)
    return tuple(places)


def ties(places: tuple[Place, ...]) -> list[tuple[int, tuple[int, ...]]]:
    """Every tie as (rank, entries)."""
    out: dict[int, list[int]] = {}
    for p in places:
        if p.tied:
            out.setdefault(p.rank, []).append(p.entry)
    return [(r, tuple(es)) for r, es in out.items()]
