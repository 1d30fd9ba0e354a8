"""What the results pages show, one function per page or form, over the
results services (services.py): the published results for everyone, the
latest tally for the contest's organisers, one category, the announcement
view, and the organisers' two actions (tally, publish).

The public functions start from `services.public_results`, which refuses
(404 `not_published`) until a snapshot is published: nothing here reads a
count, a ranking or a winner any other way, so no public page can show one
early. Drafts come from `services.draft_results`, and only views that have
checked the caller manages the contest call them.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import redis
from flask import url_for
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from voting import queues
from voting.accounts.models import User
from voting.api.request import unstorable_text, validate
from voting.contests.models import Contest, Entry
from voting.contests.views import category_texts, describe_contest, describe_entry
from voting.errors import ApiError, validation_error
from voting.extensions import db
from voting.fraud import overview
from voting.i18n.domain import N_, direction
from voting.results import charts, services, wording
from voting.results.api import PublishBody

# Every category's full ranking and charts go on the results page while the
# contest has at most this many ranked entries (about 40 KB of HTML); beyond
# it, as on the contest page, each category's details get a page of their own.
EMBED_ROWS = 60
# The announcement reveals at least this many places per category, from the
# bottom up, even when fewer carry an award (a single winner is announced
# after the two entries behind it).
ANNOUNCED_PLACES = 3


# --- the pages ------------------------------------------------------------------------------------------------

def public_page(contest: Contest, now: datetime) -> dict[str, Any]:
    return _describe(contest, services.public_results(contest), now, draft=False)


def draft_page(contest: Contest, now: datetime, job_id: str | None = None) -> dict[str, Any]:
    """The latest tally (a preview too) for the organisers, with what the
    forms need; a contest without a tally gets the page with its forms only."""
    try:
        results = services.draft_results(contest)
    except ApiError as err:
        if err.status != 404:
            raise
        results = None
    view = _describe(contest, results, now, draft=True) if results else {
        "contest": describe_contest(contest, now), "draft": True, "results": None, "categories": []}
    view["job"] = _job(contest, job_id)
    view["tally"] = tally_state(contest, now)
    view["review"] = overview.page_state(contest, now)  # what a tally now would leave out
    if results:
        view["publishable"] = not results["preview"] and results["published_at"] is None
        view["correction"] = bool(results.get("history")) and results["published_at"] is None
    return view


def category_page(contest: Contest, slug: str, now: datetime, draft: bool) -> dict[str, Any]:
    results = services.draft_results(contest) if draft else services.public_results(contest)
    view = _describe(contest, results, now, draft=draft, only=slug, embed=True)
    if not view["categories"]:
        raise ApiError("not_found", "No such category.", 404)
    return {**view, "category": view["categories"][0]}


def announcement(contest: Contest, now: datetime, draft: bool, category: str | None,
                 step: str | None) -> dict[str, Any]:
    """One category, its places revealed from the bottom up, `step` of them
    shown; the links that move one step on or back, across categories."""
    results = services.draft_results(contest) if draft else services.public_results(contest)
    cats = results["categories"]
    if not cats:
        raise ApiError("not_found", "These results have no categories.", 404)
    index = next((i for i, c in enumerate(cats) if c["slug"] == category), None) if category else 0
    if index is None:
        raise ApiError("not_found", "No such category.", 404)
    cat = cats[index]
    places = _reveal_order(cat)
    shown = _step(step, len(places))
    extra = {"draft": 1} if draft else {}

    def at(i: int, n: int) -> str:
        return url_for("results_pages.announce", slug=contest.slug, category=cats[i]["slug"], step=n, **extra)

    # Moving on past the last place opens the next category; moving back from nothing shown opens the
    # previous category with all its places shown, as it was left.
    next_category = at(index + 1, 0) if index + 1 < len(cats) else None
    previous_end = at(index - 1, len(_reveal_order(cats[index - 1]))) if index > 0 else None
    titles = {c.slug: category_texts(contest, c)["title"] for c in contest.categories}  # in the reader's language
    entries = _entries(contest, [r["entry_id"] for r in places])
    return {"contest": describe_contest(contest, now), "draft": draft, "preview": results["preview"],
            "category": {"slug": cat["slug"], "title": titles.get(cat["slug"], cat["slug"])},
            "position": index + 1, "categories": len(cats), "step": shown, "steps": len(places),
            "back": at(index, shown - 1) if shown > 0 else previous_end,
            "next": at(index, shown + 1) if shown < len(places) else next_category,
            "next_category": next_category, "previous_end": previous_end,
            "all": [{"title": titles.get(c["slug"], c["slug"]), "url": at(i, 0), "current": i == index}
                    for i, c in enumerate(cats)],
            "places": [_announced(r, entries, results.get("method"), contest.kind, n + 1 <= shown)
                       for n, r in enumerate(places)]}


# --- the organisers' actions ----------------------------------------------------------------------------------

def tally_state(contest: Contest, now: datetime) -> dict[str, Any]:
    """What the tally form offers: a final tally once the vote and the jury
    are done; before that, why not and when it becomes possible, and a preview
    (which the service never refuses) in place of a button that could only fail.
    Worded for the page: the API's message names its `?preview=true`."""
    pending = services.pending_input(contest, now)
    if pending is None:
        return {"final": True, "reason": None}
    wait, closes = pending
    when = _("%(when)s UTC", when=format_datetime(closes, "medium"))
    if wait.startswith("voting") and services.judging_open(contest, now):
        # The jury is waited on too: "once it has closed" would name the vote's close, too early.
        reason = {
            "voting_not_opened": _("Voting has not opened yet: the final tally becomes possible at %(when)s, "
                                   "once voting and judging have closed.", when=when),
            "voting_open": _("Voting is still open: the final tally becomes possible at %(when)s, once voting "
                             "and judging have closed.", when=when),
        }[wait]
        return {"final": False, "wait": wait, "reason": reason}
    reason = {
        "voting_not_opened": _("Voting has not opened yet: the final tally becomes possible once it has closed, "
                               "at %(when)s.", when=when),
        "voting_open": _("Voting is still open: the final tally becomes possible once it has closed, at "
                         "%(when)s.", when=when),
        "judging_not_opened": _("Judging has not opened yet: the final tally becomes possible once it has "
                                "closed, at %(when)s.", when=when),
        "judging_open": _("Judging is still open: the final tally becomes possible once it has closed, at "
                          "%(when)s.", when=when),
    }[wait]
    return {"final": False, "wait": wait, "reason": reason}


