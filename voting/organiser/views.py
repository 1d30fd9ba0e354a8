"""The organiser dashboard: every contest at a glance, a contest created from a
SPEC, the entries waiting for moderation, and each contest's live counts.
(CSRFProtect checks each POST's token before the view runs; the services
check everything else.)"""

from __future__ import annotations

import redis
from flask import flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from voting import clock
from voting.auth import organiser_pages_required, require_contest_creator, require_user
from voting.ballots import counters, jobs
from voting.contests import entries, services
from voting.contests.access import managed_contest
from voting.contests.models import ENTRY_STATUSES, Contest
from voting.contests.views import describe_contest, describe_entry
from voting.errors import ApiError, say
from voting.organiser.blueprint import bp
from voting.organiser.forms import ContestForm, read_spec


# What a live counter adds up, by method (selection.increments).
COUNTED = {"single": _l("Votes"), "approval": _l("Votes"), "score": _l("Stars"), "ranked": _l("First preferences")}


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


def _boards(contest: Contest) -> list[dict] | None:
    """Per category, its entries with their titles and live counts; None
    while Redis cannot be reached (the page says so instead of failing)."""
    try:
        boards = counters.leaderboard(contest)
    except redis.RedisError:
        return None
    # Every status: a ballot may name an entry that was rejected after it was cast.
    titles = {e.id: e.title for e in entries.list_entries(contest, statuses=ENTRY_STATUSES)}
    categories = {c.slug: c.title for c in contest.categories}
    return [{"title": categories.get(board["slug"], board["slug"]), "anchor": f"board-{board['slug']}",
             "entries": [{"title": titles.get(row["entry_id"], _("Entry %(id)d", id=row["entry_id"])),
                          "votes": row["votes"]} for row in board["entries"]]}
            for board in boards]


@bp.get("/contests/<slug>/leaderboard")
@organiser_pages_required
def leaderboard(slug: str):
    contest, _user = managed_contest(slug)  # 404 for an unknown slug, 403 for others' contests
    method = contest.settings["voting"]["method"]
    return render_template("organiser/leaderboard.html", contest=describe_contest(contest, clock.now()),
                           has_vote=method != "none", boards=_boards(contest) if method != "none" else [],
                           counted=COUNTED.get(method, ""))


@bp.post("/contests/<slug>/counters/rebuild")
@organiser_pages_required
def rebuild_counters(slug: str):
    contest, _user = managed_contest(slug)
    try:
        job = jobs.enqueue_rebuild(contest.id)
    except redis.RedisError:
        flash(_("The rebuild could not be queued because the live counters are unavailable. Try again shortly."),
              "error")
    else:
        flash(_("The counters are being rebuilt from the ballots (job %(job)s).", job=job.id), "success")
    return redirect(url_for(".leaderboard", slug=slug), 303)
