"""The judges' pages: their list of entries by contest and category with
progress (and of the contests they judge pairwise, whose page is
pairwise_views.py's), and an entry's page with the rubric's score form and
the form that declares a conflict of interest.

The forms call the same services as the API (`scoring.save`,
`assignments.add_conflict`), after the API's own body models, so both doors
accept and refuse alike; a refusal is shown on the entry's page with the
service's status and each problem next to its field. Only a judge of the
contest with the entry on their list sees its page; anyone else gets the
error page with 403. (CSRFProtect checks every POST first.)"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, format_percent, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from voting import clock
from voting.api.request import unstorable_text, validate
from voting.auth import login_required, require_user
from voting.accounts.models import User
from voting.contests import services
from voting.contests.access import public_contest
from voting.contests.entries import get_entry
from voting.contests.models import Contest, Entry
from voting.contests.domain import spec_translations
from voting.contests.views import category_texts, contest_texts, describe_entry, when
from voting.errors import ApiError, say, validation_error
from voting.i18n.domain import N_

from judging import assignments, comparisons, scoring
from judging.api import ConflictBody, ScoreBody
from judging.blueprint import bp
from judging.domain import rubric
from judging.models import Round, ScoreSheet


STATUSES = {"pending": _l("Not started"), "draft": _l("Draft saved"), "submitted": _l("Submitted")}
# A number as judges type it: digits with an optional decimal point or comma ("7", "7.5", "7,5").
NUMBER = re.compile(r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)$")
FIELD_LABELS = {"comment": _l("Comment"), "reason": _l("Reason")}


# The list of entries.

def window_note(contest: Contest, now: datetime) -> dict[str, str]:
    """Whether the judge can score in this contest now, and until when."""
    rnd = assignments.current_round(contest, create=False)
    try:
        if rnd is not None:
            scoring.check_open(contest, rnd, now)
    except ApiError:
        return {"kind": "closed", "text": _("Judging is closed: scores can no longer be saved.")}
    window = contest.windows().get("judging")
    if window is None:
        return {"kind": "open", "text": ""}
    return {"kind": "open", "text": _("Judging closes on %(when)s.", when=when(window.closes_at))}


def _progress(items: list[dict[str, Any]]) -> dict[str, int]:
    return {"submitted": sum(i["status"] == "submitted" for i in items), "total": len(items)}


def _my_contests(user: User, now: datetime) -> list[dict[str, Any]]:
    """The judge's assignments grouped by contest, then category, with
    progress; then the contests they judge pairwise, with a link to the pair."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for item in scoring.my_assignments(user):
        grouped.setdefault(item["contest"], []).append(item)
    found = []
    for slug, items in grouped.items():
        contest = services.get_contest(slug)
        categories = []
        for category in contest.categories:
            mine = [i for i in items if i["category"] == category.slug]
            if mine:
                categories.append({"title": category_texts(contest, category)["title"],
                                   "anchor": f"{slug}-{category.slug}", "progress": _progress(mine), "entries": [
                                       {**i, "status_label": STATUSES[i["status"]],
                                        "url": url_for(".entry", slug=slug, entry_id=i["entry_id"])} for i in mine]})
        found.append({"slug": slug, "title": contest_texts(contest)["title"], "anchor": f"contest-{slug}",
                      "progress": _progress(items), "window": window_note(contest, now), "categories": categories})
    for item in comparisons.my_rounds(user, now):
        contest = item["contest"]
        found.append({"slug": contest.slug, "title": contest_texts(contest)["title"],
                      "anchor": f"contest-{contest.slug}",
                      "window": window_note(contest, now), "categories": [], "pairwise": {
                          "url": url_for(".pairwise", slug=contest.slug),
                          "count": ngettext("You have made %(num)d comparison in this round.",
                                            "You have made %(num)d comparisons in this round.",
                                            item["comparisons"])}})
    return found


@bp.get("/")
@login_required
def my_list():
    return render_template("judging/list.html", contests=_my_contests(require_user(), clock.now()))


# An entry's page.

def _on_my_list(contest: Contest, user: User, entry_id: int) -> tuple[Entry, Round, ScoreSheet | None]:
    """The entry, the round and the judge's sheet, when the entry is on this
    judge's list; else the API's 403 (not a judge, not assigned, a conflict)."""
    scoring.require_judge(contest, user)
    entry = get_entry(entry_id, contest)
    if (user.id, entry.id) in assignments.conflict_pairs(contest):
        raise ApiError("conflict_of_interest", "You have a conflict of interest with this entry.", 403)
    rnd = assignments.current_round(contest, create=False)
    assignment, sheet = assignments.sheet_of(rnd, user.id, entry.id) if rnd else (None, None)
    if assignment is None or entry.status != "approved":  # a rejected entry is on nobody's list
        raise scoring.not_assigned()
    return entry, rnd, sheet


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _shown(value: Any) -> str:
    """A number for reading, in the page's language."""
    return format_decimal(value, "#,##0.####") if _is_number(value) else ""


