"""Which of the editor's fields the contest's phase locks, and why: asked of
the rule itself (contests/domain/changes.lock_problems), never restated. Each
field is probed with a change of its value alone; if the rule refuses that
change, the field is shown locked with the rule's reason."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any, Iterable

from voting.contests.domain import changes


def _changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, list):
        return [*value, "probe"]
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value + "-probe"
        try:  # a minute later, or earlier at the end of time (a date stored before the SPEC bounded them)
            return (moment + timedelta(minutes=1)).isoformat()
        except OverflowError:
            return (moment - timedelta(minutes=1)).isoformat()
    return "probe"


def _probe(spec: dict[str, Any], path: str) -> dict[str, Any] | None:
    after = copy.deepcopy(spec)
    target: Any = after
    *parents, leaf = path.split(".")
    for part in parents:
        if not isinstance(target, dict) or not isinstance(target.get(part), dict):
            return None
        target = target[part]
    if not isinstance(target, dict):
        return None
    target[leaf] = _changed(target.get(leaf))
    return after


def locked(spec: dict[str, Any], paths: Iterable[str], now: datetime, published: bool) -> dict[str, str]:
    """{path: why it is locked} for those of `paths` whose change the phase forbids."""
    found: dict[str, str] = {}
    for path in paths:
        after = _probe(spec, path)
        if after is None:
            continue
        problems = changes.lock_problems(spec, after, now, published)
        if problems:
            found[path] = next(iter(problems.values()))
    return found
