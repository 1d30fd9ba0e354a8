"""Pairwise mode's page for judges (`judging.mode = pairwise`): the entry in
front of them and the previous one, and three buttons: this one is better,
the previous one was better, skip this one. Plain forms, no script.

The form names both entries by id, as the API's verdict does, so a form sent
twice or from an old tab is refused (409 `already_submitted`; 422 for a pair
no longer in front of the judge) instead of being applied to the pair shown
now; the refusal is shown above the pair now in front of them, with the
service's status. The form is checked with the API's body model and rules,
then the same service is called (`comparisons.judge` or `comparisons.skip`).
Only a judge of the contest's pairwise round gets the page; anyone else gets
the error page with the API's status. (CSRFProtect checks every POST first.)"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from voting import clock
from voting.accounts.models import User
from voting.api.request import validate
from voting.auth import login_required, require_user
from voting.contests.access import public_contest
from voting.contests.entries import get_entry
from voting.contests.models import Contest
from voting.contests.views import category_texts, contest_texts, describe_entry
from voting.errors import ApiError, say, validation_error
from voting.i18n.domain import N_

from judging import comparisons, scoring
from judging.blueprint import bp
from judging.pairwise_api import VerdictBody, check_verdict
from judging.views import window_note

# What the buttons send, and the verdict each one is.
CHOICES = ("current", "previous", "skip")
# The service's words are the API's ("GET …/pairwise/next"); the page says what happened in its own.
REFUSALS = {"already_submitted": _l("That comparison is recorded already. Here is the pair in front of you now."),
            "validation_error": _l("That pair is no longer the one in front of you (the page was out of date). "
                                   "Here is the pair in front of you now.")}


def _comparisons(count: int) -> str:
    return ngettext("You have made %(num)d comparison in this round.",
                    "You have made %(num)d comparisons in this round.", count)


def _page(contest: Contest, user: User, now: datetime, problem: dict[str, Any] | None = None, status: int = 200):
    """The page with the pair in front of the judge: the same pair until they
    judge or skip it (the service completes it, so even the GET may commit)."""
    try:
        state = comparisons.next_entry(contest, user, now)
    except ApiError as err:
        if err.code != "phase_closed":
            raise  # not a judge of this round, or not a pairwise contest: the error page
        state = None
    locale = str(get_locale() or "en")
    context: dict[str, Any] = {
        "contest": {"slug": contest.slug, "title": contest_texts(contest)["title"]},
        "window": window_note(contest, now),
        "closed": state is None, "done": bool(state and state["done"]), "problem": problem,
        "count": _comparisons(state["comparisons"]) if state else "",
        "action": url_for(".pairwise_verdict", slug=contest.slug)}
    if state and not state["done"]:
        category = contest.category(state["category"])
        context |= {"category": category_texts(contest, category)["title"] if category else state["category"],
                    "previous": describe_entry(get_entry(state["previous"]["id"], contest), locale),
                    "current": describe_entry(get_entry(state["current"]["id"], contest), locale)}
    return render_template("judging/pairwise.html", **context), status


@bp.get("/<slug>/pairwise")
@login_required
def pairwise(slug: str):
    now = clock.now()
    user = require_user()
    contest = public_contest(slug, now)
    scoring.require_judge(contest, user)
    return _page(contest, user, now)


def _entry_id(text: str) -> Any:
    """A hidden id as the API's body would carry it: digits are a number, blank
    is left out, anything else stays text for the body model to refuse."""
    text = text.strip()
    if not text:
        return None
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 else text


def _verdict(sent: dict[str, str]) -> dict[str, Any]:
    """The button pressed, as the API's verdict: this one (the current entry)
    or the previous one as the winner, or the current entry skipped."""
    previous, current = _entry_id(sent["previous"]), _entry_id(sent["current"])
    if sent["choice"] not in CHOICES:
        raise validation_error({"choice": N_("choose which entry is better, or skip this one")})
    if sent["choice"] == "skip":
        found = {"skip": current}
    else:
        winner, loser = (current, previous) if sent["choice"] == "current" else (previous, current)
        found = {"winner": winner, "loser": loser}
    return {name: value for name, value in found.items() if value is not None}


def _refusal(err: ApiError) -> dict[str, Any]:
    # Services raise English messages that are message ids of the catalogs.
    message = REFUSALS.get(err.code) if "choice" not in (err.fields or {}) else None
    return {"message": str(message) if message else say(err.message),
            "summary": [{"text": say(why), "href": "#verdict"} for name, why in (err.fields or {}).items()
                        if name == "choice"]}


@bp.post("/<slug>/pairwise")
@login_required
def pairwise_verdict(slug: str):
    now = clock.now()
    user = require_user()
    contest = public_contest(slug, now)
    scoring.require_judge(contest, user)  # before the form: nobody else learns how a verdict is checked
    sent = {name: request.form.get(name, "") for name in ("previous", "current", "choice")}
    try:
        body = check_verdict(validate(VerdictBody, _verdict(sent)))
        if body.skip is not None:
            comparisons.skip(contest, user, body.skip, now)
        else:
            comparisons.judge(contest, user, body.winner, body.loser, now)
    except ApiError as err:
        if err.status in (401, 404) or err.code in ("not_assigned", "conflict"):
            raise  # not this judge's round (any more), or not a pairwise contest: the error page
        return _page(contest, user, now, problem=_refusal(err), status=err.status)
    flash(_("The entry is set aside: it will not be shown to you again.") if body.skip is not None
          else _("Your verdict is recorded."), "success")
    return redirect(url_for(".pairwise", slug=slug), 303)
