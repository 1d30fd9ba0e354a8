"""The tie chain: how a contest breaks ties, and the record of every use. Pure.

A chain is a sequence of rule names, tried in order on every group of entries
that a stage of the count leaves level:
- `jury_score`: the higher jury score first; an entry without one after every
  entry with one. Scores equal to `PRECISION` decimals are level.
- `public_votes`: the higher `public_votes` first (same rounding; none last).
- `earliest_submission`: the earlier `submitted_at` first (ISO 8601, compared
  as instants, a naive time read as UTC; none last).
- `draw`: ascending SHA-256 hex of `"{seed}:{category slug}:{entry id}"`,
  UTF-8, where the seed is the ledger's final root (hex). Anyone with the
  ledger can repeat it, nobody could aim for it before the ledger closed, and
  it always separates distinct entries, so a chain ending in `draw` breaks
  every tie. Without it a tie may remain: it is kept (the entries share the
  place) and reported as unresolved.

The default chain (DEFAULT_CHAIN) is jury_score, public_votes,
earliest_submission, draw. Each rule refines the groups the rules before it left; a rule is recorded as
deciding when it split at least one group.

Public functions:
- `validate_chain(chain) -> tuple[str, ...]` (ValueError on unknown or repeated rules).
- `draw_key(seed, category, entry) -> str`.
- `utc_text(iso) -> iso`: an instant in UTC with an explicit offset (naive = UTC).
- `split(group, chain, traits, *, seed, category) -> (ordered sub-groups, rules used)`.
- `resolve(order, chain, traits, *, seed, category, stage, cut_lines, first_place=1) -> Resolution`:
  tie groups (best first) to a strict order where the chain can, with a `Tie`
  for every group of two or more.
- `total_order(entries, chain, traits, *, seed, category, skip=("public_votes",)) -> list[int]`:
  every entry in chain order, ids last, for the count's own tie decisions (IRV).
- `straddled(places, cut_lines) -> tuple[str, ...]`: the cut lines with tied
  entries on both sides.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable, Mapping, Sequence

RULES = ("jury_score", "public_votes", "earliest_submission", "draw")
DEFAULT_CHAIN = ("jury_score", "public_votes", "earliest_submission", "draw")
PRECISION = 6


@dataclass(frozen=True)
class Traits:
    """What the rules read of an entry."""

    public_votes: float | None = None
    jury_score: float | None = None
    submitted_at: str | None = None


@dataclass(frozen=True)
class Tie:
    stage: str  # "public", "jury", "hybrid" or "irv" (an elimination in a given round)
    place: int  # the best place the tied entries compete for
    entries: tuple[int, ...]  # in the order decided
    decided_by: tuple[str, ...]  # rules that separated them, in chain order
    unresolved: tuple[tuple[int, ...], ...] = ()  # groups no rule separated
    cut_lines: tuple[str, ...] = ()  # cut lines with tied entries on both sides
    round: int | None = None  # IRV: the round of the elimination

    def to_json(self) -> dict:
        out = {"stage": self.stage, "place": self.place, "entries": list(self.entries),
               "decided_by": list(self.decided_by), "unresolved": [list(g) for g in self.unresolved],
               "cut_lines": list(self.cut_lines)}
        if self.round is not None:
            out["round"] = self.round
        return out


@dataclass(frozen=True)
class Resolution:
    order: tuple[tuple[int, ...], ...]  # singletons, except unresolved ties
    ties: tuple[Tie, ...]


def validate_chain(chain: Iterable[str]) -> tuple[str, ...]:
    chain = tuple(chain)
    unknown = [r for r in chain if r not in RULES]
    if unknown:
        raise ValueError(f"unknown tie rule(s): {unknown}")
    if len(set(chain)) != len(chain):
        raise ValueError("a tie rule is repeated")
    return chain


def draw_key(seed: str, category: str, entry: int) -> str:
    return hashlib.sha256(f"{seed}:{category}:{int(entry)}".encode("utf-8")).hexdigest()


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def utc_text(text: str | None) -> str | None:
    """The instant in UTC with an explicit offset: a naive time from SQLite and
    an aware one from PostgreSQL must read (and hash) alike."""
    return _moment(text).astimezone(timezone.utc).isoformat() if text else None


def _instant(text: str | None) -> tuple[int, float]:
    return (0, _moment(text).timestamp()) if text else (1, 0.0)


def _higher(value: float | None) -> tuple[int, float]:
    return (1, 0.0) if value is None else (0, -round(float(value), PRECISION))


def _key(rule: str, entry: int, traits: Mapping[int, Traits], seed: str, category: str):
    t = traits.get(entry, Traits())
    if rule == "jury_score":
        return _higher(t.jury_score)
    if rule == "public_votes":
        return _higher(t.public_votes)
    if rule == "earliest_submission":
        return _instant(t.submitted_at)
    if rule == "draw":
        return draw_key(seed, category, entry)
    raise ValueError(f"unknown tie rule {rule!r}")


def split(group: Sequence[int], chain: Sequence[str], traits: Mapping[int, Traits], *,
          seed: str, category: str) -> tuple[list[tuple[int, ...]], tuple[str, ...]]:
    parts: list[list[int]] = [sorted(group)]
    used: list[str] = []
    for rule in chain:
        if all(len(p) == 1 for p in parts):
            break
        refined: list[list[int]] = []
        for part in parts:
            if len(part) == 1:
                refined.append(part)
                continue
            keyed = sorted(part, key=lambda e: (_key(rule, e, traits, seed, category), e))
            pieces: list[list[int]] = []
            last = object()
            for e in keyed:
                k = _key(rule, e, traits, seed, category)
                if pieces and k == last:
                    pieces[-1].append(e)
                else:
                    pieces.append([e])
                last = k
            if len(pieces) > 1 and rule not in used:
                used.append(rule)
            refined.extend(pieces)
        parts = refined
    return [tuple(p) for p in parts], tuple(used)


def straddled(places: Mapping[int, int], cut_lines: Mapping[str, int]) -> tuple[str, ...]:
    """`places`: each tied entry's final place; a cut line k separates places <= k from the rest."""
    if not places:
        return ()
    best, worst = min(places.values()), max(places.values())
    return tuple(name for name, k in sorted(cut_lines.items(), key=lambda kv: (kv[1], kv[0]))
                 if best <= k < worst)


