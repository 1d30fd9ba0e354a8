"""An entry's life, as statuses and the moves between them. Pure.

    draft ──submit──▶ pending ──organiser──▶ approved | rejected | changes_requested
      ▲                  ▲                        │                 │
      └─ entrant edits ──┴──── entrant edits ◀────┘  (an edited approved entry is pending again)
                         └──────────── entrant submits ◀─────────────┘
    draft, pending, changes_requested, approved ──entrant withdraws──▶ withdrawn

The entrant edits, submits and withdraws only while the submission phase is
open; organisers decide at any time (approving again what they rejected, if
need be), but ask for changes only while the entrant can still make them."""

from __future__ import annotations

from voting.i18n.domain import N_

STATUSES = ("draft", "pending", "changes_requested", "approved", "rejected", "withdrawn")
# What organisers see and decide on: a draft is its entrant's until it is submitted.
SUBMITTED = ("pending", "changes_requested", "approved", "rejected", "withdrawn")
DECISIONS = ("approved", "rejected", "changes_requested")
# Towards the per-person limit: everything but what the entrant took back. A
# rejected entry still counts, or rejection would hand out a fresh attempt.
COUNTED = ("draft", "pending", "changes_requested", "approved", "rejected")
EDITABLE = ("draft", "pending", "changes_requested", "approved")
HANDED_IN = ("pending", "approved")
WITHDRAWABLE = EDITABLE


def after_edit(status: str) -> str:
    """An approved entry that its entrant edits is pending again: voters must
    not see text that no organiser has read. A draft stays a draft and an
    entry sent back for changes stays so until it is submitted again, so that
    it can be saved as often as its entrant likes."""
    return "pending" if status == "approved" else status


def edit_refusal(status: str) -> str | None:
    if status == "rejected":
        return N_("A rejected entry cannot be changed.")
    if status not in EDITABLE:
        return N_("A withdrawn entry cannot be changed.")
    return None


def submit_refusal(status: str) -> str | None:
    """Why an entry cannot be submitted (again): None for a draft or an entry sent back for changes."""
    if status in HANDED_IN:
        return N_("This entry has already been submitted.")
    if status == "rejected":
        return N_("A rejected entry cannot be submitted again.")
    if status == "withdrawn":
        return N_("A withdrawn entry cannot be submitted again.")
    return None


def withdraw_refusal(status: str) -> str | None:
    if status == "rejected":
        return N_("A rejected entry cannot be withdrawn: it stays as the organisers decided.")
    if status not in WITHDRAWABLE:
        return N_("This entry has already been withdrawn.")
    return None


def moderation_refusal(status: str) -> str | None:
    if status == "draft":
        return N_("This entry is a draft: its entrant has not submitted it yet.")
    if status == "withdrawn":
        return N_("This entry was withdrawn by its entrant.")
    return None
