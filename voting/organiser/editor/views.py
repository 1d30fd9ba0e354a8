"""The contest editor's pages: a new contest from a template or a copy, its
settings section by section, phases moved now, and the SPEC as a download.

Every change goes through the service the API uses (contests/services.py:
create_contest, update_contest with a merge patch), so every rule, lock and
message is the API's; the forms only turn fields into a SPEC and the SPEC's
problems (by path) back into fields (domain/formspec.py)."""

from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from voting import clock
from voting.auth import organiser_pages_required, require_contest_creator, require_user
from voting.contests import services
from voting.contests.access import managed_contest
from voting.contests.domain.spec import PHASES, SpecErrors, patch_spec
from voting.contests.models import Contest
from voting.contests.views import contest_texts, describe_contest
from voting.errors import ApiError, say
from voting.organiser.blueprint import bp
from voting.organiser.editor import labels, moves, page, wording
from voting.organiser.editor.domain import formspec, presets


# --- a new contest ------------------------------------------------------------------------------------------

def _sources() -> list[dict[str, str]]:
    user = require_user()
    return [{"slug": c.slug, "title": contest_texts(c)["title"]} for c in services.list_contests()
            if user.manages(c.id)]


def _new_page(form: dict[str, str] | None = None, problems: dict[str, str] | None = None, message: str = "",
              status: int = 200):
    form = form or {"start": "wsis-prize"}
    problems = problems or {}
    called = {"start": _("Start from"), "source": _("Contest to copy"), "slug": str(labels.FIELDS["slug"][0]),
              "title": str(labels.FIELDS["title"][0])}
    templates = [{"value": key, "name": say(t["name"]), "summary": say(t["summary"])}
                 for key, t in presets.TEMPLATES.items()]
    return render_template("organiser/editor/new.html", form=form, problems=problems, templates=templates,
                           sources=_sources(), message=message, hints=labels.FIELDS,
                           summary=page.summary(problems, called)), status


@bp.get("/contests/new")
@organiser_pages_required
def new_contest():
    require_contest_creator()
    return _new_page()


@bp.post("/contests/new")
@organiser_pages_required
def start_contest():
    creator = require_contest_creator()
    form = {name: request.form.get(name, "").strip() for name in ("start", "source", "slug", "title")}
    unstorable = {name: say(formspec.UNSTORABLE) for name, text in form.items() if formspec.unstorable(text)}
    if unstorable:
        return _new_page(form, unstorable, status=422)
    now = clock.now()
    if form["source"] and form["start"] != "copy":  # a contest chosen under another option: say so, not guess
        return _new_page(form, {"source": _("To copy this contest, choose “%(option)s” above.",
                                            option=_("A copy of one of my contests"))}, status=422)
    if form["start"] == "copy":
        source, _user = managed_contest(form["source"]) if form["source"] else (None, None)
        if source is None:
            return _new_page(form, {"source": _("Choose the contest to copy.")}, status=422)
        spec = presets.cloned(services.spec_of(source), form["slug"], form["title"])
    elif form["start"] in presets.TEMPLATES:
        spec = presets.from_template(form["start"], form["slug"], form["title"], now)
    else:
        return _new_page(form, {"start": _("Choose a template or a contest to copy.")}, status=422)
    try:
        contest = services.create_contest(spec, creator, now)
    except ApiError as err:
        known = {"slug", "title"}
        problems: dict[str, str] = {}
        for path, why in (err.fields or {}).items():
            name = path if path in known else ""
            text = wording.reword(why, {}) if name else f"{path}: {wording.reword(why, {})}"
            problems[name] = f"{problems[name]}; {text}" if name in problems else text
        return _new_page(form, problems, wording.summary(err), err.status)
    flash(_("The contest “%(title)s” was created. Check its settings, then open it.", title=contest.title),
          "success")
    return redirect(url_for(".edit_contest", slug=contest.slug), 303)


# --- a contest's settings -----------------------------------------------------------------------------------

def _settings_page(contest: Contest, failed: str | None = None, posted: dict[str, str] | None = None,
                   fields: dict[str, str] | None = None, rows: dict[str, list[int]] | None = None,
                   message: str = "", status: int = 200, extra_rows: int = 0, unreadable: dict[str, str] | None = None,
                   at: str | None = None):
    """The page; with a failed section's post, its values and every problem: `fields` by SPEC path (the
    service's), `unreadable` by form field (what could not be read as a number or a date). The problems'
    summary goes at the start of the section `at` (by default the failed one), else at the top."""
    now = clock.now()
    spec = services.spec_of(contest)
    counts = services.entry_counts(contest, statuses=None)
    by_slug = {c.slug: counts.get(c.id, 0) for c in contest.categories}
    context = page.build(spec, now, contest.published_at is not None, by_slug, failed, posted, extra_rows)
    called = page.names(context)
    problems = {**page.placed(fields or {}, rows or {}, set(called)), **(unreadable or {})}
    page.attach(context, problems)
    return render_template("organiser/editor/settings.html", contest=describe_contest(contest, now), page=context,
                           failed=failed, at=at or failed, message=message, top=problems.get(""),
                           summary=page.summary(problems, called), export_url=page.export_url(contest.slug),
                           published=contest.published_at is not None), status


