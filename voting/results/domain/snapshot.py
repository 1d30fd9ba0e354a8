"""A contest's whole decision, as one pure function, and the canonical form
that the result snapshot is hashed in.

Canonical JSON: keys sorted, `(",", ":")` separators, UTF-8 without ASCII
escapes. Before it, `normalise` makes every value the same whatever produced
it: mapping keys become strings (so `{7: …}` and the `{"7": …}` read back from
JSON hash alike), tuples lists, numpy and Decimal numbers plain ones, floats
are rounded to `DECIMALS` places, -0.0 becomes 0 and an integral float an int
(8.0 from SQLite, Decimal("8.000") from PostgreSQL and 8 all print `8`);
NaN and infinities are refused; submission times are written in UTC with an
explicit offset (SQLite gives them naive). So the same data gives the same
SHA-256 on SQLite and PostgreSQL.

Public functions:
- `normalise(value)`, `canonical(value) -> bytes`, `digest(value) -> str` (hex SHA-256).
- `decide_contest(rules, categories, seed, *, votes=None) -> Decision`: counts
  every category by the contest's method, applies the award policy and the tie
  chain, measures every cut line (uncertainty.py), and returns
  `Decision(results, inputs, rules)`: `results` is RESULTS of shared/API.md
  without `published_at` and `snapshot_sha256` (the service adds them), with
  per category also `cut_lines` (margin, flip probability) and `count` (the
  method's detail: IRV rounds, Schulze matrices); `inputs` every number that
  went in; `rules` everything that decided how. `Decision.snapshot()` is
  `{"format", "rules", "inputs", "results"}` and `Decision.sha256()` its hash.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Mapping, Sequence

from voting.results.domain import counting, ties, uncertainty
from voting.results.domain.awards import AwardRules, Entry, decide_category

FORMAT = 1
DECIMALS = 6
VOTING_METHODS = ("none", "single", "approval", "score", "ranked")


def normalise(value: Any) -> Any:
    kind = type(value)  # the plain built-in types first: each ABC check below costs about a microsecond
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is list or kind is tuple:
        return list(value) if all(type(v) is int for v in value) else [normalise(v) for v in value]
    if kind is dict and all(type(k) is str for k in value):
        return {k: normalise(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, (numbers.Real, Decimal)):
        x = float(value)
        if not math.isfinite(x):
            raise ValueError(f"not a finite number: {value!r}")
        x = round(x, DECIMALS)
        return int(x) if x.is_integer() else x  # also turns -0.0 into 0
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, (str, numbers.Integral)):
                raise TypeError(f"a snapshot key must be a string or an integer, not {type(k).__name__}")
            key = k if isinstance(k, str) else str(int(k))
            if key in out:
                raise ValueError(f"two keys read as {key!r}")
            out[key] = normalise(v)
        return out
    if isinstance(value, (list, tuple)):
        return [normalise(v) for v in value]
    if hasattr(value, "to_json"):
        return normalise(value.to_json())
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return normalise(value.tolist())
    raise TypeError(f"cannot put {type(value).__name__} in a snapshot")


def canonical(value: Any) -> bytes:
    return json.dumps(normalise(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def digest(value: Any) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()


@dataclass(frozen=True)
class ContestRules:
    slug: str
    method: str = "single"  # SPEC voting.method
    ranked_method: str = "irv"
    awards: AwardRules = field(default_factory=AwardRules)
    replicates: int | None = None  # None: uncertainty.DEFAULT_REPLICATES

    def __post_init__(self) -> None:
        if self.method not in VOTING_METHODS:
            raise ValueError(f"unknown voting method {self.method!r}")
        if self.method == "ranked" and self.ranked_method not in counting.RANKED:
            raise ValueError(f"unknown ranked method {self.ranked_method!r}")

    @property
    def counting_method(self) -> str | None:
        if self.method == "none":
            return None
        return self.ranked_method if self.method == "ranked" else self.method

    def to_json(self) -> dict:
        return {"contest": self.slug, "method": self.method, "ranked_method": self.ranked_method,
                "counting_method": self.counting_method, "awards": self.awards.to_json(),
                "replicates": self.replicates}


@dataclass(frozen=True)
class CategoryInput:
    """One category's counted ballots, aggregated. `totals` per entry serve
    `single`/`approval`/`score`; `types` are the distinct ballots with their
    numbers (counting.ballot_key): the PROFILE for ranked methods, and for
    `approval`/`score` what the bootstrap resamples (totals are derived from
    them when not given). For `single` the totals are the types. `ballots`:
    counted ballots (derived from totals or types when 0)."""

    slug: str
    entries: Sequence[Entry]
    ballots: int = 0
    totals: Mapping[int, int] | None = None
    types: Mapping[tuple, int] | None = None
    jury: Mapping[int, float] | None = None


@dataclass(frozen=True)
class Decision:
    results: dict
    inputs: dict
    rules: dict

    def snapshot(self) -> dict:
        return {"format": FORMAT, "rules": self.rules, "inputs": self.inputs, "results": self.results}

    def sha256(self) -> str:
        return digest(self.snapshot())


def _types_json(types: Mapping[tuple, int] | None) -> list | None:
    if types is None:
        return None
    return sorted([normalise(list(k)), int(n)] for k, n in types.items() if n)


def _category(rules: ContestRules, cat: CategoryInput, seed: str) -> tuple[dict, dict]:
    method = rules.counting_method
    ids = sorted(e.id for e in cat.entries)
    chain = rules.awards.tie_chain
    types = dict(cat.types) if cat.types is not None else None
    totals = dict(cat.totals) if cat.totals is not None else None
    count = None
    tie_order = None
    if method in counting.MARKS:
        if totals is None and types is not None:
            totals = {}
            for key, n in types.items():
                for e, amount in counting.key_increments(method, key).items():
                    totals[e] = totals.get(e, 0) + amount * int(n)
        totals = totals or {}
        ballots = cat.ballots or (sum(types.values()) if types else sum(totals.values()) if method == "single" else 0)
        if method == "single":
            types = {(int(e),): int(n) for e, n in totals.items() if n}
        count = counting.marks(method, ids, totals, ballots)
    elif method in counting.RANKED:
        if method == "irv":
            traits = {e.id: ties.Traits(None, (cat.jury or {}).get(e.id), e.submitted_at) for e in cat.entries}
            tie_order = ties.total_order(ids, chain, traits, seed=seed, category=cat.slug)
        count = counting.count(method, ids, profile=types or {}, tie_order=tie_order)
    decision = decide_category(cat.slug, cat.entries, rules.awards, count=count, jury=cat.jury, seed=seed)
    certainty = uncertainty.assess(decision, method=method or "single", count=count, types=types,
                                   rules=rules.awards, seed=seed, replicates=rules.replicates)
    result = decision.to_json()
    result["cut_lines"] = [c.to_json() for c in certainty]
    result["ballots"] = count.ballots if count is not None else 0
    if count is not None:
        result["count"] = {"method": count.method, "detail": count.detail}
    inputs = {"slug": cat.slug,
              "entries": [{"id": e.id, "title": e.title, "submitted_at": ties.utc_text(e.submitted_at)}
                          for e in sorted(cat.entries, key=lambda e: e.id)],
              "ballots": count.ballots if count is not None else cat.ballots,
              "totals": {str(e): n for e, n in sorted(totals.items())} if totals is not None else None,
              "types": _types_json(types),
              "jury": {str(e): s for e, s in sorted(cat.jury.items())} if cat.jury is not None else None,
              "tie_order": tie_order}
    return result, inputs


def decide_contest(rules: ContestRules, categories: Sequence[CategoryInput], seed: str, *,
                   votes: Mapping[str, Any] | None = None) -> Decision:
    results: list[dict] = []
    inputs: list[dict] = []
    for cat in categories:  # in the contest's order, as pages show them
        r, i = _category(rules, cat, seed)
        results.append(r)
        inputs.append(i)
    out: dict[str, Any] = {"contest": rules.slug, "method": rules.counting_method,
                           "policy": rules.awards.policy, "categories": results}
    if votes is not None:
        out["votes"] = votes
    method = rules.counting_method
    replicates = rules.replicates
    if replicates is None:
        replicates = 0 if method is None else uncertainty.DEFAULT_REPLICATES[
            "marks" if method in counting.MARKS else "ranked"]
    rule_json = {**rules.to_json(), "replicates": replicates, "seed": seed, "decimals": DECIMALS,
                 "draw": "ascending sha256(seed + ':' + category slug + ':' + entry id)",
                 "bootstrap": "numpy PCG64 seeded with sha256(seed + ':' + category slug); "
                              "multinomial resampling of the counted ballot types",
                 "sampler": uncertainty.SAMPLER}
    return Decision(normalise(out), normalise({"categories": inputs}), normalise(rule_json))
