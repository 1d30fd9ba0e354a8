"""What "Open/Close … now" will do, for the page that asks before it does it:
such a move closes a phase at once (no more entries, or no more ballots),
locks the counting rules when voting opens, and a closed vote never reopens;
entries still waiting for moderation or for their entrants' changes are
counted, so the organiser decides with them in sight."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from voting.contests import services
from voting.contests.models import Contest
from voting.organiser.editor import labels
from voting.organiser.editor.domain import formspec
from voting.submissions import moderation


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
    if "submission" in closing:
        counts = moderation.status_counts(contest)
        if counts["pending"]:
            waiting.append(ngettext("%(num)d entry is still waiting for moderation.",
                                    "%(num)d entries are still waiting for moderation.", counts["pending"]))
        if counts["changes_requested"]:
            waiting.append(ngettext("%(num)d entry was sent back for changes and has not been handed in again yet.",
                                    "%(num)d entries were sent back for changes and have not been handed in again yet.",
                                    counts["changes_requested"]))
    heading = (_("Open “%(phase)s” now?", phase=label) if action == "open"
               else _("Close “%(phase)s” now?", phase=label))
    button = (_("Open “%(phase)s” now", phase=label) if action == "open"
              else _("Close “%(phase)s” now", phase=label))
    return {"heading": heading, "button": button, "said": said, "waiting": waiting, "move": f"{phase}:{action}",
            "entries_url": url_for("organiser_pages.entries_page", slug=contest.slug) if waiting else None}
