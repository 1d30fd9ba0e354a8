"""The console's list of a contest's entries: a text search, filters by status
and category, counts per status, a page at a time, and the bulk decision
(approve, reject or ask for changes, with one reason) on the rows checked.

Everything the list shows is in its query string (`q`, `status`, `category`,
`page`), so a filtered view is a link and works without JavaScript; the bulk
form posts to an address that carries the same query, so that the organiser
comes back to the view they left. A bulk decision is per entry
(voting.submissions.moderation.moderate_many): the entries that moved are
counted, and each one that could not is named with why, in the flash messages.

The list opens on the moderation queue, or on every status when nothing waits
(after an import of approved entries, say); an empty view names its status and
links to the same search in all of them. Once voting has opened, the list (and
the entry and import pages) says that an entry approved now missed some or all
of the vote."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from voting import clock
from voting.api.request import unstorable_text
from voting.auth import organiser_pages_required
from voting.contests.access import managed_contest
from voting.contests.models import Contest
from voting.contests.views import category_texts, describe_contest
from voting.errors import ApiError, say
from voting.organiser.blueprint import bp
from voting.submissions import moderation, present, wording
from voting.submissions.domain import flow

ALL = "all"
STATUSES = (ALL, *flow.SUBMITTED)
DEFAULT_STATUS = "pending"  # the moderation queue first: what waits for the organisers (all when none waits)
PAGE_SIZE = 25  # rows with their eligibility checks and quick-decision forms: well under the weight budget
FLASHED_REFUSALS = 10  # named one by one; the rest counted (flash messages ride in the session cookie)
SHORT_TITLE = 60


@dataclass(frozen=True)
class Filters:
    text: str = ""
    status: str = DEFAULT_STATUS
    category: str = ""  # a category's slug; "" for all
    page: int = 1
    chosen: bool = True  # False when the status is the default one, not asked for

    def args(self, **changes) -> dict:
        """The query string of this view (with `changes`), without the defaults."""
        values = {"q": self.text, "status": self.status, "category": self.category, "page": self.page, **changes}
        return {k: v for k, v in values.items() if v not in ("", None) and not (k == "page" and v == 1)}


@dataclass
class Problem:
    """A refused bulk decision, shown again with what was sent."""
    message: str
    fields: dict[str, str]
    sent: dict = field(default_factory=dict)
    status: int = 422


def _searchable(text: str) -> str:
    """The search as typed, without the characters no entry can hold (NUL, a
    lone surrogate: PostgreSQL refuses them in a query, as in a row): a search
    is only read, so what is left is searched rather than the view refused."""
    text = text[:moderation.SEARCH_LIMIT]
    if unstorable_text(text):
        text = "".join(c for c in text if c != "\x00" and not "\ud800" <= c <= "\udfff")
    return " ".join(text.split())


def read_filters(contest: Contest) -> Filters:
    args = request.args
    status = args.get("status", DEFAULT_STATUS)
    chosen = "status" in args and status in STATUSES
    category = args.get("category", "")
    raw_page = args.get("page", "1")
    page = int(raw_page) if raw_page.isascii() and raw_page.isdigit() and 0 < len(raw_page) < 7 else 1
    return Filters(text=_searchable(args.get("q", "")),
                   status=status if status in STATUSES else DEFAULT_STATUS,
                   category=category if contest.category(category) is not None else "", page=max(page, 1),
                   chosen=chosen)


def voting_notice(contest: Contest, now) -> str:
    """Once voting has opened, an entry approved or imported now missed some or all of the vote: say so."""
    window = contest.windows().get("voting")
    if window is None or window.opens_at > now or contest.published_at is not None:
        return ""
    if window.contains(now):
        return _("Voting is open: entries approved or imported now join the vote only from now on.")
    return _("Voting has closed: entries approved or imported now were not in the vote.")


def _eligibility(checks) -> dict:
    """The checks in one word (the worst of them); the entry's page lists them in full."""
    oks = [c.ok for c in checks]
    worst = False if False in oks else (None if None in oks else True)
    state, label = wording.MARKS[worst]
    return {"state": state, "label": str(label)}


def _rows(contest: Contest, found, titles: dict[int, str], now) -> list[dict]:
    return [{"id": entry.id, "reason": entry.moderation_reason,
             "eligible": _eligibility(present.checks(entry, contest, now)),
             "decide": url_for(".moderate", slug=contest.slug, entry_id=entry.id),
             "anchor": f"entry-{entry.id}", "title": entry.title,
             "category": titles.get(entry.category_id, ""), "status": entry.status,
             "status_label": wording.status_label(entry.status),
             "submitter": submitter.display_name if submitter else "",
             "submitter_email": submitter.email if submitter else "",
             "submitted_at": entry.submitted_at,
             "edit": url_for(".edit_entry", slug=contest.slug, entry_id=entry.id)}
            for entry, submitter in found]


