"""Participants' pages: the entry form of a contest (new, and editing one's
own entry until the submission phase closes), "my entries" with submit and
withdraw, each calling one service of voting.submissions.services.

Thin: a handler reads the form, calls the service and redirects, or renders
the form again with the service's refusal (its message at the top, each
problem under its field, the HTTP status). The summary's word count is
computed here too, so it shows without JavaScript; voting/static/wordcount.js
keeps it live while typing."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext

from voting import clock
from voting.accounts.forms import show_error
from voting.accounts.models import User
from voting.accounts.views import country_choices
from voting.auth import login_required, require_user
from voting.contests import entries
from voting.contests.access import public_contest
from voting.contests.models import Contest, Entry
from voting.contests.services import phase_of
from voting.contests.views import describe_contest, describe_entry
from voting.errors import ApiError, say
from voting.media import uploads
from voting.media.photos import Upload
from voting.submissions import present, services, wording
from voting.submissions.domain import fields, flow
from voting.submissions.domain.words import count_words
from voting.submissions.forms import EntryForm, shape
from voting.submissions.limits import free_of_charge, submission_limit
from voting.templating import plural_samples

bp = Blueprint("submission_pages", __name__)


def _page_problems(err: ApiError) -> dict[str, str]:
    """The service's fields as the form names them: `links.2` is the links box's third line."""
    out: dict[str, str] = {}
    for path, why in (err.fields or {}).items():
        name, _dot, index = path.partition(".")
        if name == "links" and index.isdigit():
            why = _("line %(line)d %(problem)s", line=int(index) + 1, problem=say(why))
        out[name] = f"{out[name]}; {why}" if name in out else why
    return out


def _form_data(form: EntryForm) -> dict:
    data = {"category": form.category.data or "", "title": form.title.data or "",
            "summary": form.summary.data or "", "team": form.team.data or "",
            "organisation": form.organisation.data or "", "country": form.country.data or "",
            "links": fields.split_links(form.links.data or "")}
    return data


def _image(contest: Contest, form: EntryForm) -> Upload | None:
    # MEDIA: the page's photo and alt text, read by the media side's helper as the API's multipart upload is.
    if contest.kind != "photo":
        return None
    return uploads.form_upload(request.files, {"alt_text": form.alt_text.data or ""})


def _word_sentences(words: int | str, most: int | str, count: int, limit: int) -> dict[str, str]:
    """The summary's count as sentences: `count` picks the plural of "words", `limit` that of the maximum."""
    return {"count": ngettext("%(count)s word", "%(count)s words", count, count=words),
            "max": ngettext("%(count)s of at most %(max)s word", "%(count)s of at most %(max)s words", limit,
                            count=words, max=most),
            "over": ngettext("%(count)s word: %(over)s too many", "%(count)s words: %(over)s too many", count,
                             count=words, over="{over}")}


def word_count(words: int, max_words: int | None) -> dict:
    """What the word count shows now, and its sentences for each plural category of the page's
    language with {count}, {max} and {over} left for wordcount.js to fill in."""
    texts: dict[str, dict[str, str]] = {"count": {}, "max": {}, "over": {}}
    for category, sample in plural_samples().items():
        for key, text in _word_sentences("{count}", "{max}", sample, sample).items():
            texts[key][category] = text
    now = _word_sentences(words, max_words or 0, words, max_words or 0)
    return {"texts": texts, "now": now["max"] if max_words else now["count"]}


def _form_page(contest: Contest, user: User, form: EntryForm, entry: Entry | None = None,
               err: ApiError | None = None, now: datetime | None = None):
    now = now or clock.now()
    rules = contest.submission_rules()
    form.category.choices = [(c.slug, c.title) for c in contest.categories]
    if len(contest.categories) > 1:  # no category chosen for the entrant by the order of the list
        form.category.choices.insert(0, ("", _("Choose a category")))
    form.country.choices = country_choices()
    shown = shape(form, contest.kind, rules["summary_max_words"])
    summary = show_error(form, _page_problems(err)) if err else []
    action = (url_for(".edit", slug=contest.slug, entry_id=entry.id) if entry
              else url_for(".new", slug=contest.slug))
    return render_template(
        "submissions/form.html", contest=describe_contest(contest, now), form=form, fields=shown, entry=entry,
        action=action, multipart=contest.kind == "photo" and entry is None, summary=summary,
        message=say(err.message) if err else "", open=phase_of(contest, now) == "submission",
        verified=user.verified, word_count=word_count(count_words(form.summary.data or ""), rules["summary_max_words"]),
        max_words=rules["summary_max_words"],
        status=wording.status_label(entry.status) if entry else "",
        checks=wording.describe_checks(present.checks(entry, contest, now)) if entry else []), \
        err.status if err else 200