def publish(contest: Contest, user: User, now: datetime, shown: str, at: str, reason: str) -> dict[str, Any]:
    """The publish form: checked as the API checks its body, then published
    only if the tally the organiser was looking at is still the latest (a
    tally finishing meanwhile must not be published unseen). Commits."""
    bad = {name: N_("holds a character that cannot be stored") for name, text in (("at", at), ("reason", reason))
           if unstorable_text(text)}
    if bad:
        raise validation_error(bad)
    body = validate(PublishBody, {"at": _moment(at), "reason": reason.strip() or None})
    contest.lock()  # the tally stores its snapshot under this lock too, so the check below holds until we commit
    latest = services.latest(contest, include_previews=False)
    if latest is not None and latest.sha256 != shown:  # without any tally, the service says what is missing
        db.session.rollback()
        raise ApiError("conflict", "The results changed since this page was shown: check the latest tally, then "
                       "publish again.", 409)
    return services.publish(contest, user, now, body.at, body.reason)


def _moment(text: str) -> str | None:
    """A form's date and time (an HTML datetime-local, read as UTC) in ISO
    8601 with its offset, for the body model; blank is None."""
    text = text.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise validation_error({"at": N_("must be a date and time, such as 2025-07-08T18:30")}) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).isoformat()


# --- pieces ---------------------------------------------------------------------------------------------------

def _job(contest: Contest, job_id: str | None) -> dict[str, Any] | None:
    """A tally job's status, if the id names a job of this contest."""
    if not job_id or len(job_id) > 100:
        return None
    try:
        found = queues.job_status(job_id)
    except redis.RedisError:
        return {"id": job_id, "status": None}
    if found is None or found[1] != contest.id:
        return None
    status, _contest = found
    return {"id": job_id, "status": wording.job(status["status"]), "error": status.get("error"),
            "url": url_for("ballots_api.job_status", job_id=job_id)}


