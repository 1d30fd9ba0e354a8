"""The results pages: the results of a contest and of one category, the
announcement view for the ceremony, and the organisers' forms that tally and
publish (pages.py has what each shows).

Published results are everyone's; before publication every page answers
404 to the public. `?draft=1` shows the organisers the latest tally at the
same addresses (signed out: the sign-in page; anyone else: 403), with a
banner saying it is not public. The forms call the same services as the API
after the API's own body model, so both doors accept and refuse alike; a
refusal is shown on the page with its status. (CSRFProtect checks every POST.)
"""

from __future__ import annotations

from datetime import datetime

import redis
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from voting import clock
from voting.auth import actor, organiser_pages_required
from voting.contests.access import managed_contest, public_contest
from voting.contests.models import Contest
from voting.errors import ApiError, say
from voting.extensions import login_manager
from voting.results import pages, services
from voting.results.api import flag

bp = Blueprint("results_pages", __name__, url_prefix="/contests/<slug>/results")
FIELD_IDS = {"at": "at", "reason": "reason"}


class PublishForm(FlaskForm):
    class Meta:
        csrf = False  # CSRFProtect checks the page's token; the template writes it

    at = StringField(_l("Announcement time (UTC, optional)"),
                     description=_l("Leave it empty to publish now. With a date and time, the results become "
                                    "public on their own at that moment."),
                     render_kw={"type": "datetime-local"})
    reason = TextAreaField(_l("Reason for the correction"),
                           description=_l("Needed when results are already published: this tally then corrects "
                                          "them, and the reason is published with it."),
                           render_kw={"rows": 3, "maxlength": services.REASON_MAX})


def _caller(slug: str):
    """(contest, draft) for a page that shows results, or a response: the
    sign-in page for a signed-out organiser asking for the draft."""
    if flag("draft"):
        if actor() is None:
            return login_manager.unauthorized()
        return managed_contest(slug)[0], True
    return public_contest(slug, clock.now()), False


def _draft_page(contest: Contest, form: PublishForm | None = None, problem: dict | None = None,
                status: int = 200):
    view = pages.draft_page(contest, clock.now(), request.args.get("job"))
    return render_template("results/results.html", **view, form=form or PublishForm(), problem=problem), status


def _refused(contest: Contest, err: ApiError, form: PublishForm | None = None):
    # Services raise English messages that are message ids of the catalogs; a field's problem goes to its field.
    form = form or PublishForm(formdata=None)
    summary = []
    for name, why in (err.fields or {}).items():
        if name in FIELD_IDS:
            form[name].errors = [say(why)]
        summary.append({"text": f"{form[name].label.text}: {say(why)}" if name in FIELD_IDS else say(why),
                        "href": f"#{FIELD_IDS[name]}" if name in FIELD_IDS else None})
    message = say(err.message)
    if err.code == "phase_closed":  # the API's words point to ?preview=true; the page says why and when in its own
        message = pages.tally_state(contest, clock.now())["reason"] or message
    return _draft_page(contest, form, {"message": message, "summary": summary}, err.status)


@bp.get("")
def results(slug: str):
    found = _caller(slug)
    if not isinstance(found, tuple):
        return found
    contest, draft = found
    if draft:
        return _draft_page(contest)
    return render_template("results/results.html", **pages.public_page(contest, clock.now()), form=None,
                           problem=None)


@bp.get("/categories/<category>")
def category(slug: str, category: str):
    found = _caller(slug)
    if not isinstance(found, tuple):
        return found
    contest, draft = found
    return render_template("results/category.html", **pages.category_page(contest, category, clock.now(), draft))


@bp.get("/announce")
def announce(slug: str):
    found = _caller(slug)
    if not isinstance(found, tuple):
        return found
    contest, draft = found
    view = pages.announcement(contest, clock.now(), draft, request.args.get("category"), request.args.get("step"))
    return render_template("results/announce.html", **view)


@bp.post("/publish")
@organiser_pages_required
def publish(slug: str):
    contest, user = managed_contest(slug)
    form = PublishForm()
    try:
        found = pages.publish(contest, user, clock.now(), request.form.get("snapshot", ""), form.at.data or "",
                              form.reason.data or "")
    except ApiError as err:
        return _refused(contest, err, form)
    if found["published_at"]:
        flash(_("The results are published: everyone can see them now."), "success")
        return redirect(url_for(".results", slug=slug), 303)
    flash(_("The results will be published at %(when)s UTC. Until then they stay private.",
            when=format_datetime(datetime.fromisoformat(found["publish_at"]), "medium")), "success")
    return redirect(url_for(".results", slug=slug, draft=1), 303)


@bp.post("/tally")
@organiser_pages_required
def tally(slug: str):
    contest, user = managed_contest(slug)
    try:
        job_id = services.request_tally(contest, user, request.form.get("preview") == "1", clock.now())
    except ApiError as err:
        return _refused(contest, err)
    except redis.RedisError:
        flash(_("The tally could not be queued because the job queue is unavailable. Try again shortly."), "error")
        return redirect(url_for(".results", slug=slug, draft=1), 303)
    flash(_("The tally is queued as job %(job)s. This page follows its progress and links to the results when it "
            "has finished.", job=job_id), "success")
    return redirect(url_for("organiser_pages.job", job_id=job_id), 303)
