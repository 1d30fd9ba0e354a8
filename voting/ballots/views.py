"""Voting pages: a category's ballot, the confirmation with its receipt, the
receipt lookup, and "my votes".

A ballot sent from a page goes through the same intake as the API's, so both
accept and refuse exactly the same ballots; the intake's refusals become the
page's message, with the intake's status.

A receipt code never appears in a URL: the confirmation shows it once from
the session, and the lookup is a form POST that answers with the receipt.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from voting import clock
from voting.accounts.forms import sentence
from voting.auth import SessionUser, login_required, require_user
from voting.ballots import backends, challenges, contest_view, intake, my_votes, receipt_lookup, wire
from voting.ballots.api import client_info, give_device_cookie
from voting.ballots.forms import BallotForm, Choices, ReceiptForm, read_choices
from voting.contests import entries
from voting.contests.domain import phases
from voting.contests.access import public_contest
from voting.contests.models import Category, Contest
from voting.contests.views import category_texts, describe_contest, when
from voting.errors import ApiError, say

bp = Blueprint("ballot_pages", __name__)

BALLOT = "/contests/<slug>/vote/<category>"
# The receipt waits in the session for its one showing, never in a URL that
# would end up in the history, logs or a Referer.
RECEIPT_KEY = "ballot_receipt"
# Rank positions offered per entry. The selects grow with entries times
# positions; past this many a page of a big category would pass 100 KB, and a
# partial ranking is a complete ballot for IRV, Schulze and Borda alike.
RANK_POSITIONS = 30
STATE_OF_REFUSAL = {"already_voted": "voted", "phase_closed": "closed", "email_unverified": "unverified"}
REFUSALS = {
    "challenge_failed": _l("Your browser could not prove that this vote comes from a person's browser, or the "
                           "proof expired. Check that JavaScript is turned on, then send your vote again."),
    "rate_limited": _l("Too many votes have come from your network or device in a short time. Wait a little, "
                       "then send your vote again."),
    "service_unavailable": _l("Voting is briefly unavailable. Wait a moment, then send your vote again."),
}
# A challenge that became too easy while the browser worked on it (the contest's
# intake spiked): pow.js sends the vote again by itself once, then leaves it to the voter.
TOO_EASY_RETRYING = _l("Many votes are arriving right now, so your browser has to check again. Your vote is "
                       "being sent again.")
TOO_EASY = _l("Many votes are arriving right now, so your browser has to check again. Send your vote again.")
STATUSES = {
    "received": (_l("Received"), _l("Your ballot is stored. Whether it is counted shows here once voting closes.")),
    "counted": (_l("Counted"), _l("Your ballot is counted in the results.")),
    "under_review": (_l("Under review"), _l("The organisers are checking this ballot before it is counted.")),
    "invalidated": (_l("Not counted"), _l("The organisers found this ballot breaks the contest's rules.")),
}


def _find(slug: str, category_slug: str | None = None) -> tuple[Contest, Category | None]:
    contest = public_contest(slug, clock.now())  # ApiError 404 becomes the error page (drafts too)
    category = contest.category(category_slug) if category_slug else None
    if category_slug and category is None:
        raise ApiError("not_found", _("There is no category at this address."), 404)
    return contest, category


def _shown(contest: Contest, category: Category) -> dict[str, str]:
    """What the pages show of a category: its slug, and its title in the reader's language."""
    return {"slug": category.slug, "title": category_texts(contest, category)["title"]}


def _closed_message(contest: Contest, now: datetime) -> str | None:
    window = contest.windows()["voting"]
    if contest.settings["voting"]["method"] == "none" or window is None:
        return _("This contest has no public vote.")
    if now < window.opens_at:
        return _("Voting opens on %(when)s.", when=when(window.opens_at))
    if now >= window.closes_at:
        return _("Voting closed on %(when)s.", when=when(window.closes_at))
    return None


