"""The organisers' judging page of a contest: progress per judge and per
category (and who has not started), entries short of judges, the jury's
ranking per category with its spread, and the forms that add a judge, make
or repair the assignments, mail reminders, reopen a submitted score and
record a conflict of interest on a judge's behalf.

The forms call the same services as the API (`judges.invite_judge_once`,
`assignments.plan`, `scoring.reopen`, `assignments.record_conflict`) after
the API's own body models, so both doors accept and refuse alike, and audit
alike; a refusal is shown on the page with the service's status and each
problem next to its field. (CSRFProtect checks every POST first.)"""

from __future__ import annotations

from typing import Any

import redis
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField

from voting import clock
from voting.api.request import unstorable_text, validate
from voting.auth import organiser_pages_required
from voting.contests.access import managed_contest
from voting.contests.models import Contest, Entry
from voting.contests.views import describe_contest
from voting.errors import ApiError, say, validation_error
from voting.extensions import db
from voting.i18n.domain import N_
from voting.organiser.people import say_judge_invited

from judging import aggregate, assignments, jobs, judges, scoring
from judging.api import AssignBody, JudgeBody, OrganiserConflictBody, ReopenBody
from judging.models import Assignment, Round, ScoreSheet

bp = Blueprint("judging_organiser", __name__, url_prefix="/organiser/contests/<slug>/judging")

FIELD_LABELS = {"email": _l("Address"), "display_name": _l("Name"), "organisation": _l("Organisation"),
                "expertise": _l("Categories"), "judges_per_entry": _l("Judges per entry"), "judge_id": _l("Judge"),
                "entry_id": _l("Entry"), "reason": _l("Reason")}
# Where each form's fields are on the page, for the error summary's links.
TARGETS = {"assign": {"judges_per_entry": "judges-per-entry"},
           "reopen": {"judge_id": "reopen-judge", "entry_id": "reopen-entry", "reason": "reopen-reason"},
           "conflict": {"judge_id": "conflict-judge", "entry_id": "conflict-entry", "reason": "conflict-reason"}}
NORMALIZATION = {"none": _l("Each entry's score is the mean of its judges' weighted totals, on a scale of 0 to 10."),
                 "zscore": _l("Each judge's totals are normalised (z-scores) before they are averaged, so a harsh "
                              "and a lenient judge weigh alike; the scores are mapped back to 0 to 10.")}


class JudgeForm(FlaskForm):
    class Meta:
        csrf = False  # CSRFProtect checks the page's token; the template writes it

    email = StringField(_l("Address"), description=_l("The judge's mail address. An account is made for a new "
                                                      "address, and the invitation mail sets its password."),
                        render_kw={"type": "email", "autocomplete": "off", "spellcheck": "false", "maxlength": 320})
    display_name = StringField(_l("Name"), description=_l("As the invitation greets them (an existing account "
                                                          "keeps its own)."), render_kw={"maxlength": 120})
    organisation = StringField(_l("Organisation"), description=_l("Optional. Entries of the same organisation are "
                                                                  "never given to this judge."),
                               render_kw={"maxlength": 200})


# What the page shows.

