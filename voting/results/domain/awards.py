"""Award policies: from a category's public count and jury scores to its ranking,
champions, winners and the record of every tie. Pure.

Policies (`awards.policy` in SPEC):
- `public`: the public count's order alone.
- `jury`: the jury scores alone.
- `jury_among_champions`: the first `champions_per_category` of the public
  order are the Champions (award `champion`); the jury orders the champions
  and its best `winners_per_category` get `winner`. The ranking lists the
  champions in the jury's order, then everyone else in the public order.
- `hybrid`: `public_weight` x public + (1 - `public_weight`) x jury, both
  min-max normalised over the category: public (v - min) / (max - min) of
  `public_votes` over all entries, jury (s - min) / (max - min) over the scored
  entries. Min-max because shares of the public total sum to 1 (70 entries
  get ~0.014 each) and would leave the public a sliver beside a jury spread
  over [0, 1], so `public_weight` would not mean what it says; and because
  jury scores may be z-scores (negative, no rubric maximum). When every value
  is equal the component is 1 (0 for a public vote nobody cast). An entry the
  jury did not score gets 0 on the jury side. The combined score is published
  as `hybrid_score` and compared to `ties.PRECISION` decimals.

Photo contests (`kind` "photo") award `first`, `second`, `third` where the
others award `winner` (`winners_per_category` is then ignored).

Who may be awarded: a public award (`public` winners, champions) needs the
support of at least one counted ballot (a vote, a star, a place on a ranked
ballot), so an empty category awards nobody; a jury award (`jury` winners,
winners among champions) needs a jury score: an entry the jury did not score
ranks below every scored entry and wins nothing; `hybrid` needs either. An
entry listed at an award's place without that right keeps its rank, and the
award stays empty.

Cut lines (for uncertainty.py): `champion` between the last champion and
the next entry of the public order; `winner` (photo: `first`, `second`,
`third`) between the entries at that place and the next in the order of the
stage that awards it.

Ties: every level group of a stage goes through the contest's tie chain
(ties.py), each use recorded with the cut lines it straddles (`champion` at
`champions_per_category`; `winner` at `winners_per_category`; photo `first`,
`second`, `third` at 1, 2, 3). IRV's own elimination ties are recorded too
(stage "irv"). A tie the chain leaves unresolved shares its best place and,
at a cut line, its award: every tied entry gets it.

Public functions:
- `decide_category(slug, entries, rules, *, count, jury, seed) -> CategoryDecision`
- `hybrid_scores(ids, public, jury, weight) -> {entry: combined}`
- `minmax(values, level) -> {key: normalised}`
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from voting.results.domain import ties as tie_chain
from voting.results.domain.counting import Count
from voting.results.domain.ties import DEFAULT_CHAIN, PRECISION, Tie, Traits

POLICIES = ("public", "jury", "jury_among_champions", "hybrid")
PHOTO_AWARDS = ("first", "second", "third")


@dataclass(frozen=True)
class Entry:
    id: int
    title: str = ""
    submitted_at: str | None = None


@dataclass(frozen=True)
class AwardRules:
    policy: str = "public"
    kind: str = "prize"
    champions_per_category: int = 5
    winners_per_category: int = 1
    public_weight: float = 0.5
    tie_chain: tuple[str, ...] = DEFAULT_CHAIN

    def __post_init__(self) -> None:
        if self.policy not in POLICIES:
            raise ValueError(f"unknown award policy {self.policy!r}")
        if self.champions_per_category < 1 or self.winners_per_category < 1:
            raise ValueError("champions_per_category and winners_per_category must be at least 1")
        if not 0.0 <= self.public_weight <= 1.0:
            raise ValueError("public_weight must be within [0, 1]")
        object.__setattr__(self, "tie_chain", tie_chain.validate_chain(self.tie_chain))

    @property
    def award_names(self) -> tuple[str, ...]:
        return PHOTO_AWARDS if self.kind == "photo" else ("winner",) * self.winners_per_category

    @property
    def final_cuts(self) -> dict[str, int]:
        if self.kind == "photo":
            return {name: i + 1 for i, name in enumerate(PHOTO_AWARDS)}
        return {"winner": self.winners_per_category}

    def to_json(self) -> dict:
        return {"policy": self.policy, "kind": self.kind, "champions_per_category": self.champions_per_category,
                "winners_per_category": self.winners_per_category, "public_weight": self.public_weight,
                "tie_chain": list(self.tie_chain)}


@dataclass(frozen=True)
class Placing:
    entry_id: int
    title: str
    rank: int
    public_votes: int | None
    jury_score: float | None
    award: str | None
    hybrid_score: float | None = None

    def to_json(self) -> dict:
        out = {"entry_id": self.entry_id, "title": self.title, "rank": self.rank,
               "public_votes": self.public_votes, "jury_score": self.jury_score, "award": self.award}
        if self.hybrid_score is not None:
            out["hybrid_score"] = self.hybrid_score
        return out


@dataclass(frozen=True)
class CutLine:
    """Between the entry at `place` and the next one of a stage's order."""

    name: str
    place: int
    stage: str  # "public", "jury" or "hybrid": what decided the order there
    above: int
    below: int


