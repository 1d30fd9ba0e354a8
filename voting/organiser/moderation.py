"""The organisers' entries: one decision on one entry (approve it, reject it or
ask its entrant for changes, with a reason that is mailed to the entrant),
posted from the entry's page in the console and from the dashboard's quick
approve and reject buttons.

The rest of the console's entries part lives beside it: entries_list.py (the
list with its search, filters and bulk decision), entries_edit.py (an
organiser's edit of an entry) and entries_import.py (the CSV import and its row
report). They are imported at the end of this module, so that the blueprint's
`pages()`, which imports this one, registers their routes too."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from voting import clock
from voting.auth import organiser_pages_required
from voting.contests import entries
from voting.contests.access import managed_contest
from voting.errors import not_found
from voting.organiser.blueprint import bp
from voting.submissions import moderation
from voting.submissions.domain import flow


@bp.post("/contests/<slug>/entries/<int(max=9223372036854775807):entry_id>/moderation")
@organiser_pages_required
def moderate(slug: str, entry_id: int):
    # An unknown contest or entry, a bad status or a refused move raises ApiError: the app renders it as an
    # error page with its status (404, 409, 422).
    contest, user = managed_contest(slug)
    entry = entries.get_entry(entry_id, contest)
    if entry.status == "draft":  # its entrant's alone until submitted, as on the entry's edit page
        raise not_found("entry")
    before = entry.status
    moderation.moderate(contest, entry, request.form.get("status", ""), user, clock.now(),
                        request.form.get("reason") or None)
    if entry.status == "approved":
        flash(_("“%(title)s” is approved and now public.", title=entry.title), "success")
    elif entry.status == "rejected":
        flash(_("“%(title)s” is rejected.", title=entry.title), "success")
    else:
        flash(_("The entrant of “%(title)s” is asked for changes.", title=entry.title), "success")
    back = before if before in flow.SUBMITTED else "pending"
    if request.form.get("back") == "entry":
        return redirect(url_for(".edit_entry", slug=slug, entry_id=entry.id), 303)
    return redirect(url_for(".entries_page", slug=slug, status=back, _anchor=f"entry-{entry.id}"), 303)

