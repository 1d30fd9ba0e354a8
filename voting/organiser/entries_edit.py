"""An organiser's edit of an entry of their contest: the fields of the
contest's kind in the participants' form (voting/submissions/forms.py), with
the entry's status, entrant, eligibility and the one-entry moderation form
beside them. voting.submissions.services.organiser_edit decides: the same
field rules as every door, the status left as it is, the category fixed once
voting or judging has opened (shown locked here, with why), nothing after the
results are published, and an audit entry with what changed."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from voting import clock
from voting.accounts.forms import sentence, show_error
from voting.accounts.models import User
from voting.accounts.views import country_choices
from voting.auth import organiser_pages_required
from voting.contests import entries
from voting.contests.access import managed_contest
from voting.contests.models import Contest, Entry
from voting.contests.views import category_texts, describe_contest, describe_entry
from voting.errors import ApiError, not_found, say
from voting.extensions import db
from voting.organiser.blueprint import bp
from voting.organiser.entries_list import voting_notice
from voting.submissions import moderation, present, services, wording
from voting.submissions.domain import fields
from voting.submissions.domain import organiser_edit as edit_rules
from voting.submissions.forms import EntryForm, shape

PHOTO_FIELDS = ("image", "alt_text")  # a photo is the entrant's upload: not replaced from the console


def _entry(slug: str, entry_id: int) -> tuple[Contest, Entry, User]:
    contest, user = managed_contest(slug)
    entry = entries.get_entry(entry_id, contest)
    if entry.status == "draft":  # its entrant's alone until submitted, as everywhere organisers look
        raise not_found("entry")
    return contest, entry, user


def _problems(err: ApiError) -> dict[str, str]:
    """The service's fields as the form names them: `links.2` is the links box's third line."""
    out: dict[str, str] = {}
    for path, why in (err.fields or {}).items():
        name, _dot, index = path.partition(".")
        text = say(why)
        if name == "links" and index.isdigit():
            text = _("line %(line)d %(problem)s", line=int(index) + 1, problem=text)
        out[name] = f"{out[name]}; {text}" if name in out else text
    return out


def _form_data(contest: Contest, form: EntryForm) -> dict:
    """The kind's fields as sent; the category only when sent (a locked select is disabled, and not sent)."""
    data: dict = {}
    if "category" in request.form:
        data["category"] = form.category.data or ""
    for name in fields.KIND_FIELDS.get(contest.kind, fields.KIND_FIELDS["prize"]):
        value = getattr(form, name).data or ""
        data[name] = fields.split_links(value) if name == "links" else value
    return data


def _page(contest: Contest, entry: Entry, form: EntryForm, err: ApiError | None = None):
    now, locale = clock.now(), str(get_locale() or "en")
    form.category.choices = [(c.slug, category_texts(contest, c)["title"]) for c in contest.categories]
    form.country.choices = country_choices()
    shown = [f for f in shape(form, contest.kind, contest.submission_rules()["summary_max_words"])
             if f.name not in PHOTO_FIELDS]
    lock = edit_rules.category_lock(contest.windows(), now)
    if lock:
        form.category.render_kw = {**(form.category.render_kw or {}), "disabled": True}
        form.category.description = sentence(lock)  # the rule's own words, as a sentence under the field
    summary = show_error(form, _problems(err)) if err else []
    submitter = db.session.get(User, entry.submitted_by_id) if entry.submitted_by_id else None
    refusal = edit_rules.refusal(entry.status)
    return render_template(
        "organiser/entries_edit.html", contest=describe_contest(contest, now), entry=describe_entry(entry, locale),
        status=entry.status, status_label=wording.status_label(entry.status), reason=entry.moderation_reason,
        submitter=submitter, form=form, fields=shown, message=say(err.message) if err else "", summary=summary,
        refusal=say(refusal) if refusal else ("" if contest.published_at is None else
                                              _("The results are published: entries can no longer change.")),
        checks=wording.describe_checks(present.checks(entry, contest, now)),
        action=url_for(".edit_entry", slug=contest.slug, entry_id=entry.id),
        moderate=url_for(".moderate", slug=contest.slug, entry_id=entry.id),
        back=url_for(".entries_page", slug=contest.slug, status=entry.status if entry.status != "draft" else None),
        open=contest.windows().get("submission") is not None and contest.windows()["submission"].contains(now),
        reason_limit=moderation.REASON_LIMIT, voting_notice=voting_notice(contest, now)), err.status if err else 200


@bp.get("/contests/<slug>/entries/<int(max=9223372036854775807):entry_id>/edit")
@organiser_pages_required
def edit_entry(slug: str, entry_id: int):
    contest, entry, _user = _entry(slug, entry_id)
    form = EntryForm(formdata=None, data={"category": entry.category.slug, "title": entry.title,
                                          "summary": entry.summary, "team": entry.team,
                                          "organisation": entry.organisation, "country": entry.country,
                                          "links": "\n".join(entry.links or [])})
    return _page(contest, entry, form)


@bp.post("/contests/<slug>/entries/<int(max=9223372036854775807):entry_id>/edit")
@organiser_pages_required
def edit_entry_submit(slug: str, entry_id: int):
    contest, entry, user = _entry(slug, entry_id)
    form = EntryForm()
    if "category" not in request.form:  # locked (disabled), or left out: shown as it is
        form.category.data = entry.category.slug
    try:
        entry = services.organiser_edit(contest, entry, _form_data(contest, form), user, clock.now())
    except ApiError as err:
        if err.code == "locked":
            raise
        return _page(contest, entry, form, err)
    flash(_("“%(title)s” is saved.", title=entry.title), "success")
    return redirect(url_for(".edit_entry", slug=slug, entry_id=entry.id), 303)