@dataclass(frozen=True)
class CategoryDecision:
    slug: str
    ranking: tuple[Placing, ...]
    champions: tuple[int, ...]
    winners: tuple[int, ...]
    ties: tuple[Tie, ...]
    cut_lines: tuple[CutLine, ...]
    hybrid: Mapping[int, float] | None = None  # combined scores (hybrid only)
    jury_normalised: Mapping[int, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"slug": self.slug, "ranking": [p.to_json() for p in self.ranking],
                "champions": list(self.champions), "winners": list(self.winners),
                "ties": [t.to_json() for t in self.ties]}


def minmax(values: Mapping[int, float], level: float) -> dict[int, float]:
    if not values:
        return {}
    lo, hi = min(values.values()), max(values.values())
    if hi == lo:
        return {k: level for k in values}
    return {k: (v - lo) / (hi - lo) for k, v in values.items()}


def hybrid_scores(ids: Sequence[int], public: Mapping[int, float] | None, jury: Mapping[int, float],
                  weight: float) -> dict[int, float]:
    votes = {e: float(public.get(e, 0)) if public else 0.0 for e in ids}
    public_n = minmax(votes, 1.0 if any(votes.values()) else 0.0)
    jury_n = minmax({e: float(jury[e]) for e in ids if e in jury}, 1.0)
    return {e: weight * public_n[e] + (1.0 - weight) * jury_n.get(e, 0.0) for e in ids}


def _groups(ids: Sequence[int], value: Mapping[int, float]) -> list[tuple[int, ...]]:
    """Level groups by a value (higher first, to PRECISION decimals); entries without one last, together."""
    have = sorted((e for e in ids if e in value), key=lambda e: (-round(value[e], PRECISION), e))
    out: list[list[int]] = []
    for e in have:
        if out and round(value[out[-1][0]], PRECISION) == round(value[e], PRECISION):
            out[-1].append(e)
        else:
            out.append([e])
    rest = [e for e in ids if e not in value]
    return [tuple(g) for g in out] + ([tuple(sorted(rest))] if rest else [])


def _public_groups(ids: Sequence[int], count: Count | None) -> list[tuple[int, ...]]:
    if count is None:
        return [tuple(ids)] if ids else []
    known = set(ids)
    groups = [tuple(e for e in g if e in known) for g in count.order]
    listed = {e for g in groups for e in g}
    missing = tuple(e for e in ids if e not in listed)
    return [g for g in groups if g] + ([missing] if missing else [])


def _flat(order: Sequence[Sequence[int]]) -> list[int]:
    return [e for g in order for e in g]


def _cut_lines(order: Sequence[Sequence[int]], cuts: Mapping[str, int], stage: str) -> list[CutLine]:
    flat = _flat(order)
    return [CutLine(name, k, stage, flat[k - 1], flat[k]) for name, k in sorted(cuts.items(), key=lambda kv: kv[1])
            if k < len(flat)]


def _irv_ties(count: Count, order: Sequence[Sequence[int]], rules: AwardRules, traits: Mapping[int, Traits],
              seed: str, slug: str, cuts: Mapping[str, int]) -> list[Tie]:
    place = {e: i + 1 for i, e in enumerate(_flat(order))}
    chain = [r for r in rules.tie_chain if r != "public_votes"]  # level by definition in an elimination
    out = []
    for t in count.detail.get("ties", []):
        tied = [e for e in t["tied"] if e in place]
        parts, used = tie_chain.split(tied, chain, traits, seed=seed, category=slug)
        places = {e: place[e] for e in tied}
        out.append(Tie("irv", min(places.values()), tuple(sorted(tied, key=place.__getitem__)), used,
                       tuple(p for p in parts if len(p) > 1), tie_chain.straddled(places, cuts), t["round"]))
    return out


