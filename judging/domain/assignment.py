"""Which judge scores which entry: a plan from a seeded generator, and its repair. Pure.

The rules, in order of precedence:

1. **A conflict is never assigned.** Not to fill a shortage, not to balance.
2. **Eligibility.** A judge who states expertise (a set of category slugs)
   judges only entries of those categories; a judge who states none judges in
   every category. Stated expertise is what organisers promise entrants (the
   WSIS expert group, the hackathon's experts per challenge area), so the plan
   keeps it rather than quietly sending the frailty expert to the finance
   area; when a category lacks judges the plan says so (a shortage) and the
   organiser widens someone's expertise deliberately.
3. **Coverage.** Each entry gets `judges_per_entry` distinct judges, or is
   listed as a shortage (entry, needed, got) with as many as it could get.
   Judges carry no capacity limit, so an entry falls short exactly when fewer
   than `judges_per_entry` eligible, unconflicted judges exist for it.
4. **Balance.** No judge holds an assignment that another judge who could
   take it (eligible, unconflicted, not already on that entry) could take
   while carrying at least two fewer. When every judge may judge every entry
   this means every load is within one of every other; with expertise or
   conflicts it holds between any two judges who could swap work.
5. **Expertise preferred** among judges of equal load: a judge whose
   expertise names the category goes before a generalist.
6. **Chance** breaks the remaining ties, from the caller's `random.Random`.
   Inputs are sorted by id before any draw, so the same inputs and the same
   seed give the same plan whatever order the inputs come in.

`assign` builds a plan greedily (each entry, by id, takes the least-loaded
eligible judges) and then moves single assignments from a judge to one with
at least two fewer until none can move, which establishes rule 4 (every move
lowers the sum of squared loads, so this ends). `reassign` repairs a plan
after a conflict, a departure, a change of expertise or new entries, touching
as little as possible.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from typing import AbstractSet, Iterable, Sequence

Pair = tuple[int, int]  # (judge id, entry id)


@dataclass(frozen=True)
class Entry:
    id: int
    category: str


@dataclass(frozen=True)
class Judge:
    id: int
    # Category slugs this judge is restricted to; empty: any category.
    expertise: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "expertise", frozenset(self.expertise))  # a set or list from the caller

    def may_judge(self, category: str) -> bool:
        return not self.expertise or category in self.expertise


@dataclass(frozen=True)
class Shortage:
    entry: int
    category: str
    needed: int
    got: int


@dataclass(frozen=True)
class Plan:
    judges_per_entry: int
    pairs: frozenset[Pair]
    shortages: tuple[Shortage, ...] = ()

    def judges_of(self, entry: int) -> tuple[int, ...]:
        return tuple(sorted(j for j, e in self.pairs if e == entry))

    def entries_of(self, judge: int) -> tuple[int, ...]:
        return tuple(sorted(e for j, e in self.pairs if j == judge))

    def loads(self) -> dict[int, int]:
        out: dict[int, int] = defaultdict(int)
        for judge, _ in self.pairs:
            out[judge] += 1
        return dict(sorted(out.items()))


@dataclass(frozen=True)
class Reassignment:
    plan: Plan
    added: tuple[Pair, ...]
    removed: tuple[Pair, ...]
    # Locked (already scored) pairs that had to go because the judge now
    # conflicts with the entry: the caller voids those scores.
    voided: tuple[Pair, ...] = ()


class _Board:
    """The working state: who is on which entry, and each judge's load."""

    def __init__(self, entries: Sequence[Entry], judges: Sequence[Judge], conflicts: AbstractSet[Pair]):
        self.entries = {e.id: e for e in _unique(entries, "entry")}
        self.judges = {j.id: j for j in _unique(judges, "judge")}
        self.judge_ids = sorted(self.judges)
        self.conflicts = conflicts
        self.on: dict[int, set[int]] = {e: set() for e in self.entries}
        self.load: dict[int, int] = {j: 0 for j in self.judge_ids}

    def eligible(self, judge: int, entry: int) -> bool:
        j = self.judges.get(judge)
        return (j is not None and (judge, entry) not in self.conflicts
                and j.may_judge(self.entries[entry].category))

    def candidates(self, entry: int) -> list[int]:
        return [j for j in self.judge_ids if j not in self.on[entry] and self.eligible(j, entry)]

    def put(self, judge: int, entry: int) -> None:
        self.on[entry].add(judge)
        if judge in self.load:  # a departed judge's locked pair carries no load
            self.load[judge] += 1

    def take(self, judge: int, entry: int) -> None:
        self.on[entry].discard(judge)
        self.load[judge] -= 1

    def expert(self, judge: int, entry: int) -> bool:
        return self.entries[entry].category in self.judges[judge].expertise

    def pairs(self) -> frozenset[Pair]:
        return frozenset((j, e) for e, js in self.on.items() for j in js)


