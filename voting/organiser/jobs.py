"""A long job's page: its progress, then its result or error (to be built)."""

from __future__ import annotations

from flask import abort, render_template

from voting import queues
from voting.auth import organiser_pages_required, require_user
from voting.organiser.blueprint import bp


@bp.get("/jobs/<job_id>")
@organiser_pages_required
def job(job_id: str):
    found = queues.job_status(job_id)
    if found is None:
        abort(404)
    body, contest_id = found
    if contest_id is None or not require_user().manages(contest_id):
        abort(403)
    return render_template("organiser/job.html", job=body, job_id=job_id)