def resolve(order: Sequence[Sequence[int]], chain: Sequence[str], traits: Mapping[int, Traits], *,
            seed: str, category: str, stage: str, cut_lines: Mapping[str, int] | None = None,
            first_place: int = 1) -> Resolution:
    chain = validate_chain(chain)
    cut_lines = cut_lines or {}
    out: list[tuple[int, ...]] = []
    ties: list[Tie] = []
    place = first_place
    for group in order:
        if len(group) == 1:
            out.append(tuple(group))
            place += 1
            continue
        parts, used = split(group, chain, traits, seed=seed, category=category)
        # every tied entry at its own place, an unresolved part over all the places it shares
        places = {e: place + i for i, e in enumerate(e for part in parts for e in part)}
        ties.append(Tie(stage, place, tuple(places), used, tuple(part for part in parts if len(part) > 1),
                        straddled(places, cut_lines)))
        out.extend(parts)
        place += len(group)
    return Resolution(tuple(out), tuple(ties))


def total_order(entries: Iterable[int], chain: Sequence[str], traits: Mapping[int, Traits], *,
                seed: str, category: str, skip: Sequence[str] = ("public_votes",)) -> list[int]:
    rules = [r for r in validate_chain(chain) if r not in skip]
    parts, _ = split(list(entries), rules, traits, seed=seed, category=category)
    return [e for part in parts for e in sorted(part)]