def _typed(value: Any) -> str:
    """A saved score as a form field holds it: plain digits and a point, as a judge types it."""
    if not _is_number(value):
        return ""
    return str(value) if isinstance(value, int) else format(value, ".15g")


def _criterion_texts(contest: Contest, rnd: Round) -> dict[str, dict[str, str]]:
    """Each criterion's label and guidance by key, in the reader's language where
    the SPEC's `translations` give them (the round's own words otherwise)."""
    locale = str(get_locale() or "en")
    return {c["key"]: spec_translations.localise({"label": c.get("label") or c["key"],
                                                  "guidance": c.get("guidance") or ""},
                                                 contest.settings.get("translations"), locale, criterion=c["key"])
            for c in rnd.criteria}


def _criteria(contest: Contest, rnd: Round, sheet: ScoreSheet | None, sent: dict[str, Any] | None,
              errors: dict[str, str]) -> list[dict[str, Any]]:
    """The rubric as the form shows it: label, range, weight share, guidance,
    the value (as sent, after a refusal; else as saved) and its error."""
    criteria = scoring.criteria_of(rnd)
    shares = rubric.display_weights(criteria)
    texts = _criterion_texts(contest, rnd)
    saved = dict(sheet.scores or {}) if sheet is not None else {}
    rows = []
    for c in criteria:
        value = sent["scores"].get(c.key, "") if sent else _typed(saved.get(c.key))
        rows.append({"key": c.key, "id": f"score-{c.key}", "name": f"scores.{c.key}",
                     "label": texts.get(c.key, {}).get("label") or c.label,
                     "min": _shown(c.min), "max": _shown(c.max),
                     "share": format_percent(shares[c.key], "#,##0.#%"),
                     "guidance": texts.get(c.key, {}).get("guidance", ""),
                     "value": value, "saved": _shown(saved.get(c.key)),
                     "error": errors.get(f"scores.{c.key}", "")})
    return rows


def _next_entry(user: User, contest: Contest, entry_id: int) -> str | None:
    """The next entry on the judge's list in this contest that is not submitted."""
    left = [i for i in scoring.my_assignments(user) if i["contest"] == contest.slug and i["status"] != "submitted"
            and i["entry_id"] != entry_id]
    later = [i for i in left if i["entry_id"] > entry_id] or left
    return url_for(".entry", slug=contest.slug, entry_id=later[0]["entry_id"]) if later else None


def _entry_page(contest: Contest, entry: Entry, rnd: Round, sheet: ScoreSheet | None, now: datetime, *,
                problem: dict[str, Any] | None = None, status: int = 200):
    user = require_user()
    errors = problem["fields"] if problem else {}
    sent = problem["sent"] if problem else None
    try:
        scoring.check_open(contest, rnd, now)
        closed = False
    except ApiError:
        closed = True
    category = next((category_texts(contest, c)["title"] for c in contest.categories if c.id == entry.category_id),
                    "")
    body = scoring.serialise_sheet(rnd, entry.id, sheet)
    context = {
        "contest": {"slug": contest.slug, "title": contest_texts(contest)["title"]}, "category": category,
        "entry": describe_entry(entry, str(get_locale() or "en")),
        "status": body["status"], "status_label": STATUSES[body["status"]],
        "total": format_decimal(body["total"], "#,##0.##") if "total" in body else None,
        "submitted_at": when(sheet.submitted_at) if sheet is not None and sheet.submitted_at else None,
        "criteria": _criteria(contest, rnd, sheet, sent if problem and problem["form"] == "score" else None, errors),
        "comment": sent["comment"] if problem and problem["form"] == "score" else body["comment"],
        "comment_to_entrant": sent["comment_to_entrant"] if problem and problem["form"] == "score"
        else body["comment_to_entrant"],
        "reason": sent["reason"] if problem and problem["form"] == "conflict" else "",
        "readonly": body["status"] == "submitted" or closed, "closed": closed,
        "window": window_note(contest, now), "next_url": _next_entry(user, contest, entry.id),
        "action": url_for(".entry", slug=contest.slug, entry_id=entry.id),
        "conflict_action": url_for(".declare_conflict", slug=contest.slug, entry_id=entry.id),
        "problem": problem,
    }
    return render_template("judging/entry.html", **context), status


@bp.get("/<slug>/entries/<int:entry_id>")
@login_required
def entry(slug: str, entry_id: int):
    now = clock.now()
    contest = public_contest(slug, now)
    found, rnd, sheet = _on_my_list(contest, require_user(), entry_id)
    return _entry_page(contest, found, rnd, sheet, now)