def _step(text: str | None, most: int) -> int:
    if text is None or text == "":
        return 0
    if not (text.isascii() and text.isdigit() and len(text) <= 4) or int(text) > most:
        raise ApiError("bad_request", "No such step in this category's announcement.", 400)
    return int(text)


def _reveal_order(cat: dict[str, Any]) -> list[dict[str, Any]]:
    ranking = cat["ranking"]
    awarded = sum(1 for r in ranking if r.get("award"))
    return list(reversed(ranking[:max(awarded, min(ANNOUNCED_PLACES, len(ranking)))]))


def _entries(contest: Contest, ids: list[int]) -> dict[int, dict[str, Any]]:
    """The awarded entries as the contest page describes them (team, organisation, photo)."""
    if not ids:
        return {}
    locale = str(get_locale() or "en")
    found = db.session.scalars(select(Entry).where(Entry.contest_id == contest.id, Entry.id.in_(ids)))
    return {e.id: describe_entry(e, locale) for e in found}


def _announced(row: dict[str, Any], entries: dict[int, dict], method: str | None, kind: str,
               shown: bool) -> dict[str, Any]:
    entry = entries.get(row["entry_id"], {})
    numbers = []
    if row.get("public_votes") is not None and method:
        numbers.append(f"{wording.votes_label(method)}: {wording.number(row['public_votes'])}")
    if row.get("jury_score") is not None:
        numbers.append(_("Jury score: %(score)s", score=wording.score(row["jury_score"])))
    return {"place": wording.award(row.get("award")) or _("Place %(rank)d", rank=row["rank"]),
            "title": row["title"], "facts": [value for _label, value in entry.get("facts", [])], "numbers": numbers,
            "image_url": entry.get("image_url") if kind == "photo" else None, "image_alt": entry.get("image_alt"),
            "shown": shown}


def _when(iso: str | None) -> dict[str, str] | None:
    if not iso:
        return None
    moment = datetime.fromisoformat(iso)
    return {"iso": iso, "text": _("%(when)s UTC", when=format_datetime(moment, "medium"))}


def _mark(award: str | None) -> str | None:
    return "hatch" if award in wording.FINAL_AWARDS else "dots" if award == "champion" else None


def _charts(cat: dict[str, Any], title: str, method: str | None) -> dict[str, Any]:
    rows = cat["ranking"]
    anchor = f"chart-{cat['slug']}"
    votes = jury = None
    rtl = direction(str(get_locale())) == "rtl"  # the chart mirrors as the page does
    if method:
        votes = charts.bar_chart(
            f"{anchor}-votes", _("%(what)s per entry in “%(category)s”", what=wording.votes_label(method),
                                 category=title),
            _("One bar per entry in the order of the results, labelled with its number. Winners' bars are "
              "hatched and champions' dotted, and the award is written after the number. The table below "
              "gives the same numbers."),
            [charts.Bar(r["title"], float(r["public_votes"] or 0), wording.number(r["public_votes"] or 0),
                        _mark(r.get("award")), wording.award(r.get("award"))) for r in rows], rtl=rtl)
    scored = sorted((r for r in rows if r.get("jury_score") is not None), key=lambda r: -r["jury_score"])
    if scored:
        values = [r["jury_score"] for r in scored]
        on_scale = min(values) >= 0 and max(values) <= 10  # rubric totals are on 0..10; fitted strengths are not
        jury = charts.bar_chart(
            f"{anchor}-jury", _("Jury scores in “%(category)s”", category=title),
            (_("One bar per entry the jury scored, highest first, on the scale of 0 to 10, labelled with its "
               "score. The table below gives the same numbers.") if on_scale else
             _("One bar per entry the jury scored, highest first, labelled with its score. The table below "
               "gives the same numbers.")),
            [charts.Bar(r["title"], float(r["jury_score"]), wording.score(r["jury_score"]), _mark(r.get("award")),
                        wording.award(r.get("award"))) for r in scored],
            low=0.0 if on_scale else min(values), high=10.0 if on_scale else None, rtl=rtl)
    return {"votes": votes, "jury": jury}