@bp.get("/contests/<slug>/entries/new")
@login_required
def new(slug: str):
    contest = public_contest(slug, clock.now())
    form = EntryForm(formdata=None)
    if len(contest.categories) == 1:
        form.category.data = contest.categories[0].slug
    return _form_page(contest, require_user(), form)


@bp.post("/contests/<slug>/entries/new")
@login_required
@submission_limit
def new_submit(slug: str):
    user, now = require_user(), clock.now()
    contest = public_contest(slug, now)
    form = EntryForm()
    draft = request.form.get("action") != "submit"
    try:
        entry = services.submit(contest, _form_data(form), user, now, _image(contest, form), draft=draft)
    except ApiError as err:
        return _form_page(contest, user, form, err=err, now=now)
    flash(_("“%(title)s” is saved as a draft. Submit it when it is ready.", title=entry.title) if draft else
          _("“%(title)s” is submitted. The organisers will review it.", title=entry.title), "success")
    return redirect(url_for(".mine"), 303)


def _own_entry(slug: str, entry_id: int) -> tuple[Contest, Entry, User]:
    user, contest = require_user(), public_contest(slug, clock.now())
    entry = entries.get_entry(entry_id, contest)
    if entry.submitted_by_id != user.id:
        raise ApiError("forbidden", "Only its entrant can change an entry.", 403)
    return contest, entry, user


@bp.get("/contests/<slug>/entries/<int:entry_id>/edit")
@login_required
def edit(slug: str, entry_id: int):
    contest, entry, user = _own_entry(slug, entry_id)
    form = EntryForm(formdata=None, data={"category": entry.category.slug, "title": entry.title,
                                          "summary": entry.summary, "team": entry.team,
                                          "organisation": entry.organisation, "country": entry.country,
                                          "links": "\n".join(entry.links or [])})
    return _form_page(contest, user, form, entry)


@bp.post("/contests/<slug>/entries/<int:entry_id>/edit")
@login_required
@submission_limit
def edit_submit(slug: str, entry_id: int):
    contest, entry, user = _own_entry(slug, entry_id)
    form, now = EntryForm(), clock.now()
    data = _form_data(form)
    try:
        entry = services.edit(contest, entry, data, user, now, hand_in=request.form.get("action") == "submit")
    except ApiError as err:
        return _form_page(contest, user, form, entry, err, now)
    if entry.status == "draft":
        free_of_charge()
    flash(_("“%(title)s” is saved (%(status)s).", title=entry.title, status=wording.status_label(entry.status)),
          "success")
    return redirect(url_for(".mine"), 303)


@bp.post("/contests/<slug>/entries/<int:entry_id>/submit")
@login_required
@submission_limit
def hand_in(slug: str, entry_id: int):
    contest, entry, user = _own_entry(slug, entry_id)
    entry = services.hand_in(contest, entry, user, clock.now())
    flash(_("“%(title)s” is submitted. The organisers will review it.", title=entry.title), "success")
    return redirect(url_for(".mine"), 303)


@bp.post("/contests/<slug>/entries/<int:entry_id>/withdraw")
@login_required
def withdraw(slug: str, entry_id: int):
    contest, entry, user = _own_entry(slug, entry_id)
    entry = services.withdraw(contest, entry, user, clock.now())
    flash(_("“%(title)s” is withdrawn.", title=entry.title), "success")
    return redirect(url_for(".mine"), 303)


@bp.get("/my-entries")
@login_required
def mine():
    user, now, locale = require_user(), clock.now(), str(get_locale() or "en")
    rows = []
    for contest, entry in services.my_entries(user):
        open_now = phase_of(contest, now) == "submission"
        rows.append({**describe_entry(entry, locale), "contest": contest.title, "slug": contest.slug,
                     "contest_url": url_for("contest_pages.contest", slug=contest.slug),
                     "category": entry.category.title, "status": entry.status,
                     "status_label": wording.status_label(entry.status), "reason": entry.moderation_reason,
                     "checks": wording.describe_checks(present.checks(entry, contest, now)),
                     "can_edit": open_now and flow.edit_refusal(entry.status) is None,
                     "can_submit": open_now and flow.submit_refusal(entry.status) is None,
                     "can_withdraw": open_now and flow.withdraw_refusal(entry.status) is None})
    return render_template("submissions/mine.html", rows=rows)