def _hint(voting: dict, count: int) -> str:
    method = voting["method"]
    if method == "approval":
        most = min(voting["max_choices"], count)
        return ngettext("Choose up to %(num)d entry.", "Choose up to %(num)d entries.", most)
    if method == "score":
        return _("Give each entry from 0 to %(most)d stars. Entries you leave out get no stars.",
                 most=voting["score_max"])
    if method == "ranked":
        return _("Rank the entries you support: 1 for your first choice, 2 for your second, and so on. "
                 "Leave the others “not ranked”.")
    return _("Choose one entry.")


def _state(contest: Contest, found: list, voted_at: datetime | None, closed: str | None) -> str:
    if closed:
        return "closed"
    if voted_at:
        return "voted"
    if not found:
        return "empty"
    if contest.settings["voting"]["require_verified_email"] and not require_user().verified:
        return "unverified"
    return "form"


def _page(contest: Contest, category: Category, now: datetime, *, form: BallotForm | None = None,
          choices: Choices | None = None, state: str | None = None, message: str = "", status: int = 200,
          retry_after: int | None = None, pow_retry: bool = False):
    voting = contest.settings["voting"]
    found = entries.list_entries(contest, category.slug)
    closed = _closed_message(contest, now)
    voted_at = my_votes.cast_times(contest.id, require_user().id).get(category.id)
    state = state or _state(contest, found, voted_at, closed)
    context = {"contest": describe_contest(contest, now), "category": _shown(contest, category), "state": state,
               "message": (closed or message) if state == "closed" else message,
               "voted_at": when(voted_at) if voted_at else None, "method": voting["method"],
               "entries": [{"id": e.id, "title": e.title} for e in found], "hint": _hint(voting, len(found)),
               "choices": choices or Choices(), "pow_bits": voting["pow_bits"],
               "my_votes_url": url_for(".my_votes_page", slug=contest.slug), "pow_retry": pow_retry}
    if state == "form":
        form = form or BallotForm()
        view, intake_backends = contest_view.get(contest.slug), backends.current()
        # Shown again after a refusal, the page keeps its render time (the time since the first
        # showing still counts) while it may; the refusal came before the gate marked it used.
        kept = challenges.read_render_token(intake_backends, view, form.rendered.data)
        if not challenges.fresh_render_token(kept, now):
            form.rendered.data = challenges.render_token(intake_backends, view, now)
        form.pow_token.data = form.pow_nonce.data = ""  # a used proof is no good again
        context.update(form=form, ranks=range(1, min(len(found), RANK_POSITIONS) + 1), stars=[
            ngettext("%(num)d star", "%(num)d stars", n) for n in range(voting["score_max"] + 1)])
    response = make_response(render_template("ballots/ballot.html", **context), status)
    if retry_after is not None:
        response.headers["Retry-After"] = str(max(1, int(retry_after)))
    if pow_retry:  # a copy shown again from a cache must not send the vote by itself
        response.headers["Cache-Control"] = "no-store"
    give_device_cookie(response)
    return response


@bp.get(BALLOT)
@login_required
def ballot(slug: str, category: str):
    contest, found = _find(slug, category)
    return _page(contest, found, clock.now())


@bp.post(BALLOT)
@login_required
def cast(slug: str, category: str):
    contest, found = _find(slug, category)
    now, form = clock.now(), BallotForm()
    shown = [(e.id, e.title) for e in entries.list_entries(contest, found.slug)]
    choices = read_choices(contest.settings["voting"]["method"], shown, request.form)
    if choices.problems:
        return _page(contest, found, now, form=form, choices=choices, state="form", status=422)
    view, intake_backends = contest_view.get(slug), backends.current()
    ballot_input = intake.BallotInput(
        category=found.slug, selection=choices.selection, pow_token=form.pow_token.data or None,
        pow_nonce=form.pow_nonce.data or None, honeypot=form.website.data or "",
        rendered=challenges.read_render_token(intake_backends, view, form.rendered.data),
        script=wire.script_from_page(form.script.data))
    try:
        user = require_user()
        voter = SessionUser(user.id, user.session_version, user.verified)
        result = intake.cast(intake_backends, view, voter, client_info(), ballot_input, now)
    except ApiError as err:
        state = STATE_OF_REFUSAL.get(err.code, "form")
        message = str(REFUSALS.get(err.code, "")) or sentence(say(err.message))  # as errors.py renders it
        retry = isinstance(err, intake.ChallengeTooEasy) and form.pow_retried.data != "1"
        if isinstance(err, intake.ChallengeTooEasy):
            message = str(TOO_EASY_RETRYING if retry else TOO_EASY)
        return _page(contest, found, now, form=form, choices=choices, state=state, message=message,
                     status=err.status, retry_after=err.retry_after, pow_retry=retry)
    session[RECEIPT_KEY] = {"contest": slug, "category": found.slug, "code": result.receipt}
    response = redirect(url_for(".thanks", slug=slug, category=found.slug), 303)
    give_device_cookie(response)
    return response


