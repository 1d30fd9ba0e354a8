"""Ballot selections: checking them against the contest's method, and what
each adds to the live counters. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from voting.i18n.domain import msg, nmsg

METHODS = ("single", "approval", "score", "ranked")
# An entry id as a score key: ASCII digits as the id prints, at most 12 of them.
# Not str.isdigit, which takes "²" and "٣" (int() then fails on the one and
# reads the other), nor int(), which takes "+7", " 7" and "7_0": one entry has
# exactly one spelling.
ENTRY_KEY = re.compile(r"(?:0|[1-9][0-9]{0,11})\Z", re.ASCII)


class SelectionError(ValueError):
    """The selection does not fit the contest; the message says why."""


@dataclass(frozen=True)
class Rules:
    method: str
    max_choices: int = 1
    score_max: int = 5


def _entry_id(value: Any, eligible: frozenset[int]) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SelectionError(msg("entries are named by their integer id"))
    if value not in eligible:
        raise SelectionError(msg("entry %(entry)s is not an approved entry of this category", entry=value))
    return value


def _id_list(selection: Any, eligible: frozenset[int], least: int, most: int) -> list[int]:
    if not isinstance(selection, list):
        raise SelectionError(msg("the selection must be a list of entry ids"))
    if not least <= len(selection) <= most:
        raise SelectionError(msg("choose between %(least)d and %(most)d entries", least=least, most=most)
                             if least != most else nmsg("choose exactly %(num)d entry", "choose exactly %(num)d entries",
                                                        least))
    ids = [_entry_id(v, eligible) for v in selection]
    if len(set(ids)) != len(ids):
        raise SelectionError(msg("an entry appears more than once"))
    return ids


def check(rules: Rules, selection: Any, eligible: frozenset[int]) -> list[int] | dict[str, int]:
    """The selection in canonical form, or SelectionError."""
    if not eligible:
        raise SelectionError(msg("this category has no approved entries"))
    if rules.method == "single":
        return _id_list(selection, eligible, 1, 1)
    if rules.method == "approval":
        return _id_list(selection, eligible, 1, min(rules.max_choices, len(eligible)))
    if rules.method == "ranked":
        return _id_list(selection, eligible, 1, len(eligible))
    if rules.method == "score":
        return _scores(rules, selection, eligible)
    raise SelectionError(msg("this contest has no public vote"))


def _scores(rules: Rules, selection: Any, eligible: frozenset[int]) -> dict[str, int]:
    if not isinstance(selection, dict) or not selection:
        raise SelectionError(msg('the selection must be an object of entry ids to stars, e.g. %(example)s',
                                 example='{"7": 4}'))
    scores: dict[str, int] = {}
    for key, stars in selection.items():
        if not (isinstance(key, str) and ENTRY_KEY.match(key)):
            raise SelectionError(msg("%(key)s is not an entry id written in digits", key=repr(key[:20]))
                                 if isinstance(key, str) else msg("entries are named by their id written in digits"))
        _entry_id(int(key), eligible)
        if isinstance(stars, bool) or not isinstance(stars, int) or not 0 <= stars <= rules.score_max:
            raise SelectionError(msg("stars for entry %(entry)s must be a whole number from 0 to %(most)d", entry=key,
                                     most=rules.score_max))
        scores[key] = stars  # canonical already: the keys of a dict are distinct, so no entry twice
    return scores


def increments(method: str, selection: list[int] | dict[str, int]) -> dict[int, int]:
    """What a counted ballot adds per entry to the live counters: a vote per
    chosen entry (single, approval), the stars (score), or a first preference
    (ranked: the full count needs every ballot and runs in the tally)."""
    if method == "score":
        assert isinstance(selection, dict)
        return {int(k): v for k, v in selection.items() if v}
    assert isinstance(selection, list)
    if method == "ranked":
        return {selection[0]: 1} if selection else {}
    return {entry_id: 1 for entry_id in selection}