def category_progress(contest: Contest, rnd: Round | None,
                      entries: list[Entry]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(per category: entries, assignments, drafts and submitted sheets;
    the entries with fewer judges than the round asks for), of the round's entries."""
    sheets: dict[int, list[str]] = {}
    if rnd is not None:
        for entry_id, status in db.session.execute(
                select(Assignment.entry_id, ScoreSheet.status)
                .outerjoin(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
                .where(Assignment.round_id == rnd.id)):
            sheets.setdefault(entry_id, []).append(status or "pending")
    needed = rnd.judges_per_entry if rnd is not None else contest.settings["judging"]["judges_per_entry"]
    rows, short = [], []
    for category in contest.categories:
        mine = [e for e in entries if e.category_id == category.id]
        found = [s for e in mine for s in sheets.get(e.id, [])]
        rows.append({"title": category.title, "entries": len(mine), "assigned": len(found),
                     "draft": found.count("draft"), "submitted": found.count("submitted")})
        short += [{"title": e.title, "category": category.title, "got": len(sheets.get(e.id, [])), "needed": needed}
                  for e in mine if rnd is not None and len(sheets.get(e.id, [])) < needed]
    return rows, short


def _judge_rows(contest: Contest) -> list[dict[str, Any]]:
    rows = []
    for p in scoring.progress(contest):
        if not p["active"]:
            state = _("Inactive")
        elif p["assigned"] == 0:
            state = _("Nothing assigned")
        elif p["submitted"] == p["assigned"]:
            state = _("Done")
        elif p["started"]:
            state = _("In progress")
        else:
            state = _("Not started")
        rows.append({**p, "state": state, "waiting": p["active"] and p["assigned"] > 0 and not p["started"]})
    return rows


def _score(value: float | None) -> str:
    return "–" if value is None else format_decimal(value, "#,##0.00")


def _ranking(contest: Contest) -> dict[str, Any]:
    found = aggregate.ranking(contest)
    titles = {c.slug: c.title for c in contest.categories}
    return {"normalization": str(NORMALIZATION.get(found["normalization"], "")), "round": found["round"],
            "categories": [{"title": titles.get(c["slug"], c["slug"]), "anchor": f"ranking-{c['slug']}", "rows": [
                # A pairwise round ranks by fitted strength and has no spread of scores.
                {**r, "score": _score(r.get("jury_score", r.get("score"))), "mean_text": _score(r.get("mean")),
                 "sd_text": _score(r.get("sd")), "range_text": _score(r.get("range"))} for r in c["ranking"]]}
                for c in found["categories"]]}


def _choices(contest: Contest, judge_rows: list[dict[str, Any]], entries: list[Entry],
             problem: dict[str, Any] | None) -> dict[str, Any]:
    """The judges and entries the reopen and conflict forms offer (entries by
    category), with what a refused form had chosen."""
    form = problem["form"] if problem and problem["form"] in ("reopen", "conflict") else None
    sent = problem["sent"] if form else {}
    judges_offered = [{"title": "", "options": [{"value": str(j["judge_id"]),
                                                 "label": f"{j['display_name']} ({j['email']})"} for j in judge_rows]}]
    entries_offered = [{"title": c.title, "options": [{"value": str(e.id), "label": e.title}
                                                      for e in entries if e.category_id == c.id]}
                       for c in contest.categories]
    return {"form": form, "judges": judges_offered,
            "entries": [g for g in entries_offered if g["options"]], "judge_id": sent.get("judge_id", ""),
            "entry_id": sent.get("entry_id", ""), "reason": sent.get("reason", "")}


def _page(contest: Contest, form: JudgeForm | None = None, problem: dict[str, Any] | None = None,
          status: int = 200):
    rnd = assignments.current_round(contest, create=False)
    entries = assignments.round_entries(contest, rnd)
    categories, short = category_progress(contest, rnd, entries)
    judge_rows = _judge_rows(contest)
    sent = problem["sent"] if problem else {}
    return render_template(
        "judging/organiser.html", contest=describe_contest(contest, clock.now()), form=form or JudgeForm(),
        judges=judge_rows, waiting=[j for j in judge_rows if j["waiting"]], categories=categories, short=short,
        judging_round=rnd, judges_per_entry=sent.get("judges_per_entry", str(rnd.judges_per_entry if rnd else
                                                                     contest.settings["judging"]["judges_per_entry"])),
        expertise=[{"slug": c.slug, "title": c.title, "id": f"expertise-{c.slug}",
                    "checked": c.slug in sent.get("expertise", [])} for c in contest.categories],
        ranking=_ranking(contest), choices=_choices(contest, judge_rows, entries, problem), problem=problem), status


@bp.get("")
@organiser_pages_required
def overview(slug: str):
    return _page(managed_contest(slug)[0])


# The forms.

def _refusal(form: str, err: ApiError, sent: dict[str, Any]) -> dict[str, Any]:
    # Services raise English messages that are message ids of the catalogs. A
    # field's problem is shown at its field: "expertise.0" at the categories.
    fields: dict[str, str] = {}
    for path, why in (err.fields or {}).items():
        fields.setdefault(path.split(".")[0], say(why))
    targets = TARGETS.get(form, {})
    return {"form": form, "message": say(err.message), "fields": fields, "sent": sent,
            "summary": [{"text": f"{FIELD_LABELS.get(name, name)}: {why}", "href": f"#{targets.get(name, name)}"}
                        for name, why in fields.items()]}


@bp.post("/judges")
@organiser_pages_required
def add_judge(slug: str):
    contest, user = managed_contest(slug)
    form = JudgeForm()
    sent = {"email": (form.email.data or "").strip(), "display_name": (form.display_name.data or "").strip(),
            "organisation": (form.organisation.data or "").strip(), "expertise": request.form.getlist("expertise")}
    try:
        bad = {name: N_("holds a character that cannot be stored") for name, value in sent.items()
               if any(unstorable_text(text) for text in (value if isinstance(value, list) else [value]))}
        if bad:
            raise validation_error(bad)
        body = validate(JudgeBody, {"email": sent["email"], "display_name": sent["display_name"],
                                    "organisation": sent["organisation"] or None,
                                    "expertise": sent["expertise"] or None})
        judge, new, mailed = judges.invite_judge_once(contest, body.email, body.display_name, body.organisation,
                                                      body.expertise, user, clock.now())
    except ApiError as err:
        problem = _refusal("judge", err, sent)
        for name, why in problem["fields"].items():
            if name in form:
                form[name].errors = [why]
        return _page(contest, form, problem, err.status)
    say_judge_invited(judge, new, mailed)  # one message for a new and an existing account
    return redirect(url_for(".overview", slug=slug, _anchor="judges"), 303)


def _whole_number(text: str) -> Any:
    """A form's number as the API would get it: blank is left out, digits are a
    number, and anything else stays text for the body model to refuse."""
    text = text.strip()
    if not text:
        return None
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else text


@bp.post("/assignments")
@organiser_pages_required
def assign(slug: str):
    contest, user = managed_contest(slug)
    sent = {"judges_per_entry": request.form.get("judges_per_entry", "")}
    try:
        body = validate(AssignBody, {"judges_per_entry": _whole_number(sent["judges_per_entry"])})
        result = assignments.plan(contest, user, clock.now(), body.judges_per_entry)
    except ApiError as err:
        return _page(contest, problem=_refusal("assign", err, sent), status=err.status)
    flash(_("The assignments are made: %(total)d in all, %(added)d added and %(removed)d removed.",
            total=result["assignments"], added=result["added"], removed=result["removed"]), "success")
    if result["shortages"]:
        flash(ngettext("%(num)d entry has fewer judges than asked for: see the entries short of judges.",
                       "%(num)d entries have fewer judges than asked for: see the entries short of judges.",
                       len(result["shortages"])), "error")
    return redirect(url_for(".overview", slug=slug, _anchor="assignments"), 303)


@bp.post("/reminders")
@organiser_pages_required
def reminders(slug: str):
    contest, _user = managed_contest(slug)
    try:
        job = jobs.enqueue_reminders(contest.id)
    except redis.RedisError:
        flash(_("The reminders could not be queued because the job queue is unavailable. Try again shortly."),
              "error")
    else:
        flash(_("Reminders are being mailed to the judges with entries left (job %(job)s). Each judge gets at most "
                "one reminder a day.", job=job.id), "success")
    return redirect(url_for(".overview", slug=slug, _anchor="reminders"), 303)


def _picked() -> dict[str, str]:
    """What the reopen or conflict form sent, as typed (shown again after a refusal)."""
    return {"judge_id": request.form.get("judge_id", ""), "entry_id": request.form.get("entry_id", ""),
            "reason": request.form.get("reason", "").replace("\r\n", "\n").strip()}


def _as_body(sent: dict[str, str]) -> dict[str, Any]:
    """The form as the API's body would carry it: ids as numbers, a blank one
    left out (so it "is required"), text the database cannot store refused."""
    if unstorable_text(sent["reason"]):
        raise validation_error({"reason": N_("holds a character that cannot be stored")})
    ids = {name: _whole_number(sent[name]) for name in ("judge_id", "entry_id")}
    return {**{name: value for name, value in ids.items() if value is not None}, "reason": sent["reason"]}


@bp.post("/reopen")
@organiser_pages_required
def reopen(slug: str):
    contest, user = managed_contest(slug)
    sent = _picked()
    try:
        body = validate(ReopenBody, _as_body(sent))
        scoring.reopen(contest, body.judge_id, body.entry_id, user, body.reason, clock.now())
    except ApiError as err:
        return _page(contest, problem=_refusal("reopen", err, sent), status=err.status)
    flash(_("The score is reopened: its judge can change it and submit it again."), "success")
    return redirect(url_for(".overview", slug=slug, _anchor="reopen"), 303)


@bp.post("/conflicts")
@organiser_pages_required
def record_conflict(slug: str):
    contest, user = managed_contest(slug)
    sent = _picked()
    try:
        body = validate(OrganiserConflictBody, _as_body(sent))
        new = assignments.record_conflict(contest, body.judge_id, body.entry_id, body.reason, user, clock.now())
    except ApiError as err:
        return _page(contest, problem=_refusal("conflict", err, sent), status=err.status)
    flash(_("The conflict of interest is recorded: the entry is taken off the judge's list.") if new
          else _("This conflict of interest was already recorded."), "success")
    return redirect(url_for(".overview", slug=slug, _anchor="conflicts"), 303)
