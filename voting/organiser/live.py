"""A contest's live view for its organisers (the console's home): ballots per
hour as a chart and a table, the ballots by status, the review queue, the
top entries per category from the live counters, the periodic jobs' state
(last sweep, last seal, the counters' lag) and this contest's jobs; the full
leaderboard; and the counters' rebuild, which leads to its job's page.

The counters' lag is measured as counted ballots in SQL minus the counted
ballots the live counters hold (their per-category totals): a number of
ballots, which says what a reader of the counters misses, unlike a clock
age that a quiet hour would make look alarming. Anything Redis answers
(counters, jobs) may be out of reach: the page then says so and shows the
rest, which comes from SQL."""

from __future__ import annotations

from datetime import datetime

import redis
from flask import flash, redirect, render_template, url_for
from flask_babel import format_datetime, format_decimal, format_time, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from voting import clock, queues
from voting.auth import organiser_pages_required
from voting.ballots import counters, jobs
from voting.contests import entries
from voting.contests.access import managed_contest
from voting.contests.models import ENTRY_STATUSES, Contest
from voting.contests.views import category_texts, describe_contest
from voting.fraud import overview
from voting.i18n.domain import direction
from voting.organiser import jobs as job_pages
from voting.organiser import live_queries
from voting.organiser.blueprint import bp
from voting.organiser.domain import chart, hourly

# What a live counter adds up, by method (selection.increments).
COUNTED = {"single": _l("Votes"), "approval": _l("Votes"), "score": _l("Stars"), "ranked": _l("First preferences")}
TOP = 3  # entries per category on the live view; the leaderboard has them all
JOBS_SHOWN = 10


def _boards(contest: Contest) -> list[dict] | None:
    """Per category, its entries with their titles and live counts; None
    while Redis cannot be reached (the page says so instead of failing)."""
    try:
        boards = counters.leaderboard(contest)
    except redis.RedisError:
        return None
    # Every status: a ballot may name an entry that was rejected after it was cast.
    titles = {e.id: e.title for e in entries.list_entries(contest, statuses=ENTRY_STATUSES)}
    categories = {c.slug: category_texts(contest, c)["title"] for c in contest.categories}
    return [{"title": categories.get(board["slug"], board["slug"]), "anchor": f"board-{board['slug']}",
             "entries": [{"title": titles.get(row["entry_id"], _("Entry %(id)d", id=row["entry_id"])),
                          "votes": row["votes"]} for row in board["entries"]]}
            for board in boards]


def _per_hour(contest: Contest, now: datetime) -> dict | None:
    """The chart and its table's rows; None before voting has opened."""
    span = hourly.window(contest.voting_opens_at, contest.voting_closes_at, now)
    if span is None:
        return None
    rows, columns = [], []
    for hour, count in hourly.series(live_queries.ballots_per_hour(contest.id, *span), *span):
        when = format_datetime(hour, "short")
        title = ngettext("%(when)s: %(num)d ballot", "%(when)s: %(num)d ballots", count, when=when)
        rows.append({"when": when, "iso": hour.isoformat(), "count": count})
        columns.append(chart.Column(format_time(hour, "short"), count, title))
    total = sum(r["count"] for r in rows)
    description = _("Ballots cast in each hour from %(start)s to %(end)s (UTC): %(total)s in all. The table "
                    "after the chart gives every hour's count.", start=rows[0]["when"], end=rows[-1]["when"],
                    total=format_decimal(total))
    rtl = direction(str(get_locale() or "en")) == "rtl"  # the chart mirrors as the page does
    svg = chart.column_chart("per-hour", _("Ballots per hour (UTC)"), description, columns, rtl=rtl,
                             number=format_decimal)
    return {"svg": svg, "rows": rows, "total": total, "hours": len(rows)}


def _lag(contest: Contest, counted: int) -> dict | None:
    try:
        live = live_queries.live_counted(contest.id)
    except redis.RedisError:
        return None
    return {"sql": counted, "live": live, "behind": counted - live}


def _jobs(contest: Contest) -> list[dict] | None:
    try:
        return [job_pages.describe(j, contest.slug) for j in queues.contest_jobs(contest.id, JOBS_SHOWN)]
    except redis.RedisError:
        return None


def live_view(contest: Contest, now: datetime) -> dict:
    """Everything the live view shows (organisers only: managed_contest first)."""
    has_vote = contest.settings["voting"]["method"] != "none"
    view = {"contest": describe_contest(contest, now), "has_vote": has_vote, "jobs": _jobs(contest),
            "counted_label": COUNTED.get(contest.settings["voting"]["method"], "")}
    if not has_vote:
        return view
    statuses = live_queries.by_status(contest.id)
    counted = statuses.get("counted", 0)
    boards = _boards(contest)
    view.update(
        per_hour=_per_hour(contest, now), counted=counted, under_review=statuses.get("under_review", 0),
        invalidated=statuses.get("invalidated", 0), review=overview.page_state(contest, now),
        seal=live_queries.last_seal(contest.id), lag=_lag(contest, counted),
        boards=None if boards is None else [{**b, "entries": b["entries"][:TOP], "more": len(b["entries"]) > TOP}
                                           for b in boards])
    return view


@bp.get("/contests/<slug>")
@organiser_pages_required
def contest_home(slug: str):
    contest, _user = managed_contest(slug)  # 404 for an unknown slug, 403 for others' contests
    return render_template("organiser/live.html", **live_view(contest, clock.now()))


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
        return redirect(url_for(".contest_home", slug=slug), 303)
    flash(_("The counters are being rebuilt from the ballots (job %(job)s).", job=job.id), "success")
    return redirect(url_for(".job", job_id=job.id), 303)
