"""A long job's page: what the job is, its status and progress, then its
result (with a link to what it made) or its error.

Without JavaScript the page is complete and has a "Check again" link (a
<meta refresh> would move keyboard and screen-reader users on their own);
voting/static/jobs.js polls GET /api/v1/jobs/<id> and, when the status or the
stage changes, reloads this page's status block into its live region.

A job is shown only to the organisers of the contest it is about (its meta's
contest_id, set by voting.queues.enqueue_once); a job about no contest is
nobody's here (403), an unknown one is 404."""

from __future__ import annotations

from typing import Any

import redis
from flask import abort, render_template, url_for
from flask_babel import format_datetime, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from voting import clock, queues
from voting.auth import organiser_pages_required, require_user
from voting.contests.models import Contest
from voting.contests.views import describe_contest
from voting.extensions import db
from voting.organiser.blueprint import bp
from voting.organiser.domain import progress

KINDS = {
    "voting.ballots.jobs.rebuild_counters": _l("Rebuild of the live counters"),
    "voting.fraud.jobs.fraud_sweep": _l("Fraud sweep"),
    "voting.fraud.jobs.fraud_final_sweep": _l("Final fraud sweep"),
    "voting.results.jobs.tally_contest": _l("Tally"),
    "voting.results.jobs.publish_booked": _l("Booked publication of the results"),
    "voting.ledger.jobs.seal_ledger": _l("Ledger seal"),
    "voting.ledger.jobs.export_ledger": _l("Ledger export"),
}
STATUSES = {"queued": _l("Waiting to start"), "started": _l("Running"), "finished": _l("Done"),
            "failed": _l("Failed")}
STAGES = {"recounting": _l("Recounting the live counters from the ballots"),
          "judging": _l("Running the fraud rules over the ballots"),
          "final sweep": _l("Running the final fraud sweep"),
          "sealing": _l("Sealing the ballots into the ledger"),
          "counting": _l("Counting the ballots and the jury's scores"),
          "storing": _l("Storing the results"),
          "exporting": _l("Writing the ledger's export")}


def _when(moment) -> str:
    return format_datetime(moment, "medium") if moment else ""


def _result(func: str, slug: str, result: Any) -> tuple[str, dict | None]:
    """(what the job did, in words; a link to what it produced)."""
    found = result if isinstance(result, dict) else {}
    if func.endswith("rebuild_counters"):
        return (ngettext("The live counters hold %(num)d counted ballot.",
                         "The live counters hold %(num)d counted ballots.", int(found.get("ballots", 0))),
                {"href": url_for("organiser_pages.contest_home", slug=slug), "text": _("See the live view")})
    if "fraud" in func:
        if found.get("skipped"):
            text = _("Nothing to sweep: another sweep had already done it.")
        else:
            text = _("New clusters: %(clusters)d; ballots held: %(held)d; ballots flagged: %(flagged)d.",
                     clusters=int(found.get("clusters", 0)), held=int(found.get("held", 0)),
                     flagged=int(found.get("flagged", 0)))
        return text, {"href": url_for("organiser_pages.review", slug=slug), "text": _("See the review queue")}
    if func.endswith("tally_contest"):
        if "snapshot" not in found:
            return _("Nothing was tallied."), None
        text = (_("Tally %(seq)d is stored.", seq=found["snapshot"]) if found.get("new")
                else _("Nothing has changed since tally %(seq)d: no new tally was stored.", seq=found["snapshot"]))
        return text, {"href": url_for("results_pages.results", slug=slug, draft=1), "text": _("See the draft results")}
    if func.endswith("seal_ledger"):
        return (_("Batches sealed: %(batches)d; ballots sealed: %(ballots)d.", batches=int(found.get("batches", 0)),
                  ballots=int(found.get("ballots", 0))),
                {"href": url_for("ledger_api.ledger", slug=slug), "text": _("The ledger (JSON)")})
    if func.endswith("export_ledger"):
        if not found.get("exported"):
            return _("Nothing was exported: the vote has not closed."), None
        return (_("Ballots in the export: %(ballots)d; batches: %(batches)d.", batches=int(found.get("batches", 0)),
                  ballots=int(found.get("ballots", 0))),
                {"href": url_for("ledger_export.manifest", slug=slug), "text": _("The export's manifest (JSON)")})
    return _("The job has finished."), None


def describe(job: dict, slug: str) -> dict:
    """A job as the console shows it: translated kind, status and stage, the
    step it is at and how far through it, the outcome and the link."""
    func = job["func"] or ""
    stage = job["progress"]
    found = {"id": job["id"], "status": job["status"], "kind": str(KINDS.get(func, func.rsplit(".", 1)[-1])),
             "status_label": str(STATUSES.get(job["status"], job["status"])),
             "progress": stage, "stage": str(STAGES.get(stage, stage)) if stage else None, "step": None, "amount": None,
             "done": job["done"], "total": job["total"],
             "outcome": None, "link": None, "error": job["error"],
             "url": url_for("organiser_pages.job", job_id=job["id"]),
             "enqueued": _when(job["enqueued_at"]), "started": _when(job["started_at"]),
             "ended": _when(job["ended_at"]), "retries_left": job["retries_left"]}
    at = progress.step(stage, progress.stages_of(func, job["args"]))
    if at is not None and at[1] > 1:
        found["step"] = _("Step %(step)d of %(steps)d", step=at[0], steps=at[1])
    if job["done"] is not None:
        found["amount"] = (_("ballots: %(done)s of %(total)s", done=job["done"], total=job["total"])
                           if job["total"] is not None else _("ballots so far: %(done)s", done=job["done"]))
    if job["status"] == "finished":
        found["outcome"], found["link"] = _result(func, slug, job["result"])
    return found


@bp.get("/jobs/<job_id>")
@organiser_pages_required
def job(job_id: str):
    try:
        found = queues.job_details(job_id)
    except redis.RedisError:
        return render_template("organiser/job.html", job=None, job_id=job_id, contest=None), 503
    if found is None:
        abort(404)
    contest = db.session.get(Contest, found["contest_id"]) if found["contest_id"] is not None else None
    if contest is None or not require_user().manages(contest.id):
        abort(403)
    return render_template("organiser/job.html", job=describe(found, contest.slug), job_id=job_id,
                           contest=describe_contest(contest, clock.now()),
                           status_url=url_for("ballots_api.job_status", job_id=job_id))
