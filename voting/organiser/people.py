"""A contest's people: its co-organisers and judges, each with the state of
their invitation (accepted, or invited and not yet signed in since: see
voting.contests.organisers), the forms that invite more by mail and the
buttons that remove them.

Inviting a co-organiser calls `organisers.invite_organiser` (an address
without an account gets one, unverified, and a link that sets its password);
inviting a judge calls `judges.invite_judge_once` after the API's own body
model. Both say whether the mail went (it is sent after the role is
committed), and the message says so: the role stands either way, and inviting
again resends the mail to someone still invited; someone already in the role is
told so and changes nothing. Removing calls `organisers.remove_organiser` (a contest
keeps one) or `judges.remove_judge` (submitted scores stay). A refusal is
shown on the page with the service's status, each problem beside its field.
(CSRFProtect checks every POST first.)"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice

from voting import clock
from voting.accounts import services as accounts
from voting.accounts.models import User
from voting.api.request import unstorable_text, validate
from voting.auth import organiser_pages_required
from voting.contests import organisers
from voting.contests.access import managed_contest
from voting.contests.models import Contest
from voting.contests.views import category_texts, describe_contest
from voting.errors import ApiError, say, validation_error
from voting.i18n.domain import LANGUAGES, N_, html_lang, msg, nmsg
from voting.organiser.blueprint import bp

from judging import judges
from judging.api import JudgeBody

LABELS = {"email": _l("Address"), "display_name": _l("Name"), "organisation": _l("Organisation"),
          "expertise": _l("Categories"), "locale": _l("Language of the mails")}


def _languages() -> list[Any]:
    # Each language named in itself, marked with its language for screen readers (as on the account page).
    return [("", _l("The site's default language"))] + [SelectChoice(code, name, {"lang": html_lang(code)})
                                                        for code, name in LANGUAGES.items()]


class InviteForm(FlaskForm):
    class Meta:
        csrf = False  # CSRFProtect checks the page's token; the template writes it

    email = StringField(_l("Address"), render_kw={"type": "email", "autocomplete": "off", "spellcheck": "false",
                                                  "maxlength": 320})
    display_name = StringField(_l("Name"), render_kw={"maxlength": 120})
    locale = SelectField(_l("Language of the mails"), choices=_languages, validate_choice=False,
                         description=_l("For an address without an account: the language of the invitation and "
                                        "of its later mails. An existing account keeps its own."))


class OrganiserForm(InviteForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="organiser", **kwargs)
        self.email.description = _("The person's mail address. An address without an account gets one, and the "
                                   "invitation's link sets its password.")
        self.display_name.description = _("Optional. As the invitation greets them (an existing account keeps "
                                          "its own).")


class JudgeForm(InviteForm):
    organisation = StringField(_l("Organisation"), description=_l("Optional. Entries of the same organisation are "
                                                                  "never given to this judge."),
                               render_kw={"maxlength": 200})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="judge", **kwargs)
        self.email.description = _("The judge's mail address. An address without an account gets one, and the "
                                   "invitation's link sets its password.")
        self.display_name.description = _("As the invitation greets them (an existing account keeps its own).")


# What the page shows.

def _row(user: User, grant, slug: str, kind: str, **extra) -> dict[str, Any]:
    return {"id": user.id, "name": user.display_name, "email": user.email, "accepted": organisers.accepted(grant, user),
            "invited_at": grant.invited_at if grant is not None else None,
            "action": url_for(f".remove_{kind}", slug=slug, user_id=user.id), **extra}


def _people(contest: Contest) -> dict[str, Any]:
    titles = {c.slug: category_texts(contest, c)["title"] for c in contest.categories}
    return {
        "organisers": [_row(user, grant, contest.slug, "organiser")
                       for user, grant in organisers.organiser_grants(contest)],
        "judges": [_row(user, grant, contest.slug, "judge", organisation=row.organisation,
                        categories=", ".join(titles.get(s, s) for s in row.expertise or []))
                   for user, row, grant in judges.judge_people(contest)]}


def _page(contest: Contest, organiser_form: OrganiserForm | None = None, judge_form: JudgeForm | None = None,
          problem: dict[str, Any] | None = None, status: int = 200):
    sent = problem["sent"] if problem and problem["form"] == "judge" else {}
    return render_template(
        "organiser/people.html", contest=describe_contest(contest, clock.now()), problem=problem,
        organiser_form=organiser_form or OrganiserForm(formdata=None),
        judge_form=judge_form or JudgeForm(formdata=None), **_people(contest),
        expertise=[{"slug": c.slug, "title": category_texts(contest, c)["title"], "id": f"expertise-{c.slug}",
                    "checked": c.slug in sent.get("expertise", [])} for c in contest.categories]), status


@bp.get("/contests/<slug>/people")
@organiser_pages_required
def people(slug: str):
    contest, _user = managed_contest(slug)
    return _page(contest)


# The forms.

def _refusal(form: str, err: ApiError, sent: dict[str, Any], target: InviteForm | None = None) -> dict[str, Any]:
    """The problem as the page shows it: the service's message at the top, each
    field's problem beside the field (on `target`) and linked from the summary."""
    fields: dict[str, str] = {}
    for path, why in (err.fields or {}).items():
        fields.setdefault(path.split(".")[0], say(why))
    summary = []
    for name, why in fields.items():
        if target is not None and name in target:
            target[name].errors = [why]
            href = f"#{target[name].id}"
        else:
            href = f"#{form}-{name}"
        summary.append({"text": f"{LABELS.get(name, name)}: {why}", "href": href})
    return {"form": form, "message": say(err.message), "fields": fields, "sent": sent, "summary": summary}