def _score(text: str) -> Any:
    """A score field as the API would get it: blank is left out (None), a
    number is a number, and anything else stays text, which the rubric's
    check refuses as "must be a number" (so nothing is saved)."""
    text = text.strip()
    if not text:
        return None
    if not NUMBER.match(text):
        return text
    value = float(text.replace(",", "."))
    if not math.isfinite(value):
        return text
    return int(value) if value.is_integer() and not re.search(r"[.,]", text) and abs(value) < 2**53 else value


def _storable(fields: dict[str, str]) -> None:
    """Text the database cannot store (NUL) is refused by field, as the API refuses it by body."""
    bad = {name: N_("holds a character that cannot be stored")
           for name, text in fields.items() if unstorable_text(text)}
    if bad:
        raise validation_error(bad)


def _refusal(form: str, err: ApiError, sent: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    # Services raise English messages that are message ids of the catalogs.
    fields = {name: say(why) for name, why in (err.fields or {}).items()}
    return {"form": form, "message": say(err.message), "fields": fields, "sent": sent,
            "summary": [{"text": f"{labels.get(name, name)}: {why}", "href": _field_href(form, name)}
                        for name, why in fields.items()]}


def _field_href(form: str, name: str) -> str:
    if form == "conflict":
        return "#conflict-reason"
    if name.startswith("scores."):
        return f"#score-{name.removeprefix('scores.')}"
    return {"comment": "#comment", "comment_to_entrant": "#comment-to-entrant"}.get(name, "#score-form")


@bp.post("/<slug>/entries/<int:entry_id>")
@login_required
def save_score(slug: str, entry_id: int):
    now = clock.now()
    user = require_user()
    contest = public_contest(slug, now)
    found, rnd, sheet = _on_my_list(contest, user, entry_id)
    keys = [c.key for c in scoring.criteria_of(rnd)]
    sent = {"scores": {key: request.form.get(f"scores.{key}", "") for key in keys},
            "comment": request.form.get("comment", "").replace("\r\n", "\n"),
            "comment_to_entrant": request.form.get("comment_to_entrant") == "yes",
            "submit": request.form.get("action") == "submit"}
    texts = _criterion_texts(contest, rnd)
    labels = {f"scores.{c.key}": texts.get(c.key, {}).get("label") or c.label
              for c in scoring.criteria_of(rnd)} | FIELD_LABELS
    try:
        _storable({f"scores.{k}": v for k, v in sent["scores"].items()} | {"comment": sent["comment"]})
        body = validate(ScoreBody, {"scores": {k: _score(v) for k, v in sent["scores"].items()},
                                    "comment": sent["comment"], "comment_to_entrant": sent["comment_to_entrant"],
                                    "submit": sent["submit"]})
        saved = scoring.save(contest, found.id, user, body.scores, body.comment, body.comment_to_entrant,
                             body.submit, now)
    except ApiError as err:
        if err.status in (401, 403, 404):
            raise  # not the judge's entry (any more): the error page, as for the page itself
        _assignment, sheet = assignments.sheet_of(rnd, user.id, found.id)
        return _entry_page(contest, found, rnd, sheet, now, problem=_refusal("score", err, sent, labels),
                           status=err.status)
    if saved["status"] == "submitted":
        flash(_("Your score of “%(title)s” is submitted.", title=found.title), "success")
    else:
        flash(_("Your draft score of “%(title)s” is saved. It counts once you submit it.", title=found.title),
              "success")
    return redirect(url_for(".entry", slug=slug, entry_id=found.id), 303)


@bp.post("/<slug>/entries/<int:entry_id>/conflict")
@login_required
def declare_conflict(slug: str, entry_id: int):
    now = clock.now()
    user = require_user()
    contest = public_contest(slug, now)
    scoring.require_judge(contest, user)
    found = get_entry(entry_id, contest)
    sent = {"reason": request.form.get("reason", "").replace("\r\n", "\n").strip()}
    try:
        _storable(sent)
        body = validate(ConflictBody, {"entry_id": found.id, "reason": sent["reason"]})
    except ApiError as err:
        found, rnd, sheet = _on_my_list(contest, user, entry_id)  # a refusal is shown on the entry's page
        return _entry_page(contest, found, rnd, sheet, now, problem=_refusal("conflict", err, sent, FIELD_LABELS),
                           status=err.status)
    assignments.add_conflict(contest, user.id, found, "declared", body.reason, user, now)
    flash(_("“%(title)s” is taken off your list, and the organisers are told. Thank you for saying so.",
            title=found.title), "success")
    return redirect(url_for(".my_list"), 303)
