"""Counting public ballots: the one set of rules that the tally and the ledger's
recount share. Standard library only (Python 3.10+), and self-contained: the
standalone verifier `tools/verify_ledger.py` loads this file by its path, so it
imports none of its siblings.

Every method returns a `Count`: the number published as `public_votes` per
entry (`scores`), the entries in order as tie groups best first (`order`), the
entries that at least one ballot supports (`supported`), and JSON-friendly,
method-specific `detail`. Ties are kept in `order`; breaking them is the tie
chain's business (ties.py), except where a method cannot go on without a
decision (IRV eliminations), which take the caller's `tie_order`.

Public functions:
- `increments(method, selection) -> {entry: amount}`: what one counted ballot
  adds per entry: 1 per chosen entry (`single`, `approval`), the stars
  (`score`; the selection is `{"<entry id>": stars}` with string keys as
  stored), the first preference (`ranked` and the ranked method names; a live
  counter's view, not the ranked result).
- `ballot_key(method, selection) -> tuple`: the hashable type of a ballot, so
  identical ballots aggregate: the sorted ids (`single`: `(e,)`; `approval`),
  the sorted `(entry, stars)` pairs with stars > 0 (`score`), the ids in
  order (ranked).
- `key_increments(method, key) -> {entry: amount}`: `increments` of a key.
- `marks(method, candidates, totals, ballots=None) -> Count` for `single`,
  `approval`, `score` from per-entry totals.
- `irv(candidates, profile, tie_order=None)`, `schulze(candidates, profile)`,
  `schulze_from_pairwise(candidates, pairwise, ballots)`,
  `borda(candidates, profile) -> Count` over a PROFILE
  `{(entry ids in preference order): number of ballots}`.
- `pairwise(candidates, profile) -> {a: {b: ballots preferring a to b}}`.
- `count(method, candidates, *, totals=None, profile=None, ballots=None,
  tie_order=None) -> Count`: dispatch by `single`/`approval`/`score`/
  `irv`/`schulze`/`borda`.
- `count_selections(method, candidates, selections, tie_order=None) -> Count`:
  aggregate raw selections (as the ledger's leaves hold them) and count.

Conventions, shared by every ranked method. A ballot may rank any k of the n
candidates: the ranked ones in its order, the unranked ones below all of them
and tied among themselves. Ids that are not candidates (a withdrawn entry) are
skipped and the rest of the ballot moves up; a repeated id counts at its first
place. A ballot left empty counts towards `ballots` and supports nobody.
- IRV: each round counts every continuing ballot for its highest continuing
  candidate; ballots with none left are exhausted and drop out. The fewest
  votes are eliminated; several candidates level on the fewest votes are an
  elimination tie, decided by `tie_order` (ids, the most preferred first: the
  tied candidate latest in it goes) and recorded in `detail["ties"]`.
  Candidates with no votes at all are eliminated together in one round (no
  ballot moves, so this equals eliminating them one by one), latest in
  `tie_order` first. Elimination goes on to the last candidate, so `order` is
  the full reverse elimination order, one entry per group. `public_votes`: the
  candidate's count in the round it was eliminated; the winner's in the last
  round, the one that eliminated the runner-up (nothing is counted once a
  single candidate is left). `tie_order` defaults to ascending ids; the tally
  passes the tie chain's order (ties.total_order) and records it.
- Schulze (winning votes): d[a][b] is the number of ballots ranking a above b
  (a ranked and b unranked counts). A link a->b has strength d[a][b] when
  d[a][b] > d[b][a], else 0; p is the strongest-path strength (Floyd-Warshall);
  a beats b when p[a][b] > p[b][a]. That relation is a strict partial order;
  `order` peels it in layers: the candidates no remaining candidate beats,
  then the same among the rest, and so on (the first layer is the Schulze
  winner set). `public_votes`: how many candidates the entry beats.
- Borda: on a ballot ranking k of n candidates, position i (0-based) earns
  n - 1 - i points; unranked candidates earn 0 (a truncated ballot gives no
  one the points it withheld). `public_votes`: the points.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

MARKS = ("single", "approval", "score")
RANKED = ("irv", "schulze", "borda")
METHODS = MARKS + RANKED


@dataclass(frozen=True)
class Count:
    """`scores`: public_votes per candidate; `order`: tie groups, best first,
    ids ascending within a group; `supported`: candidates some counted ballot
    marks, stars or ranks; `detail`: JSON-friendly (string keys)."""

    method: str
    ballots: int
    scores: Mapping[int, int]
    order: tuple[tuple[int, ...], ...]
    supported: frozenset[int] = frozenset()
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def winners(self) -> tuple[int, ...]:
        return self.order[0] if self.order else ()

    def to_json(self) -> dict:
        return {"method": self.method, "ballots": self.ballots,
                "scores": {str(e): n for e, n in sorted(self.scores.items())},
                "order": [list(g) for g in self.order], "detail": self.detail}


def increments(method: str, selection) -> dict[int, int]:
    if isinstance(selection, Mapping):
        return {int(k): int(v) for k, v in selection.items() if v}
    if method == "ranked" or method in RANKED:
        return {int(selection[0]): 1} if selection else {}
    return {int(entry): 1 for entry in selection}


def ballot_key(method: str, selection) -> tuple:
    if isinstance(selection, Mapping):
        return tuple(sorted((int(k), int(v)) for k, v in selection.items() if v))
    if method == "ranked" or method in RANKED:
        return tuple(int(e) for e in selection)
    return tuple(sorted({int(e) for e in selection}))


def key_increments(method: str, key: tuple) -> dict[int, int]:
    if method == "score":
        return {int(e): int(v) for e, v in key if v}
    if method in RANKED or method == "ranked":
        return {int(key[0]): 1} if key else {}
    return {int(e): 1 for e in key}


def _candidates(candidates: Iterable[int]) -> list[int]:
    return sorted({int(c) for c in candidates})


def _groups(scores: Mapping[int, int]) -> tuple[tuple[int, ...], ...]:
    groups: list[list[int]] = []
    last = None
    for entry, score in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])):
        if groups and score == last:
            groups[-1].append(entry)
        else:
            groups.append([entry])
        last = score
    return tuple(tuple(g) for g in groups)


def marks(method: str, candidates: Iterable[int], totals: Mapping[int, int],
          ballots: int | None = None) -> Count:
    if method not in MARKS:
        raise ValueError(f"not a marks method: {method!r}")
    cands = _candidates(candidates)
    scores = {c: 0 for c in cands}
    outside = 0
    for entry, amount in totals.items():
        entry = int(entry)
        if entry in scores:
            scores[entry] += int(amount)
        else:
            outside += int(amount)
    if ballots is None:
        if method != "single":
            raise ValueError(f"{method}: the number of ballots is needed")
        ballots = sum(int(n) for n in totals.values())
    detail = {"not_candidates": outside} if outside else {}
    return Count(method, int(ballots), scores, _groups(scores),
                 frozenset(e for e, n in scores.items() if n > 0), detail)


def _restrict(cands: Sequence[int], profile: Mapping[Sequence[int], int]) -> tuple[dict[tuple[int, ...], int], int]:
    """The profile over the candidates only, identical ballots merged, and the ballot total."""
    known = set(cands)
    out: dict[tuple[int, ...], int] = {}
    total = 0
    for ballot, n in profile.items():
        n = int(n)
        if n < 0:
            raise ValueError("a ballot count is negative")
        if not n:
            continue
        total += n
        seen: dict[int, None] = {}
        for e in ballot:
            e = int(e)
            if e in known and e not in seen:
                seen[e] = None
        key = tuple(seen)
        if key:
            out[key] = out.get(key, 0) + n
    return out, total


def _tie_rank(cands: Sequence[int], tie_order: Sequence[int] | None) -> dict[int, int]:
    """Position of each candidate in the tie order (lower = preferred); the
    candidates the order leaves out follow it by ascending id."""
    order = [int(c) for c in tie_order] if tie_order is not None else []
    known = set(cands)
    ranked = [c for c in dict.fromkeys(order) if c in known]
    placed = set(ranked)
    rest = [c for c in cands if c not in placed]
    return {c: i for i, c in enumerate(ranked + rest)}


def irv(candidates: Iterable[int], profile: Mapping[Sequence[int], int],
        tie_order: Sequence[int] | None = None) -> Count:
    cands = _candidates(candidates)
    prof, total = _restrict(cands, profile)
    tie_rank = _tie_rank(cands, tie_order)
    piles: dict[int, list[tuple[tuple[int, ...], int, int]]] = {c: [] for c in cands}
    tallies = {c: 0 for c in cands}
    exhausted = total - sum(prof.values())
    for ballot, n in sorted(prof.items()):
        piles[ballot[0]].append((ballot, 0, n))
        tallies[ballot[0]] += n
    continuing = set(cands)
    eliminated: list[int] = []
    scores: dict[int, int] = {}
    rounds: list[dict] = []
    ties: list[dict] = []
    while continuing:
        counts = {c: tallies[c] for c in sorted(continuing)}
        record: dict[str, Any] = {"round": len(rounds) + 1, "counts": {str(c): n for c, n in counts.items()},
                                  "exhausted": exhausted}
        if len(continuing) == 1:
            (winner,) = continuing
            scores[winner] = counts[winner]
            eliminated.append(winner)
            record["eliminated"] = []
            rounds.append(record)
            break
        low = min(counts.values())
        lowest = sorted((c for c in counts if counts[c] == low), key=lambda c: tie_rank[c])
        if low == 0:
            # nobody's ballots move, so all of them go at once (but someone must stay)
            going = lowest[::-1] if len(lowest) < len(continuing) else lowest[:0:-1]
        else:
            going = [lowest[-1]]
        record["eliminated"] = going
        if len(lowest) > 1:
            record["tied"] = sorted(lowest)
            ties.append({"round": record["round"], "tied": sorted(lowest), "eliminated": going, "votes": low})
        rounds.append(record)
        for loser in going:
            scores[loser] = low
            continuing.discard(loser)
            eliminated.append(loser)
        if len(continuing) == 1:  # the winner's votes are those of the round that decided it
            (winner,) = continuing
            scores[winner] = counts[winner]
            eliminated.append(winner)
            break
        for loser in going:
            for ballot, pos, n in piles.pop(loser):
                pos += 1
                while pos < len(ballot) and ballot[pos] not in continuing:
                    pos += 1
                if pos < len(ballot):
                    piles[ballot[pos]].append((ballot, pos, n))
                    tallies[ballot[pos]] += n
                else:
                    exhausted += n
    order = tuple((c,) for c in reversed(eliminated))
    supported = frozenset(e for ballot in prof for e in ballot)
    detail = {"rounds": rounds, "ties": ties,
              "tie_order": sorted(cands, key=lambda c: tie_rank[c])}
    return Count("irv", total, scores, order, supported, detail)


def pairwise(candidates: Iterable[int], profile: Mapping[Sequence[int], int]) -> dict[int, dict[int, int]]:
    cands = _candidates(candidates)
    prof, _ = _restrict(cands, profile)
    return _pairwise(cands, prof)


def _pairwise(cands: Sequence[int], prof: Mapping[tuple[int, ...], int]) -> dict[int, dict[int, int]]:
    # d[a][b] = (ballots ranking a) - (ballots ranking b above a): O(k^2) per ballot, not O(n^2)
    ranked = {c: 0 for c in cands}
    before: dict[int, dict[int, int]] = {c: {} for c in cands}
    for ballot, n in prof.items():
        for i, a in enumerate(ballot):
            ranked[a] += n
            row = before[a]
            for b in ballot[i + 1:]:
                row[b] = row.get(b, 0) + n
    return {a: {b: ranked[a] - before[b].get(a, 0) for b in cands if b != a} for a in cands}


def schulze(candidates: Iterable[int], profile: Mapping[Sequence[int], int]) -> Count:
    cands = _candidates(candidates)
    prof, total = _restrict(cands, profile)
    result = schulze_from_pairwise(cands, _pairwise(cands, prof), total)
    return Count("schulze", total, result.scores, result.order,
                 frozenset(e for ballot in prof for e in ballot), result.detail)


def schulze_from_pairwise(candidates: Iterable[int], d: Mapping[int, Mapping[int, int]],
                          ballots: int) -> Count:
    """Schulze from a pairwise matrix (so a caller may build it another way);
    `supported` is left empty: the matrix cannot tell who was ranked."""
    cands = _candidates(candidates)
    n = len(cands)
    dm = [[0 if i == j else int(d[a][b]) for j, b in enumerate(cands)] for i, a in enumerate(cands)]
    p = [[dm[i][j] if dm[i][j] > dm[j][i] else 0 for j in range(n)] for i in range(n)]
    for k in range(n):
        pk = p[k]
        for i in range(n):
            pik = p[i][k]
            if i == k or not pik:
                continue
            pi = p[i]
            for j in range(n):
                if j != i and j != k:
                    via = pik if pik < pk[j] else pk[j]
                    if via > pi[j]:
                        pi[j] = via
    beats = [[p[i][j] > p[j][i] for j in range(n)] for i in range(n)]
    scores = {cands[i]: sum(beats[i]) for i in range(n)}
    remaining = list(range(n))
    layers: list[tuple[int, ...]] = []
    while remaining:
        layer = [j for j in remaining if not any(beats[i][j] for i in remaining)]
        if not layer:  # cannot happen: the relation is acyclic
            layer = list(remaining)
        layers.append(tuple(cands[j] for j in layer))
        remaining = [j for j in remaining if j not in layer]
    detail = {"pairwise": {str(a): {str(b): dm[i][j] for j, b in enumerate(cands) if j != i}
                           for i, a in enumerate(cands)},
              "strength": {str(a): {str(b): p[i][j] for j, b in enumerate(cands) if j != i}
                           for i, a in enumerate(cands)}}
    return Count("schulze", int(ballots), scores, tuple(layers), frozenset(), detail)


def borda(candidates: Iterable[int], profile: Mapping[Sequence[int], int]) -> Count:
    cands = _candidates(candidates)
    prof, total = _restrict(cands, profile)
    top = len(cands) - 1
    points = {c: 0 for c in cands}
    for ballot, n in prof.items():
        for i, c in enumerate(ballot):
            points[c] += (top - i) * n
    detail = {"points": "n - 1 - i for the entry at 0-based position i; unranked entries 0",
              "candidates": len(cands)}
    return Count("borda", total, points, _groups(points),
                 frozenset(e for ballot in prof for e in ballot), detail)


def count(method: str, candidates: Iterable[int], *, totals: Mapping[int, int] | None = None,
          profile: Mapping[Sequence[int], int] | None = None, ballots: int | None = None,
          tie_order: Sequence[int] | None = None) -> Count:
    if method in MARKS:
        return marks(method, candidates, totals or {}, ballots)
    prof = profile or {}
    if method == "irv":
        return irv(candidates, prof, tie_order)
    if method == "schulze":
        return schulze(candidates, prof)
    if method == "borda":
        return borda(candidates, prof)
    raise ValueError(f"unknown counting method {method!r}")


def count_selections(method: str, candidates: Iterable[int], selections: Iterable,
                     tie_order: Sequence[int] | None = None) -> Count:
    if method in RANKED:
        profile: dict[tuple[int, ...], int] = {}
        for selection in selections:
            key = ballot_key(method, selection)
            profile[key] = profile.get(key, 0) + 1
        return count(method, candidates, profile=profile, tie_order=tie_order)
    totals: dict[int, int] = {}
    ballots = 0
    for selection in selections:
        ballots += 1
        for entry, amount in increments(method, selection).items():
            totals[entry] = totals.get(entry, 0) + amount
    return marks(method, candidates, totals, ballots)
