"""How sure is each place: the margin at every cut line and the probability
that the order there would flip under a bootstrap of the counted ballots. Pure
(numpy and scipy).

The bootstrap resamples ballot TYPES, never single ballots: the input is the
category's distinct ballots with how many of each were counted, and a
replicate is one multinomial draw of the same total over those types, so a
category of 1.3 million `single` ballots costs as much as its number of
entries. Where there are fewer than ten ballots per type (most ranked
profiles) a replicate draws that many ballots uniformly instead (one uniform
integer per ballot, then counted by type): the same multinomial distribution,
and cheaper there than a binomial per type. Types, by method
(counting.ballot_key): `single` `{(entry,): votes}` (the per-entry counts are
the types); `approval` `{(sorted ids): n}`; `score` `{((entry, stars), ...): n}`;
ranked methods the PROFILE. Each replicate is counted again by the same method
(IRV, Schulze and Borda rerun in full, with the same tie order), vectorised
over replicates with numpy. Defaults: 1,000 replicates for marks methods, 200
for ranked ones (DEFAULT_REPLICATES).

The generator is numpy's PCG64 seeded with the SHA-256 of
`"{seed}:{category slug}"` (the seed: the ledger's final root, hex), and only
its raw 64-bit words are used (`random_raw`, which numpy keeps stable for a
fixed seed): the multinomial, binomial and uniform-integer draws are our own
(sampling.py, named by sampling.SAMPLER in the snapshot's rules), made of
integer and correctly rounded float operations. So the same inputs and seed
give the same probabilities on any numpy release and IEEE-754 machine. Replicates are
drawn one after another from the stream, each from its own words, so how
many are drawn at once (CELLS_PER_CHUNK) does not change them.

A cut line (awards.CutLine) sits between the entry just above it (A) and the
entry just below (B) in the order of the stage that placed them:
- `public`: margin = public_votes(A) - public_votes(B) (votes, stars or points;
  for Schulze the strongest-path strengths p[A][B] - p[B][A], in ballots);
  flip probability = P(B placed above A) + P(level)/2 over the replicates,
  by the method's own order (IRV: elimination order; Schulze: its layers;
  the others: the score).
- `hybrid`: the public part is resampled, the jury's part held fixed; margin
  and flips on the combined score.
- `jury`: margin in jury points (None when either lacks a score); the jury is
  not resampled, so the flip probability is None.
A category without counted ballots has nothing to resample: None.

Public functions:
- `generator(seed, category) -> numpy.random.Generator` (only its `bit_generator` is drawn from)
- `prepare(method, candidates, types) -> Prepared`
- `evaluate(prepared, weights, tie_order=None) -> (scores, strength)`: each row
  of `weights` (replicates x types) counted; `scores` is public_votes, `strength`
  higher = better place; both replicates x candidates, columns in
  `prepared.candidates` order.
- `bootstrap(prepared, replicates, rng, tie_order=None) -> (scores, strength)`: `rng`
  a Generator or a bare bit generator (anything with `random_raw`).
- `assess(decision, *, method, count, types, rules, seed, replicates=None) -> tuple[Certainty, ...]`
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
from scipy import sparse

from voting.results.domain import sampling
from voting.results.domain.awards import AwardRules, CategoryDecision
from voting.results.domain.counting import MARKS, Count, key_increments
from voting.results.domain.ties import PRECISION

DEFAULT_REPLICATES = {"marks": 1000, "ranked": 200}
SAMPLER = sampling.SAMPLER  # recorded in the snapshot's rules
CELLS_PER_CHUNK = 4_000_000  # bounds the memory of one chunk of replicates


@dataclass(frozen=True)
class Certainty:
    name: str
    place: int
    stage: str
    above: int
    below: int
    margin: float | None
    flip_probability: float | None
    replicates: int

    def to_json(self) -> dict:
        return {"name": self.name, "place": self.place, "stage": self.stage, "above": self.above,
                "below": self.below, "margin": self.margin, "flip_probability": self.flip_probability,
                "replicates": self.replicates}


@dataclass(frozen=True)
class Prepared:
    method: str
    candidates: tuple[int, ...]
    counts: np.ndarray  # per type
    matrix: sparse.csr_matrix | None  # marks and Borda: types x candidates; Schulze: types x candidates^2
    ranked: sparse.csr_matrix | None = None  # Schulze: types x candidates, 1 where ranked
    ballots: np.ndarray | None = None  # IRV: types x longest ballot, candidate indices, -1 padded
    lengths: np.ndarray | None = None


def generator(seed: str, category: str) -> np.random.Generator:
    digest = hashlib.sha256(f"{seed}:{category}".encode("utf-8")).digest()
    return np.random.Generator(np.random.PCG64(int.from_bytes(digest, "big")))


def _ranked_rows(keys: Sequence[tuple], index: Mapping[int, int]) -> list[list[int]]:
    rows = []
    for key in keys:
        seen: dict[int, None] = {}
        for e in key:
            i = index.get(int(e))
            if i is not None and i not in seen:
                seen[i] = None
        rows.append(list(seen))
    return rows


def _normal_key(method: str, key) -> tuple:
    if method == "score":
        return tuple(sorted((int(e), int(v)) for e, v in key))
    if method in MARKS:
        return tuple(sorted(int(e) for e in key))
    return tuple(int(e) for e in key)


def prepare(method: str, candidates: Sequence[int], types: Mapping[tuple, int]) -> Prepared:
    cands = tuple(sorted({int(c) for c in candidates}))
    index = {c: i for i, c in enumerate(cands)}
    merged: dict[tuple, int] = {}
    for key, amount in types.items():
        key = _normal_key(method, key)
        merged[key] = merged.get(key, 0) + int(amount)
    keys = sorted(merged)  # the draws must not depend on the input's order
    counts = np.array([merged[k] for k in keys], dtype=np.int64)
    n, t = len(cands), len(keys)
    if method in MARKS:
        rows, cols, vals = [], [], []
        for r, key in enumerate(keys):
            for e, amount in key_increments(method, key).items():
                if e in index:
                    rows.append(r), cols.append(index[e]), vals.append(amount)
        m = sparse.csr_matrix((vals, (rows, cols)), shape=(t, n), dtype=np.float64)
        return Prepared(method, cands, counts, m)
    ballots = _ranked_rows(keys, index)
    if method == "borda":
        rows = [r for r, b in enumerate(ballots) for _ in b]
        cols = [c for b in ballots for c in b]
        vals = [n - 1 - i for b in ballots for i in range(len(b))]
        return Prepared(method, cands, counts, sparse.csr_matrix((vals, (rows, cols)), shape=(t, n), dtype=np.float64))
    if method == "schulze":
        pr, pc = [], []
        for r, b in enumerate(ballots):
            for i, a in enumerate(b):
                for c in b[i + 1:]:
                    pr.append(r), pc.append(a * n + c)
        before = sparse.csr_matrix((np.ones(len(pr)), (pr, pc)), shape=(t, n * n))
        rows = [r for r, b in enumerate(ballots) for _ in b]
        ranked = sparse.csr_matrix((np.ones(len(rows)), (rows, [c for b in ballots for c in b])), shape=(t, n))
        return Prepared(method, cands, counts, before, ranked)
    if method == "irv":
        width = max((len(b) for b in ballots), default=0) or 1
        mat = np.full((t, width), -1, dtype=np.int64)
        for r, b in enumerate(ballots):
            mat[r, :len(b)] = b
        lengths = np.array([len(b) for b in ballots], dtype=np.int64)
        return Prepared(method, cands, counts, None, ballots=mat, lengths=lengths)
    raise ValueError(f"unknown counting method {method!r}")


def _schulze(p: Prepared, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(p.candidates)
    reps = w.shape[0]
    before = np.asarray((p.matrix.T @ w.T).T).reshape(reps, n, n)
    ranked = np.asarray((p.ranked.T @ w.T).T)
    d = ranked[:, :, None] - before.transpose(0, 2, 1)
    idx = np.arange(n)
    d[:, idx, idx] = 0
    s = np.where(d > d.transpose(0, 2, 1), d, 0.0)
    for k in range(n):
        np.maximum(s, np.minimum(s[:, :, k:k + 1], s[:, k:k + 1, :]), out=s)
    s[:, idx, idx] = 0
    beats = s > s.transpose(0, 2, 1)
    scores = beats.sum(axis=2).astype(np.float64)
    layer = np.zeros((reps, n))
    remaining = np.ones((reps, n), dtype=bool)
    level = 0
    while remaining.any():
        beaten = (beats & remaining[:, :, None]).any(axis=1)
        top = remaining & ~beaten
        stuck = remaining.any(axis=1) & ~top.any(axis=1)  # cannot happen: the relation is acyclic
        top[stuck] = remaining[stuck]
        layer[top] = level
        remaining &= ~top
        level += 1
    return scores, -layer


def _irv_once(p: Prepared, w: np.ndarray, tie_rank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(p.candidates)
    keep = w > 0
    mat, lengths, w = p.ballots[keep], p.lengths[keep], w[keep].astype(np.float64)
    pos = np.zeros(len(w), dtype=np.int64)
    top = np.where(lengths > 0, mat[:, 0], -1)
    live = top >= 0
    tallies = np.bincount(top[live], weights=w[live], minlength=n).astype(np.float64)
    alive = np.ones(n, dtype=bool)
    scores, strength = np.zeros(n), np.zeros(n)
    out = 0
    while alive.any():
        left = np.flatnonzero(alive)
        if len(left) == 1:
            scores[left[0]], strength[left[0]] = tallies[left[0]], out
            break
        low = tallies[left].min()
        lowest = left[tallies[left] == low]
        lowest = lowest[np.argsort(tie_rank[lowest], kind="stable")]
        if low == 0:
            going = lowest[::-1] if len(lowest) < len(left) else lowest[:0:-1]
        else:
            going = lowest[-1:]
        for g in going:
            scores[g], strength[g] = low, out
            out += 1
        alive[going] = False
        if alive.sum() == 1:
            last = np.flatnonzero(alive)[0]
            scores[last], strength[last] = tallies[last], out
            break
        if low == 0:
            continue
        moving = np.flatnonzero(top == going[0])
        while moving.size:
            pos[moving] += 1
            more = pos[moving] < lengths[moving]
            top[moving[~more]] = -1
            moving = moving[more]
            top[moving] = mat[moving, pos[moving]]
            settled = alive[top[moving]]
            done = moving[settled]
            tallies += np.bincount(top[done], weights=w[done], minlength=n)
            moving = moving[~settled]
    return scores, strength


def evaluate(p: Prepared, weights: np.ndarray, tie_order: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    w = np.atleast_2d(np.asarray(weights, dtype=np.float64))
    if p.method in MARKS or p.method == "borda":
        scores = np.asarray((p.matrix.T @ w.T).T)
        return scores, scores
    if p.method == "schulze":
        return _schulze(p, w)
    index = {c: i for i, c in enumerate(p.candidates)}
    order = [index[int(c)] for c in (tie_order or []) if int(c) in index]
    placed = set(order)
    order = list(dict.fromkeys(order)) + [i for i in range(len(index)) if i not in placed]
    tie_rank = np.empty(len(index), dtype=np.int64)
    tie_rank[order] = np.arange(len(order))
    rows = [_irv_once(p, row, tie_rank) for row in w]
    return np.array([r[0] for r in rows]), np.array([r[1] for r in rows])


def bootstrap(p: Prepared, replicates: int, rng: np.random.Generator,
              tie_order: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    total = int(p.counts.sum())
    n = len(p.candidates)
    if total == 0 or replicates < 1:
        empty = np.zeros((0, n))
        return empty, empty
    bits = sampling.raw_bits(rng)
    types = len(p.counts)
    # a multinomial costs a binomial draw per type, drawing ballots one uniform integer per ballot:
    # with few ballots of each type (ranked profiles) the second is cheaper
    by_ballot = total <= 10 * types
    owner = np.repeat(np.arange(types), p.counts) if by_ballot else None
    width = max(types, n * n if p.method == "schulze" else n)
    chunk = max(1, min(replicates, CELLS_PER_CHUNK // max(width, 1)))
    parts_s, parts_k = [], []
    done = 0
    while done < replicates:
        size = min(chunk, replicates - done)
        if by_ballot:
            draws = np.stack([np.bincount(owner[sampling.integers(bits, total, total)], minlength=types)
                              for _ in range(size)])
        else:
            draws = sampling.multinomial(bits, total, p.counts, size)
        s, k = evaluate(p, draws, tie_order)
        parts_s.append(s), parts_k.append(k)
        done += size
    return np.vstack(parts_s), np.vstack(parts_k)


def _rows_minmax(x: np.ndarray) -> np.ndarray:
    lo, hi = x.min(axis=1, keepdims=True), x.max(axis=1, keepdims=True)
    span = hi - lo
    level = np.where(hi > 0, 1.0, 0.0)
    return np.where(span > 0, (x - lo) / np.where(span > 0, span, 1.0), level)


def _flip(strength: np.ndarray, a: int, b: int) -> float:
    above, below = strength[:, a], strength[:, b]
    return float(np.mean(below > above) + 0.5 * np.mean(below == above))


def assess(decision: CategoryDecision, *, method: str, count: Count | None, types: Mapping[tuple, int] | None,
           rules: AwardRules, seed: str, replicates: int | None = None) -> tuple[Certainty, ...]:
    lines = decision.cut_lines
    jury = {p.entry_id: p.jury_score for p in decision.ranking}
    need = count is not None and types and any(c.stage != "jury" for c in lines)
    reps = replicates if replicates is not None else DEFAULT_REPLICATES["marks" if method in MARKS else "ranked"]
    scores = strength = None
    cands: tuple[int, ...] = ()
    if need:
        prepared = prepare(method, count.scores.keys(), types)
        cands = prepared.candidates
        tie_order = count.detail.get("tie_order") if method == "irv" else None
        scores, strength = bootstrap(prepared, reps, generator(seed, decision.slug), tie_order)
        if not len(scores):
            scores = strength = None
    col = {c: i for i, c in enumerate(cands)}
    out = []
    for line in lines:
        a, b = line.above, line.below
        margin: float | None
        flip = None
        if line.stage == "jury":
            ja, jb = jury.get(a), jury.get(b)
            margin = None if ja is None or jb is None else round(ja - jb, PRECISION)
        elif line.stage == "hybrid":
            margin = round(decision.hybrid[a] - decision.hybrid[b], PRECISION)
            if scores is not None:
                share = _rows_minmax(scores)
                jury_n = np.array([decision.jury_normalised.get(c, 0.0) for c in cands])
                combined = np.round(rules.public_weight * share + (1 - rules.public_weight) * jury_n, PRECISION)
                flip = _flip(combined, col[a], col[b])
        else:
            if method == "schulze" and count is not None:
                s = count.detail["strength"]
                margin = s[str(a)][str(b)] - s[str(b)][str(a)]
            else:
                margin = count.scores[a] - count.scores[b] if count is not None else 0
            if strength is not None:
                flip = _flip(strength, col[a], col[b])
        out.append(Certainty(line.name, line.place, line.stage, a, b, margin,
                             None if flip is None else round(flip, PRECISION),
                             len(strength) if strength is not None and line.stage != "jury" else 0))
    return tuple(out)