def _typed(form: InviteForm, **more: Any) -> dict[str, Any]:
    """What the form sent, stripped, after the checks that need no service,
    every problem at once: text the database cannot store, the address, the
    name's length and the language."""
    sent = {name: (form[name].data or "").strip() for name in form._fields}
    sent.update(more)
    problems = {name: N_("holds a character that cannot be stored") for name, value in sent.items()
                if any(unstorable_text(text) for text in (value if isinstance(value, list) else [value]))}
    if "email" not in problems:
        _address, why = accounts.check_address(sent["email"]) if sent["email"] else (None, N_("is required"))
        if why:
            problems["email"] = why
    if len(sent["display_name"]) > 120:
        problems["display_name"] = nmsg("must be at most %(num)d character", "must be at most %(num)d characters",
                                        120)
    if sent["locale"] and sent["locale"] not in LANGUAGES:
        problems["locale"] = msg("must be one of %(choices)s", choices=", ".join(LANGUAGES))
    if problems:
        raise validation_error(problems)
    return sent


@bp.post("/contests/<slug>/people/organisers")
@organiser_pages_required
def invite_organiser(slug: str):
    contest, user = managed_contest(slug)
    form = OrganiserForm()
    try:
        sent = _typed(form)
        invited, new, mailed = organisers.invite_organiser(
            contest, sent["email"], user, clock.now(), display_name=sent["display_name"],
            locale=sent["locale"] or None, invite_new=True)
    except ApiError as err:
        return _page(contest, organiser_form=form, problem=_refusal("organiser", err, {}, form), status=err.status)
    # One message for a new and an existing account: the page does not tell whether an address has one.
    # The mail goes after the role is granted: the role stands when it fails, and inviting again resends it.
    if new and mailed:
        flash(_("%(email)s is now an organiser of this contest, and a mail was sent to tell them.",
                email=invited.email), "success")
    elif new:
        flash(_("%(email)s is now an organiser of this contest, but the mail to tell them could not be sent: "
                "invite them again to resend it.", email=invited.email), "error")
    else:
        flash(_("%(email)s is already an organiser of this contest.", email=invited.email), "success")
        if mailed is False:  # still invited: the invitation was to go again
            flash(_("The mail to %(email)s could not be sent: invite them again to resend it.", email=invited.email),
                  "error")
    return redirect(url_for(".people", slug=slug, _anchor="organisers"), 303)