def render_list(contest: Contest, filters: Filters, problem: Problem | None = None):
    now = clock.now()
    chosen = contest.category(filters.category)
    category_id = chosen.id if chosen else None
    counts = moderation.status_counts(contest, filters.text, category_id)
    counts[ALL] = sum(counts.values())
    if not filters.chosen and not counts[DEFAULT_STATUS]:
        filters = replace(filters, status=ALL)  # nothing waits: the entries there are, rather than an empty queue
    pages = max(1, -(-counts[filters.status] // PAGE_SIZE))
    number = min(filters.page, pages)
    statuses = flow.SUBMITTED if filters.status == ALL else (filters.status,)
    titles = {c.id: category_texts(contest, c)["title"] for c in contest.categories}
    found = moderation.find(contest, statuses, filters.text, category_id, (number - 1) * PAGE_SIZE, PAGE_SIZE)
    here = filters.args(page=number)
    link = lambda **changes: url_for(".entries_page", slug=contest.slug, **filters.args(**changes))  # noqa: E731
    tabs = [{"status": s, "label": _("All") if s == ALL else wording.status_label(s), "count": counts[s],
             "current": s == filters.status, "url": link(status=s, page=1)} for s in STATUSES]
    window = contest.windows().get("submission")
    return render_template(
        "organiser/moderation.html", contest=describe_contest(contest, now), filters=filters, tabs=tabs,
        rows=_rows(contest, found, titles, now), total=counts[filters.status],
        status_label=tabs[STATUSES.index(filters.status)]["label"],
        categories=[(c.slug, titles[c.id]) for c in contest.categories],
        pages={"page": number, "pages": pages, "prev": link(page=number - 1) if number > 1 else None,
               "next": link(page=number + 1) if number < pages else None},
        bulk_action=url_for(".bulk_moderation", slug=contest.slug, **here),
        clear=url_for(".entries_page", slug=contest.slug, status=filters.status),
        all_statuses=link(status=ALL, page=1), voting_notice=voting_notice(contest, now),
        import_url=url_for(".import_entries", slug=contest.slug),
        open=window is not None and window.contains(now), reason_limit=moderation.REASON_LIMIT,
        bulk_limit=moderation.BULK_LIMIT, problem=problem), problem.status if problem else 200


@bp.get("/contests/<slug>/entries")
@organiser_pages_required
def entries_page(slug: str):
    contest, _user = managed_contest(slug)
    return render_list(contest, read_filters(contest))


def _ids(values: list[str]) -> list[int] | None:
    if any(not (v.isascii() and v.isdigit() and len(v) < 10) for v in values):
        return None
    return [int(v) for v in values]


def _short(title: str) -> str:
    return title if len(title) <= SHORT_TITLE else title[:SHORT_TITLE - 1] + "…"


def _report(outcomes: list[moderation.Outcome], status: str) -> None:
    done = sum(1 for o in outcomes if o.refusal is None)
    refused = [o for o in outcomes if o.refusal is not None]
    if done:
        flash({"approved": ngettext("%(num)d entry is approved and now public.",
                                    "%(num)d entries are approved and now public.", done),
               "rejected": ngettext("%(num)d entry is rejected.", "%(num)d entries are rejected.", done),
               "changes_requested": ngettext("The entrant of %(num)d entry is asked for changes.",
                                             "The entrants of %(num)d entries are asked for changes.", done)
               }[status], "success")
    for outcome in refused[:FLASHED_REFUSALS]:
        name = _("“%(title)s”", title=_short(outcome.title)) if outcome.title else \
            _("Entry %(id)d", id=outcome.entry_id)
        flash(_("%(entry)s was not changed: %(reason)s", entry=name, reason=say(outcome.refusal)), "error")
    if len(refused) > FLASHED_REFUSALS:
        flash(ngettext("%(num)d more entry was not changed.", "%(num)d more entries were not changed.",
                       len(refused) - FLASHED_REFUSALS), "error")


@bp.post("/contests/<slug>/entries/bulk")
@organiser_pages_required
def bulk_moderation(slug: str):
    contest, user = managed_contest(slug)
    filters = read_filters(contest)
    chosen, status, reason = request.form.getlist("entry"), request.form.get("status", ""), request.form.get("reason")
    sent = {"entry": chosen, "status": status, "reason": reason or ""}
    ids = _ids(chosen)
    if ids is None:
        return render_list(contest, filters, Problem(_("The decision was not recorded."),
                                                     {"entries": _("Choose entries from the list.")}, sent))
    if status not in flow.DECISIONS:  # worded for the form; the service's message names the API's values
        problems = {"entries": _("Choose entries from the list.")} if not ids else {}
        return render_list(contest, filters, Problem(_("The decision was not recorded."),
                                                     {**problems, "status": _("Choose a decision.")}, sent))
    try:
        outcomes = moderation.moderate_many(contest, ids, status, user, clock.now(), reason or None)
    except ApiError as err:
        if err.code == "locked":
            raise
        return render_list(contest, filters, Problem(say(err.message), {k: say(v) for k, v in
                                                                         (err.fields or {}).items()}, sent,
                                                     err.status))
    _report(outcomes, status)
    return redirect(url_for(".entries_page", slug=slug, **filters.args()), 303)
