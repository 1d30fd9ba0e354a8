"""What an organiser may change of an entry, and when. Pure.

Organisers correct any submitted entry of their contest (a typo in a title,
a dead link, the wrong category chosen), in any phase until the results are
published (the service checks that). Two limits:

- a draft is its entrant's until submitted, and a withdrawn entry is what its
  entrant took back: neither is the organisers' to change (flow.moderation_refusal
  says why, as it does for moderation);
- the category is fixed once voting or judging has opened: ballots, counters,
  judges' assignments and scores are all kept per category, and an entry moved
  between categories would carry its votes into a race it was not in, or leave
  them behind. Every other field may still be corrected (the audit log keeps
  what it was)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from voting.i18n.domain import N_
from voting.submissions.domain import flow

# The phases whose opening fixes an entry's category.
CATEGORY_FIXED_BY = ("voting", "judging")
# Audited with their values before and after; the summary (up to 5,000 characters) only by name.
AUDITED_VALUES = ("category", "title", "team", "organisation", "country", "links")


class Opening(Protocol):
    opens_at: datetime


def refusal(status: str) -> str | None:
    """Why an organiser cannot edit an entry of this status, or None."""
    return flow.moderation_refusal(status)


def category_lock(windows: dict[str, Opening | None], now: datetime) -> str | None:
    """Why the category can no longer change (None while it can)."""
    for phase in CATEGORY_FIXED_BY:
        window = windows.get(phase)
        if window is not None and window.opens_at <= now:
            return N_("cannot change once voting or judging has opened: votes and scores are kept per category")
    return None


def audit_details(before: dict[str, Any], after: dict[str, Any], changed: list[str]) -> dict[str, Any]:
    """The changed fields by name, with their values before and after where they are short."""
    return {"fields": changed,
            "before": {name: before[name] for name in changed if name in AUDITED_VALUES},
            "after": {name: after[name] for name in changed if name in AUDITED_VALUES}}
