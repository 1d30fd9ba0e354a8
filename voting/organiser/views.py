"""The organiser dashboard: every contest at a glance, a contest created from a
SPEC, and the entries waiting for moderation.
(CSRFProtect checks each POST's token before the view runs; the services
check everything else.)"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from voting import clock
from voting.auth import organiser_pages_required, require_contest_creator, require_user
from voting.contests import entries, services
from voting.contests.views import describe_contest, describe_entry
from voting.errors import ApiError, say
from voting.organiser.blueprint import bp
from voting.organiser.forms import ContestForm, read_spec


def _overview() -> tuple[list[dict], list[dict]]:
    """(a row per contest, the contests that have entries waiting, with them)."""
    now, locale = clock.now(), str(get_locale() or "en")
    rows, waiting = [], []
    user = require_user()
    for contest in (c for c in services.list_contests() if user.manages(c.id)):
        pending = entries.list_entries(contest, statuses=("pending",))
        card = describe_contest(contest, now)
        rows.append({**card, "categories": len(contest.categories),
                     "approved": sum(services.entry_counts(contest).values()), "pending": len(pending)})
        if pending:
            titles = {c.id: c.title for c in contest.categories}
            waiting.append({**card, "anchor": f"pending-{contest.slug}", "entries": [
                {**describe_entry(entry, locale), "category": titles.get(entry.category_id, ""),
                 "action": url_for(".moderate", slug=contest.slug, entry_id=entry.id)}
                for entry in pending]})
    return rows, waiting


def _dashboard(form: ContestForm, problems: list[dict] | None = None, message: str = "", status: int = 200):
    rows, waiting = _overview()
    return render_template("organiser/dashboard.html", rows=rows, waiting=waiting, form=form,
                           problems=problems or [], message=message,
                           can_create=require_user().can_create_contests), status


def _failed(form: ContestForm, message: str, fields: dict[str, str], status: int):
    """The dashboard again, with every problem by its SPEC path, both at the
    top of the page and under the SPEC field."""
    texts = [f"{path}: {say(why)}" if path else say(why) for path, why in fields.items()]
    form.spec.errors = texts
    return _dashboard(form, [{"text": text, "href": f"#{form.spec.id}"} for text in texts], message, status)


@bp.get("/")
@organiser_pages_required
def dashboard():
    return _dashboard(ContestForm())


@bp.post("/contests")
@organiser_pages_required
def create_contest():
    creator = require_contest_creator()
    form = ContestForm()
    raw, unreadable = read_spec(form)
    if unreadable:
        return _failed(form, _("The SPEC cannot be read."), {"": unreadable}, 422)
    try:
        contest = services.create_contest(raw, creator, clock.now())
    except ApiError as err:
        return _failed(form, say(err.message), err.fields or {}, err.status)
    flash(_("The contest “%(title)s” was created.", title=contest.title), "success")
    return redirect(url_for(".dashboard"), 303)
