"""What a change to a contest's SPEC changes, and which changes the contest's
phase forbids. Pure: no framework, no database; `now` is an argument.

The rules that decide how ballots are read and counted must not move under
the voters' feet: once the voting window has opened they are locked, and a
vote that has closed never reopens (its receipts and ledger leaves may
already be public, so a fraudster reopening it would vote knowing which of
his ballots were caught). Difficulty, limits and thresholds stay adjustable,
so organisers can answer an attack; every change is audited either way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from voting.contests.spec import ContestSpec

# How ballots are read and counted (shared/API.md: locked once voting opens).
COUNTING_RULES = ("method", "ranked_method", "max_choices", "score_max")
# Sections whose values feed published results.
RESULT_INPUTS = ("voting", "judging", "awards", "categories", "phases")


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Every leaf of a JSON value by its dotted path (`phases.voting.closes_at`,
    `categories.0.title`); an empty object or list is a leaf of its own."""
    if isinstance(value, dict) and value:
        found: dict[str, Any] = {}
        for key, item in value.items():
            found.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return found
    if isinstance(value, list) and value:
        found = {}
        for index, item in enumerate(value):
            found.update(flatten(item, f"{prefix}.{index}" if prefix else str(index)))
        return found
    return {prefix: value}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{path: {"before": old, "after": new}} for every leaf that differs
    (a leaf that appears or disappears has None on the other side)."""
    old, new = flatten(before), flatten(after)
    return {path: {"before": old.get(path), "after": new.get(path)}
            for path in sorted(old.keys() | new.keys()) if old.get(path) != new.get(path)}


def lock_problems(before: ContestSpec, after: ContestSpec, now: datetime, published: bool) -> dict[str, str]:
    """Why the change from `before` to `after` is not allowed now, by field path."""
    problems: dict[str, str] = {}
    if published:
        changed = {path.split(".")[0] for path in diff(before.to_json(), after.to_json())}
        for section in sorted(changed & set(RESULT_INPUTS)):
            problems[section] = "the results are published: what fed them can no longer change"
        return problems
    window, moved = before.phases.voting, after.phases.voting
    if window is None or now < window.opens_at:
        return problems
    for rule in COUNTING_RULES:
        if getattr(before.voting, rule) != getattr(after.voting, rule):
            problems[f"voting.{rule}"] = "is locked: voting has opened"
    if moved is None:
        problems["phases.voting"] = "cannot be removed: voting has opened"
        return problems
    if moved.opens_at != window.opens_at:
        problems["phases.voting.opens_at"] = "cannot move: voting has opened"
    if now >= window.closes_at and moved.closes_at != window.closes_at:
        problems["phases.voting.closes_at"] = "cannot move: voting has closed, and a closed vote never reopens"
    return problems
