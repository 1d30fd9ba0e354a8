"""What "Open/Close … now" will do, for the page that asks before it does it:
such a move closes a phase at once (no more entries, or no more ballots),
locks the counting rules when voting opens, and a closed vote never reopens;
entries still waiting for moderation or for their entrants' changes are
counted, so the organiser decides with them in sight.

A move the settings page would not offer (formspec.offered_moves), or one the
save would refuse, is refused before the page asks (`refusal`): the page
never promises what the confirmation's button cannot do."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from voting.contests import services
from voting.contests.domain.changes import lock_problems
from voting.contests.domain.spec import SpecErrors, patch_spec
from voting.contests.models import Contest
from voting.errors import ApiError, validation_error
from voting.organiser.editor import labels
from voting.organiser.editor.domain import formspec
from voting.submissions import moderation


INVALID, LOCKED = services.SPEC_REFUSED, services.PHASE_REFUSED  # the save's own answers


def refusal(contest: Contest, current: dict[str, Any], phase: str, action: str, now: datetime) -> ApiError | None:
    """Why the move cannot be made now, as the save would say it (the SPEC's
    problems 422, the phase's locks 409), or as a lock (409) when the page
    does not offer it (closing a phase already closed is valid but rewrites
    it); None: it can. A dry run of update_contest's checks: nothing is saved."""
    patch = formspec.moved_phase(current, phase, action, now)
    after = {**current, "phases": {**(current.get("phases") or {}), **patch["phases"]}}  # as stored: UTC stamps
    locked = lock_problems(current, after, now, contest.published_at is not None)
    if locked:  # first: "a closed vote never reopens" says more than the dates it would leave out of order
        return ApiError("locked", LOCKED, 409, locked)
    try:
        patch_spec(current, patch)
    except SpecErrors as err:
        return validation_error(err.fields, INVALID)
    if f"{phase}:{action}" not in formspec.offered_moves(current, now):
        return ApiError("locked", LOCKED, 409)
    return None


def consequences(contest: Contest, current: dict[str, Any], phase: str, action: str, now: datetime) -> dict:
    """The confirmation page's heading, button and sentences for moving `phase` (`open` or `close`) now."""
    patch = formspec.moved_phase(current, phase, action, now)["phases"]
    stamp = now.astimezone(timezone.utc).isoformat()
    closing = [name for name, window in patch.items() if window.get("closes_at") == stamp]
    label = labels.PHASES[phase]
    said: list[str] = []
    if action == "open":
        said.append(_("“%(phase)s” opens now.", phase=label))
        if services.phase_of(contest, now) == "draft":
            said.append(_("The contest becomes public: anyone can see its page."))
    said += [_("“%(phase)s” closes now.", phase=labels.PHASES[name]) for name in closing]
    if action == "open" and phase == "voting":
        said.append(_("The counting rules (voting method, choices, scores and ranked counting) lock once voting "
                      "opens."))
    if "voting" in closing:
        said.append(_("A closed vote never reopens."))
    waiting: list[str] = []
    status = "pending"  # the moderation list to link to: pending entries first, else those sent back
    if "submission" in closing:
        counts = moderation.status_counts(contest)
        status = "pending" if counts["pending"] else "changes_requested"
        if counts["pending"]:
            waiting.append(ngettext("%(num)d entry is still waiting for moderation.",
                                    "%(num)d entries are still waiting for moderation.", counts["pending"]))
        if counts["changes_requested"]:
            # entrants hand in only while entries are open (submissions/domain/flow.py): after this, never
            waiting.append(ngettext("%(num)d entry was sent back for changes and can no longer be handed in once "
                                    "entries close.",
                                    "%(num)d entries were sent back for changes and can no longer be handed in "
                                    "once entries close.", counts["changes_requested"]))
    heading = (_("Open “%(phase)s” now?", phase=label) if action == "open"
               else _("Close “%(phase)s” now?", phase=label))
    button = (_("Open “%(phase)s” now", phase=label) if action == "open"
              else _("Close “%(phase)s” now", phase=label))
    return {"heading": heading, "button": button, "said": said, "waiting": waiting, "move": f"{phase}:{action}",
            "entries_url": url_for("organiser_pages.entries_page", slug=contest.slug, status=status)
            if waiting else None}
