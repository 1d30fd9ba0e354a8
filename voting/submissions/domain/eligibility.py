"""Eligibility: what a moderator should know about an entry before deciding.
Pure: computed from the entry's facts, the contest's rules and `now`, never
stored, so a change of the rules shows at once.

Each check answers ok (True), a problem (False), or cannot tell yet (None:
no submission window, a photo whose size is not known yet). The checks
inform; the organisers decide (an organiser's own entry added after the
phase is flagged, not refused)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from voting.contests.domain.phases import Window
from voting.submissions.domain import fields
from voting.submissions.domain.words import count_words

CHECKS = ("within_phase", "required_fields", "summary_words", "photo_resolution")


@dataclass(frozen=True)
class EntryFacts:
    kind: str
    values: Mapping[str, Any]  # the entry's fields by name
    submitted_at: datetime | None  # None: a draft, never handed in
    photo_size: tuple[int, int] | None = None  # (width, height) once known


@dataclass(frozen=True)
class Check:
    key: str
    ok: bool | None
    message: str  # English, for the API; the pages word it from `key` and `details`
    details: Mapping[str, Any] = field(default_factory=dict)


def within_phase(facts: EntryFacts, window: Window | None, now: datetime) -> Check:
    if window is None:
        return Check("within_phase", None, "The contest has no submission phase.")
    details = {"opens_at": window.opens_at.isoformat(), "closes_at": window.closes_at.isoformat()}
    if facts.submitted_at is None:
        open_now = window.contains(now)
        return Check("within_phase", open_now,
                     "Not submitted yet; the submission phase is open." if open_now
                     else "Not submitted, and the submission phase is not open.", details)
    inside = window.contains(facts.submitted_at)
    return Check("within_phase", inside,
                 "Submitted during the submission phase." if inside
                 else "Submitted outside the submission phase.",
                 {**details, "submitted_at": facts.submitted_at.isoformat()})


def required_fields(facts: EntryFacts) -> Check:
    absent = fields.missing(facts.kind, facts.values)
    if absent:
        return Check("required_fields", False, "Missing: " + ", ".join(absent) + ".", {"missing": absent})
    return Check("required_fields", True, "Every required field is filled in.", {"missing": []})


def summary_words(facts: EntryFacts, max_words: int | None) -> Check:
    words = count_words(facts.values.get("summary") or "")
    details = {"words": words, "max_words": max_words}
    if max_words is None:
        return Check("summary_words", True, f"The summary has {words} words; there is no word limit.", details)
    ok = words <= max_words
    return Check("summary_words", ok, f"The summary has {words} words of at most {max_words}.", details)


def photo_resolution(facts: EntryFacts, min_megapixels: int) -> Check | None:
    """Photo contests only; None for other kinds (the check does not apply)."""
    if facts.kind != "photo":
        return None
    if facts.photo_size is None:
        return Check("photo_resolution", None, "The photo's size is not known yet.", {"min_megapixels": min_megapixels})
    width, height = facts.photo_size
    megapixels = width * height / 1_000_000
    details = {"width": width, "height": height, "megapixels": round(megapixels, 2), "min_megapixels": min_megapixels}
    ok = megapixels >= min_megapixels
    return Check("photo_resolution", ok,
                 f"The photo is {width}×{height} ({megapixels:.1f} megapixels); at least {min_megapixels} needed.",
                 details)


def checks(facts: EntryFacts, *, window: Window | None, max_words: int | None, min_megapixels: int,
           now: datetime) -> list[Check]:
    found = [within_phase(facts, window, now), required_fields(facts), summary_words(facts, max_words),
             photo_resolution(facts, min_megapixels)]
    return [check for check in found if check is not None]


def verdict(found: list[Check]) -> bool | None:
    """False if any check fails, None if none fails but one cannot tell, else True."""
    if any(check.ok is False for check in found):
        return False
    return None if any(check.ok is None for check in found) else True
