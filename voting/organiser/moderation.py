"""The organisers' moderation page: a contest's entries by status, a page at
a time, each with its eligibility checks (computed now, from the contest's
rules) and a form to approve it, reject it or ask its entrant for changes,
with a reason that is mailed to the entrant. The dashboard's quick approve
and reject buttons post to the same route."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from voting import clock
from voting.auth import organiser_pages_required
from voting.contests import entries
from voting.contests.access import managed_contest
from voting.contests.views import describe_contest, describe_entry
from voting.organiser.blueprint import bp
from voting.submissions import moderation, present, wording
from voting.submissions.domain import flow

TABS = flow.SUBMITTED
PAGE_SIZE = 25  # entries with their summaries and forms: 25 keep a page well under its weight budget


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) < 7 and int(raw) > 0 else 1


@bp.get("/contests/<slug>/entries")
@organiser_pages_required
def entries_page(slug: str):
    contest, _user = managed_contest(slug)
    now, locale = clock.now(), str(get_locale() or "en")
    status = request.args.get("status", "pending")
    status = status if status in TABS else "pending"
    counts = moderation.status_counts(contest)
    pages = max(1, -(-counts[status] // PAGE_SIZE))
    number = min(_page_number(), pages)
    titles = {c.id: c.title for c in contest.categories}
    shown = [{**describe_entry(entry, locale), "category": titles.get(entry.category_id, ""),
              "links": list(entry.links or []), "reason": entry.moderation_reason, "status": entry.status,
              "checks": wording.describe_checks(present.checks(entry, contest, now)),
              "action": url_for(".moderate", slug=contest.slug, entry_id=entry.id)}
             for entry in moderation.queue(contest, status, (number - 1) * PAGE_SIZE, PAGE_SIZE)]
    tabs = [{"status": tab, "label": wording.status_label(tab), "count": counts[tab], "current": tab == status,
             "url": url_for(".entries_page", slug=contest.slug, status=tab)} for tab in TABS]
    nav = {"previous": url_for(".entries_page", slug=slug, status=status, page=number - 1) if number > 1 else None,
           "next": url_for(".entries_page", slug=slug, status=status, page=number + 1) if number < pages else None}
    return render_template("organiser/moderation.html", contest=describe_contest(contest, now), tabs=tabs,
                           entries=shown, status=status, status_label=wording.status_label(status), page=number,
                           pages=pages, nav=nav, open=contest.windows().get("submission") is not None
                           and contest.windows()["submission"].contains(now),
                           reason_limit=moderation.REASON_LIMIT)


@bp.post("/contests/<slug>/entries/<int(max=9223372036854775807):entry_id>/moderation")
@organiser_pages_required
def moderate(slug: str, entry_id: int):
    # An unknown contest or entry, a bad status or a refused move raises ApiError: the app renders it as an
    # error page with its status (404, 409, 422).
    contest, user = managed_contest(slug)
    entry = entries.get_entry(entry_id, contest)
    before = entry.status
    moderation.moderate(contest, entry, request.form.get("status", ""), user, clock.now(),
                        request.form.get("reason") or None)
    if entry.status == "approved":
        flash(_("“%(title)s” is approved and now public.", title=entry.title), "success")
    elif entry.status == "rejected":
        flash(_("“%(title)s” is rejected.", title=entry.title), "success")
    else:
        flash(_("The entrant of “%(title)s” is asked for changes.", title=entry.title), "success")
    back = before if before in TABS else "pending"
    return redirect(url_for(".entries_page", slug=slug, status=back, _anchor=f"entry-{entry.id}"), 303)
