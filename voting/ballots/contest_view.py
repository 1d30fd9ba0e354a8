"""What the intake needs to know about a contest, cached briefly per process.

The intake runs for every ballot; reading the contest, its categories and
their approved entries from the database each time would cost more than the
ballot itself. A view lives for `VOTING_INTAKE_CACHE_SECONDS` (default 2 s)
and is dropped at once in this process when the contest or its entries
change here; other processes see a change within that time.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass

from flask import Flask, current_app, has_app_context
from sqlalchemy import select

from voting.guards.domain import ratelimit
from voting.contests.models import Contest, Entry
from voting.contests.domain.phases import Window
from voting.contests.domain.spec import RateLimits, is_slug
from voting.errors import not_found
from voting.extensions import db

EXTENSION = "voting_contest_views"
_lock = threading.Lock()


@dataclass(frozen=True)
class ContestView:
    id: int
    slug: str
    voting: dict
    windows: dict[str, Window | None]
    categories: dict[str, int]  # slug -> id
    eligible: dict[int, frozenset[int]]  # category id -> approved entry ids
    limits: dict[str, ratelimit.Limit]  # the rate limits, parsed once per view
    # Per scope (address, prefix): the recent ballots above which the proof of
    # work gets harder, in ballots of that scope's limit window.
    harder_above: dict[str, int]
    loaded_at: float


# A contest stored before a rate-limit field existed has its default.
DEFAULT_LIMITS = RateLimits().model_dump(mode="json")


def _limits(stored: dict[str, str]) -> tuple[dict[str, ratelimit.Limit], dict[str, int]]:
    texts = {**DEFAULT_LIMITS, **stored}
    limits = {scope: ratelimit.parse(texts[scope]) for scope in ratelimit.SCOPES}
    harder = {scope: ratelimit.threshold_in(limits[scope], ratelimit.parse(texts[field]))
              for scope, field in ratelimit.HARDER_ABOVE.items()}
    return limits, harder


def _load(slug: str) -> ContestView:
    contest = db.session.scalar(select(Contest).where(Contest.slug == slug)) if is_slug(slug) else None
    if contest is None:
        raise not_found("contest")
    eligible: dict[int, set[int]] = defaultdict(set)
    for category_id, entry_id in db.session.execute(
            select(Entry.category_id, Entry.id).where(Entry.contest_id == contest.id, Entry.status == "approved")):
        eligible[category_id].add(entry_id)
    categories = {c.slug: c.id for c in contest.categories}  # loaded with the contest
    voting = dict(contest.settings["voting"])
    limits, harder_above = _limits(voting["rate_limits"])
    return ContestView(contest.id, contest.slug, voting, contest.windows(), categories,
                       {cid: frozenset(eligible.get(cid, ())) for cid in categories.values()}, limits,
                       harder_above, time.monotonic())


def get(slug: str, app: Flask | None = None) -> ContestView:
    """The contest's view, from this process's cache while it is fresh. The
    ballot route calls it outside Flask's context, naming its app: a reload
    then runs in an app context of its own."""
    app = app or current_app._get_current_object()
    views = app.extensions.setdefault(EXTENSION, {})
    view = views.get(slug)
    if view is None or time.monotonic() - view.loaded_at >= app.config["VOTING"].intake_cache_seconds:
        if has_app_context() and current_app._get_current_object() is app:
            view = _load(slug)
        else:
            with app.app_context():
                view = _load(slug)
        with _lock:
            views[slug] = view
    return view


def forget(slug: str | None = None) -> None:
    """Drop cached views (all when slug is None) after a change in this process."""
    views = current_app.extensions.get(EXTENSION)
    if views is not None:
        with _lock:
            if slug is None:
                views.clear()
            else:
                views.pop(slug, None)