@dataclass
class _Context:
    slug: str
    rules: AwardRules
    count: Count | None
    scored: dict[int, float]
    supported: frozenset[int]
    traits: dict[int, Traits]
    seed: str

    def resolve(self, order, stage: str, cuts: Mapping[str, int]) -> tie_chain.Resolution:
        return tie_chain.resolve(order, self.rules.tie_chain, self.traits, seed=self.seed, category=self.slug,
                                 stage=stage, cut_lines=cuts)

    def irv_ties(self, public_order, cuts: Mapping[str, int]) -> list[Tie]:
        if self.count is None:
            return []
        return _irv_ties(self.count, public_order, self.rules, self.traits, self.seed, self.slug, cuts)


def _among_champions(ctx: _Context, public_order):
    """The public picks the champions, the jury orders them: (final order, champions, ties, cut lines)."""
    c = ctx.rules.champions_per_category
    pub = ctx.resolve(public_order, "public", {"champion": c})
    champions: list[int] = []
    place = 1
    for group in pub.order:
        if place <= c:
            champions += [e for e in group if e in ctx.supported]
        place += len(group)
    chosen = set(champions)
    ties = ctx.irv_ties(public_order, {"champion": c}) + list(pub.ties)
    cut_lines = []
    flat = _flat(pub.order)
    last = max((flat.index(e) for e in chosen), default=len(flat))
    if last + 1 < len(flat):  # between the last champion and the next entry, wherever fewer qualified
        cut_lines.append(CutLine("champion", len(champions), "public", flat[last], flat[last + 1]))
    jury = ctx.resolve(_groups(champions, ctx.scored), "jury", ctx.rules.final_cuts)
    ties += jury.ties
    cut_lines += _cut_lines(jury.order, ctx.rules.final_cuts, "jury")
    rest = [g for g in (tuple(e for e in grp if e not in chosen) for grp in pub.order) if g]
    return list(jury.order) + rest, _flat(jury.order), ties, cut_lines


def decide_category(slug: str, entries: Sequence[Entry], rules: AwardRules, *, count: Count | None,
                    jury: Mapping[int, float] | None, seed: str) -> CategoryDecision:
    by_id = {e.id: e for e in entries}
    ids = sorted(by_id)
    public = {e: count.scores.get(e, 0) for e in ids} if count is not None else None
    scored = {e: float(jury[e]) for e in ids if jury and jury.get(e) is not None}
    traits = {e: Traits(public[e] if public else None, scored.get(e), by_id[e].submitted_at) for e in ids}
    supported = (count.supported & set(ids)) if count is not None else frozenset()
    ctx = _Context(slug, rules, count, scored, supported, traits, seed)
    public_order = _public_groups(ids, count)
    hybrid = None
    champions: list[int] = []

    if rules.policy == "jury_among_champions":
        stage = "jury"
        final, champions, ties, cut_lines = _among_champions(ctx, public_order)
    else:
        if rules.policy == "public":
            stage, order = "public", public_order
        elif rules.policy == "jury":
            stage, order = "jury", _groups(ids, scored)
        else:
            stage = "hybrid"
            hybrid = hybrid_scores(ids, public, scored, rules.public_weight)
            order = _groups(ids, hybrid)
        res = ctx.resolve(order, stage, rules.final_cuts)
        ties = ctx.irv_ties(public_order, rules.final_cuts if stage == "public" else {}) + list(res.ties)
        cut_lines = _cut_lines(res.order, rules.final_cuts, stage)
        final = list(res.order)

    def eligible(e: int) -> bool:
        if rules.policy == "jury_among_champions":
            return e in chosen and e in scored
        if stage == "public":
            return e in supported
        if stage == "jury":
            return e in scored
        return e in supported or e in scored

    names = rules.award_names
    placings, winners, place = [], [], 1
    chosen = set(champions)
    for group in final:
        name = names[place - 1] if place <= len(names) else None
        for e in group:
            award = name if name and eligible(e) else ("champion" if e in chosen else None)
            if award and award != "champion":
                winners.append(e)
            placings.append(Placing(e, by_id[e].title, place, public[e] if public else None, scored.get(e),
                                    award, round(hybrid[e], PRECISION) if hybrid else None))
        place += len(group)
    return CategoryDecision(slug, tuple(placings), tuple(champions), tuple(winners), tuple(ties),
                            tuple(cut_lines), hybrid, minmax(scored, 1.0))