@bp.post("/contests/<slug>/people/organisers/<int:user_id>/remove")
@organiser_pages_required
def remove_organiser(slug: str, user_id: int):
    contest, user = managed_contest(slug)
    try:
        removed = organisers.remove_organiser(contest, user_id, user, clock.now())
    except ApiError as err:
        return _page(contest, problem=_refusal("remove", err, {}), status=err.status)
    flash(_("%(name)s (%(email)s) is no longer an organiser of this contest.", name=removed.display_name,
            email=removed.email), "success")
    if not user.manages(contest.id):  # they removed themselves: the page is no longer theirs
        return redirect(url_for(".dashboard"), 303)
    return redirect(url_for(".people", slug=slug, _anchor="organisers"), 303)


@bp.post("/contests/<slug>/people/judges")
@organiser_pages_required
def invite_judge(slug: str):
    contest, user = managed_contest(slug)
    form = JudgeForm()
    sent: dict[str, Any] = {"expertise": request.form.getlist("expertise")}
    try:
        sent = _typed(form, **sent)
        body = validate(JudgeBody, {"email": sent["email"], "display_name": sent["display_name"],
                                    "organisation": sent["organisation"] or None,
                                    "expertise": sent["expertise"] or None})
        judge, new, mailed = judges.invite_judge_once(contest, body.email, body.display_name, body.organisation,
                                                      body.expertise, user, clock.now(), locale=sent["locale"] or None)
    except ApiError as err:
        return _page(contest, judge_form=form, problem=_refusal("judge", err, sent, form), status=err.status)
    say_judge_invited(judge, new, mailed)
    return redirect(url_for(".people", slug=slug, _anchor="judges"), 303)


@bp.post("/contests/<slug>/people/judges/<int:user_id>/remove")
@organiser_pages_required
def remove_judge(slug: str, user_id: int):
    contest, user = managed_contest(slug)
    try:
        done = judges.remove_judge(contest, user_id, user, clock.now())
    except ApiError as err:
        return _page(contest, problem=_refusal("remove", err, {}), status=err.status)
    removed = done["user"]
    flash(_("%(name)s (%(email)s) is no longer a judge of this contest.", name=removed.display_name,
            email=removed.email), "success")
    if done["submitted"]:
        flash(ngettext("Their %(num)d submitted score stays on record and still counts.",
                       "Their %(num)d submitted scores stay on record and still count.", done["submitted"]),
              "success")
    if done["dropped"] and done["repaired"]:
        flash(ngettext("%(num)d unfinished assignment was taken off them and given to another judge where the "
                       "plan allows: see the judging page.",
                       "%(num)d unfinished assignments were taken off them and given to other judges where the "
                       "plan allows: see the judging page.", done["dropped"]), "success")
    elif done["dropped"]:
        flash(ngettext("%(num)d unfinished assignment was taken off them: make the assignments again on the "
                       "judging page to give it to another judge.",
                       "%(num)d unfinished assignments were taken off them: make the assignments again on the "
                       "judging page to give them to other judges.", done["dropped"]), "success")
    return redirect(url_for(".people", slug=slug, _anchor="judges"), 303)


def say_judge_invited(judge: dict[str, Any], new: bool, mailed: bool | None) -> None:
    """What inviting a judge did, as flash messages (this page and the judging page say it alike).
    As for organisers: one message for a new and an existing account. Someone already judging this contest is
    named as its list names them (the organiser sees that list anyway); the categories and organisation sent
    replace theirs (judges.invite_judge_once), which is said when they changed."""
    if not new:
        if judge.get("updated"):
            flash(_("%(name)s (%(email)s) is already a judge of this contest; their categories and organisation "
                    "were updated.", name=judge["display_name"], email=judge["email"]), "success")
        else:
            flash(_("%(name)s (%(email)s) is already a judge of this contest.", name=judge["display_name"],
                    email=judge["email"]), "success")
        if mailed:  # still invited: the invitation went again, with a fresh link
            flash(_("They have not accepted the invitation yet, so it was mailed to them again."), "success")
        elif mailed is False:
            flash(_("The mail to %(email)s could not be sent: invite them again to resend it.", email=judge["email"]),
                  "error")
    elif mailed:
        flash(_("%(name)s (%(email)s) is now a judge of this contest, and an invitation was mailed to them.",
                name=judge["display_name"], email=judge["email"]), "success")
    else:
        flash(_("%(name)s (%(email)s) is now a judge of this contest, but the invitation could not be mailed to "
                "them: invite them again to resend it.", name=judge["display_name"], email=judge["email"]), "error")
