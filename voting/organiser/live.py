"""A contest's live view for its organisers: the live counters per category
(the leaderboard) and their rebuild from SQL."""

from __future__ import annotations

import redis
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from voting import clock
from voting.auth import organiser_pages_required
from voting.ballots import counters, jobs
from voting.contests import entries
from voting.contests.access import managed_contest
from voting.contests.models import ENTRY_STATUSES, Contest
from voting.contests.views import describe_contest
from voting.organiser.blueprint import bp

# What a live counter adds up, by method (selection.increments).
COUNTED = {"single": _l("Votes"), "approval": _l("Votes"), "score": _l("Stars"), "ranked": _l("First preferences")}


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


@bp.get("/contests/<slug>")
@organiser_pages_required
def contest_home(slug: str):
    """The contest's console home: its live view (to be built)."""
    return leaderboard(slug)


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
