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

from voting.i18n.domain import N_

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


def _window(spec: dict[str, Any]) -> tuple[datetime, datetime] | None:
    found = (spec.get("phases") or {}).get("voting")
    if not isinstance(found, dict):
        return None
    return datetime.fromisoformat(found["opens_at"]), datetime.fromisoformat(found["closes_at"])


def lock_problems(before: dict[str, Any], after: dict[str, Any], now: datetime, published: bool) -> dict[str, str]:
    """Why the change from `before` to `after` (SPECs as JSON, as stored and as
    patched) is not allowed now, by field path. Read from the JSON, so that a
    stored SPEC that a newer rule would refuse can still be corrected."""
    problems: dict[str, str] = {}
    if published:
        changed = {path.split(".")[0] for path in diff(before, after)}
        for section in sorted(changed & set(RESULT_INPUTS)):
            problems[section] = N_("the results are published: what fed them can no longer change")
        return problems
    window, moved = _window(before), _window(after)
    if window is None or now < window[0]:
        return problems
    for rule in COUNTING_RULES:
        if (before.get("voting") or {}).get(rule) != (after.get("voting") or {}).get(rule):
            problems[f"voting.{rule}"] = N_("is locked: voting has opened")
    if moved is None:
        problems["phases.voting"] = N_("cannot be removed: voting has opened")
        return problems
    if moved[0] != window[0]:
        problems["phases.voting.opens_at"] = N_("cannot move: voting has opened")
    if now >= window[1] and moved[1] != window[1]:
        problems["phases.voting.closes_at"] = N_("cannot move: voting has closed, and a closed vote never reopens")
    return problems