@bp.get(BALLOT + "/thanks")
@login_required
def thanks(slug: str, category: str):
    contest, found = _find(slug, category)
    held = session.get(RECEIPT_KEY) or {}
    code = None
    if held.get("contest") == slug and held.get("category") == found.slug:
        code = session.pop(RECEIPT_KEY)["code"]
    response = make_response(render_template(
        "ballots/thanks.html", contest=describe_contest(contest, clock.now()), category=_shown(contest, found),
        code=code,
        lookup=ReceiptForm(formdata=None, code=code), my_votes_url=url_for(".my_votes_page", slug=slug)))
    response.headers["Cache-Control"] = "no-store"  # the code is shown once, and must not stay in a cache
    return response


def _private(response):
    """A page that shows a receipt code must not stay in a cache."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


def _lookup_page(form: ReceiptForm, message: str = "", status: int = 200):
    return _private((render_template("ballots/receipt_lookup.html", form=form, message=message), status))


@bp.get("/receipts")
def receipts():
    """The empty lookup form. An old `?code=` is not read: the code would be in the URL."""
    return _lookup_page(ReceiptForm(formdata=None))


@bp.post("/receipts")
def lookup_receipt():
    """The receipt, answered to the form's POST (CSRFProtect has checked its token)."""
    form = ReceiptForm()
    code = (form.code.data or "").strip()[:64]
    form.code.data = code
    if not code:
        return _lookup_page(form, _("Enter the receipt code you were given when you voted."), 422)
    try:
        found = receipt_lookup.lookup(code, clock.now())
    except ApiError:
        message = _("There is no ballot with the receipt code “%(code)s”. Check the code and try again.", code=code)
        return _lookup_page(form, message, 404)
    contest, category = _find(found["contest"], found["category"])
    label, meaning = STATUSES.get(found["status"], (found["status"], ""))
    cast_at = datetime.fromisoformat(found["cast_at"])
    return _private(render_template(
        "ballots/receipt.html", receipt=found, contest=describe_contest(contest, clock.now()),
        category=_shown(contest, category),
        status_label=label, status_meaning=meaning, cast_at=when(cast_at), cast_iso=cast_at.isoformat()))


@bp.get("/receipts/<path:_code>")
def receipt(_code: str):
    """Once the lookup page, with the code in its URL; now the form, without it."""
    return redirect(url_for(".receipts"), 303)


@bp.get("/contests/<slug>/my-votes")
@login_required
def my_votes_page(slug: str):
    contest, _none = _find(slug)
    now = clock.now()
    used = my_votes.cast_times(contest.id, require_user().id)
    voting_open = phases.is_open(contest.windows(), "voting", now) and contest.settings["voting"]["method"] != "none"
    rows = [{"title": c.title, "voted": when(used[c.id]) if c.id in used else None,
             "voted_iso": used[c.id].isoformat() if c.id in used else None,
             "vote_url": url_for(".ballot", slug=slug, category=c.slug) if voting_open and c.id not in used else None}
            for c in contest.categories]
    return render_template("ballots/my_votes.html", contest=describe_contest(contest, now), rows=rows,
                           closed=_closed_message(contest, now))
