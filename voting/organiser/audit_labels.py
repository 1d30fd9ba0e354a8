"""What the audit log page calls each action, and how it words a subject that
the log stores as English text with a count in it.

The log keeps the action's code (`entry.moderated`) and the subject as they
were hashed: they never change. The page shows a label in the reader's
language and keeps the code beside it, in small type, for anyone matching the
page against the API's log or a verifier's output. Every action any service
writes has a label here (tests/pages/test_console_audit_labels.py finds the
action names in the code and checks); an action without one shows its code.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

ACTIONS = {
    # The contest and the people who run it
    "contest.created": _l("Contest created"),
    "contest.updated": _l("Contest settings changed"),
    "organiser.added": _l("Organiser added"),
    "organiser.removed": _l("Organiser removed"),
    "judge.added": _l("Judge added"),
    "judge.removed": _l("Judge removed"),
    # Entries and teams
    "entry.added": _l("Entry added"),
    "entry.edited": _l("Entry edited"),
    "entry.submitted": _l("Entry submitted"),
    "entry.withdrawn": _l("Entry withdrawn"),
    "entry.moderated": _l("Entry moderated"),
    "entries.imported": _l("Entries imported"),
    "team.created": _l("Team created"),
    "team.invited": _l("Team member invited"),
    "team.joined": _l("Team joined"),
    "team.left": _l("Team left"),
    # The public vote's fraud review
    "fraud.sweep": _l("Fraud sweep"),
    "fraud.count": _l("Ballots counted after review"),
    "fraud.invalidate": _l("Ballots invalidated"),
    # Judging
    "judging.champions": _l("Champions chosen for the jury"),
    "judging.assigned": _l("Entries assigned to judges"),
    "judging.conflict": _l("Conflict of interest recorded"),
    "judging.saved": _l("Score sheet saved"),
    "judging.submitted": _l("Score sheet submitted"),
    "judging.reopened": _l("Score sheet reopened"),
    "judging.voided": _l("Score sheet voided"),
    "judging.round_opened": _l("Judging round opened"),
    "judging.compared": _l("Pair of entries compared"),
    "judging.skipped": _l("Pair of entries skipped"),
    # Results
    "results.tallied": _l("Results tallied"),
    "results.scheduled": _l("Publication booked"),
    "results.booking_cancelled": _l("Publication booking cancelled"),
    "results.published": _l("Results published"),
}


def label(action: str) -> str | None:
    """The action's label in the reader's language; None for an action without one."""
    found = ACTIONS.get(action)
    return str(found) if found is not None else None


def subject(action: str, stored: str, details: dict[str, Any] | None) -> str:
    """The subject as the page shows it. An import's stored subject is English
    with its count ("3 entries from CSV"); the count is in the details, so the
    page says it in the reader's language, singular or plural. Other subjects
    name a thing by its code and number ("entry 12") and are shown as stored."""
    count = (details or {}).get("imported")
    if action == "entries.imported" and isinstance(count, int) and not isinstance(count, bool):
        return ngettext("%(num)d entry from CSV", "%(num)d entries from CSV", count)
    return stored