@bp.get("/contests/<slug>/settings")
@organiser_pages_required
def edit_contest(slug: str):
    contest, _user = managed_contest(slug)
    return _settings_page(contest)


@bp.post("/contests/<slug>/settings")
@organiser_pages_required
def save_settings(slug: str):
    contest, user = managed_contest(slug)
    section = request.form.get("section", "")
    if section not in formspec.SECTIONS:
        return _settings_page(contest, message=_("Choose a section of the settings to save."), status=400)
    posted = request.form.to_dict()
    current = services.spec_of(contest)
    found = formspec.read(section, posted, current)
    if request.form.get("add_rows") == section:  # "add more rows": the form again, longer; nothing saved
        return _settings_page(contest, section, posted, extra_rows=formspec.BLANK_ROWS)
    if found.problems:
        unreadable = {name: say(why) for name, why in found.problems.items()}
        return _settings_page(contest, section, posted, _other_problems(current, found), found.rows,
                              _("Some fields cannot be read; nothing was changed."), 422, unreadable=unreadable)
    try:
        services.update_contest(contest, found.patch, user, clock.now())
    except ApiError as err:
        return _settings_page(contest, section, posted, err.fields or {}, found.rows, wording.summary(err),
                              err.status)
    if found.dropped:
        flash(_("Saved: %(section)s. The translations of %(names)s, no longer in the list, were removed too.",
                section=labels.SECTIONS[section], names=", ".join(found.dropped)), "success")
    else:
        flash(_("Saved: %(section)s.", section=labels.SECTIONS[section]), "success")
    return redirect(url_for(".edit_contest", slug=slug, _anchor=f"section-{section}"), 303)


def _other_problems(current: dict, found: formspec.Read) -> dict[str, str]:
    """The SPEC's own problems with the rest of a form that has unreadable fields
    (those fields left as stored), so that one round shows every problem."""
    try:
        patch_spec(current, found.patch)
    except SpecErrors as err:
        return dict(err.fields)
    return {}


@bp.post("/contests/<slug>/settings/phases")
@organiser_pages_required
def move_phase(slug: str):
    """Open or close a phase now: a post without `confirm=1` (the settings page's buttons) shows what the
    move will do and asks; the confirmation's button posts again with it."""
    contest, user = managed_contest(slug)
    phase, _sep, action = request.form.get("move", "").partition(":")
    if phase not in PHASES or action not in ("open", "close"):
        return _settings_page(contest, message=_("Choose a phase to open or close."), status=400)
    current = services.spec_of(contest)
    if not formspec.get(current, f"phases.{phase}"):
        return _settings_page(contest, fields={f"phases.{phase}": _("Give this phase its dates first.")},
                              message=_("This phase has no dates; nothing was changed."), status=422, at="phases")
    now = clock.now()
    refused = moves.refusal(contest, current, phase, action, now)  # what the page would not offer, or the save refuse
    if refused:
        return _settings_page(contest, fields=refused.fields or {}, message=wording.summary(refused),
                              status=refused.status, at="phases")
    if request.form.get("confirm") != "1":
        return render_template("organiser/editor/confirm_move.html", contest=describe_contest(contest, now),
                               move=moves.consequences(contest, current, phase, action, now))
    try:
        services.update_contest(contest, formspec.moved_phase(current, phase, action, now), user, now)
    except ApiError as err:
        return _settings_page(contest, fields=err.fields or {}, message=wording.summary(err), status=err.status,
                              at="phases")
    done = (_("“%(phase)s” is open now.", phase=labels.PHASES[phase]) if action == "open"
            else _("“%(phase)s” is closed now.", phase=labels.PHASES[phase]))
    flash(done, "success")
    return redirect(url_for(".edit_contest", slug=slug, _anchor="section-phases"), 303)


@bp.get("/contests/<slug>/settings/spec.json")
@organiser_pages_required
def export_spec(slug: str):
    """The contest's whole SPEC (anti-fraud settings included: its organisers see them) as a file, to keep,
    change and import as a new contest from the dashboard."""
    contest, _user = managed_contest(slug)
    body = json.dumps(services.spec_of(contest), indent=2, ensure_ascii=False) + "\n"
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{contest.slug}-spec.json"', "Cache-Control": "no-store"})