def _unique(items: Sequence, what: str) -> list:
    ids = [x.id for x in items]
    if len(ids) != len(set(ids)):
        raise ValueError(f"duplicate {what} ids")
    return sorted(items, key=lambda x: x.id)


def _fill(board: _Board, per_entry: int, rng: random.Random) -> tuple[list[Pair], tuple[Shortage, ...]]:
    """Give every entry (by id) up to `per_entry` judges, least-loaded first,
    experts before generalists at equal load, chance among the rest."""
    added, shortages = [], []
    for entry in sorted(board.entries):
        need = per_entry - len(board.on[entry])
        if need <= 0:
            continue
        pool = board.candidates(entry)
        rng.shuffle(pool)  # a fresh draw per entry, so judges are mixed across entries
        for _ in range(min(need, len(pool))):
            # min keeps the first of equals, i.e. the shuffled order breaks ties.
            pick = min(pool, key=lambda j: (board.load[j], not board.expert(j, entry)))
            pool.remove(pick)
            board.put(pick, entry)
            added.append((pick, entry))
        if len(board.on[entry]) < per_entry:
            shortages.append(Shortage(entry, board.entries[entry].category, per_entry, len(board.on[entry])))
    return added, tuple(shortages)


def _balance(board: _Board) -> None:
    """Move single assignments to a judge carrying at least two fewer until
    no such move exists (rule 4). Deterministic: the most loaded judge, their
    entries by id, the least loaded taker (lowest id among equals)."""
    while True:
        for giver in sorted(board.judge_ids, key=lambda j: (-board.load[j], j)):
            move = None
            for entry in sorted(e for e, js in board.on.items() if giver in js):
                takers = board.candidates(entry)
                if takers:
                    taker = min(takers, key=lambda j: (board.load[j], j))
                    if board.load[giver] - board.load[taker] >= 2:
                        move = (taker, entry)
                        break
            if move:
                board.take(giver, move[1])
                board.put(*move)
                break
        else:
            return


def assign(entries: Sequence[Entry], judges: Sequence[Judge], conflicts: Iterable[Pair],
           judges_per_entry: int, rng: random.Random) -> Plan:
    """A plan giving each entry `judges_per_entry` judges under the module's
    rules; entries that cannot be covered are listed in `Plan.shortages`."""
    if judges_per_entry < 1:
        raise ValueError("judges_per_entry must be at least 1")
    board = _Board(entries, judges, frozenset(conflicts))
    _, shortages = _fill(board, judges_per_entry, rng)
    _balance(board)
    return Plan(judges_per_entry, board.pairs(), shortages)


def reassign(plan: Plan, entries: Sequence[Entry], judges: Sequence[Judge], conflicts: Iterable[Pair],
             rng: random.Random, *, locked: Iterable[Pair] = (), judges_per_entry: int | None = None) -> Reassignment:
    """Repair `plan` for the situation now: `judges` without those who dropped
    out, `conflicts` with any newly declared, `entries` as they are.

    A pair of the plan stays when it is still allowed (judge present and
    eligible, no conflict, entry present), or when it is `locked` (already
    scored: a departed judge's scores stand) and not a conflict. A locked pair
    that is now a conflict goes and is reported in `voided`. Every entry left
    short then gets replacements by the same rule as `assign` (least-loaded
    eligible judge, expert first, chance); nothing else moves, so loads
    elsewhere are untouched and balance holds only as far as the replacements
    allow. Pairs an entry holds beyond `judges_per_entry` are kept.
    """
    per_entry = plan.judges_per_entry if judges_per_entry is None else judges_per_entry
    if per_entry < 1:
        raise ValueError("judges_per_entry must be at least 1")
    board = _Board(entries, judges, frozenset(conflicts))
    locked = frozenset(locked)
    removed, voided = [], []
    for judge, entry in sorted(plan.pairs):
        if entry in board.entries and (judge, entry) not in board.conflicts and (
                (judge, entry) in locked or board.eligible(judge, entry)):
            board.put(judge, entry)
        else:
            removed.append((judge, entry))
            if (judge, entry) in locked:
                voided.append((judge, entry))
    added, shortages = _fill(board, per_entry, rng)
    return Reassignment(Plan(per_entry, board.pairs(), shortages), tuple(sorted(added)), tuple(removed),
                        tuple(voided))