def _category(contest: Contest, cat: dict[str, Any], method: str | None, entries: dict[int, dict],
              embed: bool, draft: bool) -> dict[str, Any]:
    found = contest.category(cat["slug"])
    title = category_texts(contest, found)["title"] if found else cat["slug"]
    titles = {r["entry_id"]: r["title"] for r in cat["ranking"]}
    # A summary keeps the ties that decide something (at or above the lowest cut line, or across one); a
    # level group of entries far below every award can name dozens of entries, and goes to the category page.
    lowest = max((c["place"] for c in cat.get("cut_lines", [])), default=0)
    shown_ties = [t for t in cat.get("ties", []) if embed or t.get("cut_lines") or t["place"] <= lowest]
    awarded = [{**r, "award_label": wording.award(r.get("award")), "entry": entries.get(r["entry_id"], {}),
                "votes_text": wording.number(r.get("public_votes")), "jury_text": wording.score(r.get("jury_score"))}
               for r in cat["ranking"] if r.get("award")]
    out = {"slug": cat["slug"], "title": title, "anchor": f"category-{cat['slug']}", "ballots": cat.get("ballots"),
           "awarded": awarded, "cut_lines": [wording.cut_line(c, titles, method) for c in cat.get("cut_lines", [])],
           "ties": [wording.tie(t, titles) for t in shown_ties],
           "more_ties": len(cat.get("ties", [])) - len(shown_ties),
           "embed": embed,
           "url": url_for("results_pages.category", slug=contest.slug, category=cat["slug"],
                          **({"draft": 1} if draft else {}))}
    if embed:
        out["rows"] = [{**r, "award_label": wording.award(r.get("award")),
                        "votes_text": wording.number(r.get("public_votes")),
                        "jury_text": wording.score(r.get("jury_score")),
                        "hybrid_text": None if r.get("hybrid_score") is None else wording.number(r["hybrid_score"])}
                       for r in cat["ranking"]]
        out["has_jury"] = any(r.get("jury_score") is not None for r in cat["ranking"])
        out["has_hybrid"] = any(r.get("hybrid_score") is not None for r in cat["ranking"])
        out["charts"] = _charts(cat, title, method)
    return out


def _describe(contest: Contest, results: dict[str, Any], now: datetime, *, draft: bool, only: str | None = None,
              embed: bool | None = None) -> dict[str, Any]:
    cats = [c for c in results["categories"] if only is None or c["slug"] == only]
    if embed is None:
        embed = sum(len(c["ranking"]) for c in cats) <= EMBED_ROWS
    method = results.get("method")
    entries = _entries(contest, [r["entry_id"] for c in cats for r in c["ranking"] if r.get("award")])
    votes = results.get("votes") or {}
    sha = results["snapshot_sha256"]
    snapshot_url = url_for("results_api.snapshot", slug=contest.slug, sha256=sha)
    corrects = results.get("corrects")
    as_draft = {"draft": "true"} if draft else {}
    return {
        "contest": describe_contest(contest, now), "draft": draft, "results": results,
        "preview": results.get("preview", False), "seq": results.get("seq"), "sha256": sha,
        "snapshot_url": snapshot_url, "tallied": _when(results.get("tallied_at")),
        "published": _when(results.get("published_at")), "booked": _when(results.get("publish_at")),
        "method": wording.method(results), "votes_label": wording.votes_label(method),
        "policy": wording.policy(results), "tie_chain": wording.tie_chain(results.get("tie_break") or []),
        "has_vote": bool(method),
        "download_json": url_for("results_exports.results_json", slug=contest.slug, **as_draft),
        "download_csv": url_for("results_exports.results_csv", slug=contest.slug, **as_draft),
        "votes": {"counted": wording.number(votes.get("counted", 0)),
                  "under_review": wording.number(votes.get("under_review", 0)),
                  "invalidated": wording.number(votes.get("invalidated", 0)),
                  "invalidated_reasons": wording.reasons(votes.get("invalidated_by_reason") or {}),
                  "under_review_reasons": wording.reasons(votes.get("under_review_by_reason") or {})},
        "corrects": {**corrects, "url": url_for("results_api.snapshot", slug=contest.slug,
                                                sha256=corrects["snapshot_sha256"])} if corrects else None,
        "history": [{**h, "published": _when(h.get("published_at")),
                     "url": url_for("results_api.snapshot", slug=contest.slug, sha256=h["snapshot_sha256"])}
                    for h in results.get("history") or []],
        "categories": [_category(contest, c, method, entries, embed, draft) for c in cats],
    }
