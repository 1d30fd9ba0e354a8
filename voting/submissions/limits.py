"""The submission rate limit: each contest's `submissions.rate_limit` (SPEC,
default 20/hour) per account and contest, one budget shared by the API and
the pages (Flask-Limiter's moving window on Redis, as the accounts' limits;
over it: 429 `rate_limited` with Retry-After).

It counts what makes work for the moderators or rows in the database: a new
entry (a draft too), a submission, an edit of a submitted entry (it goes back
to the moderators). Saving a draft again costs nothing, nor does a refused
request (it stored nothing). Organisers of the contest are not limited."""

from __future__ import annotations

from flask import g, request
from flask_login import current_user
from sqlalchemy import select

from voting.accounts.limits import marking
from voting.contests.domain.spec import SubmissionsSpec
from voting.contests.models import Contest
from voting.extensions import db, limiter

DEFAULT = SubmissionsSpec().rate_limit
FREE = "voting_submission_free"  # g: this answer did not count


def _contest() -> Contest | None:
    slug = (request.view_args or {}).get("slug")
    if not isinstance(slug, str):
        return None
    if getattr(g, "_submission_contest_slug", None) != slug:
        g._submission_contest = db.session.scalar(select(Contest).where(Contest.slug == slug))
        g._submission_contest_slug = slug
    return g._submission_contest


def _rate() -> str:
    contest = _contest()
    return contest.submission_rules()["rate_limit"] if contest is not None else DEFAULT


def _key() -> str:
    user = current_user.id if current_user.is_authenticated else "-"
    return f"{user}:{(request.view_args or {}).get('slug', '-')}"


def _exempt() -> bool:
    # Signed out: the view answers 401 (or the sign-in page) before anything is stored.
    if not current_user.is_authenticated:
        return True
    contest = _contest()
    return contest is None or current_user.manages(contest.id)


def _counted(response) -> bool:
    return response.status_code < 400 and not g.pop(FREE, False)


def free_of_charge() -> None:
    """Called by a view whose request changed only a draft."""
    g.setdefault(FREE, True)


submission_limit = marking(limiter.shared_limit(_rate, scope="submission", key_func=_key, exempt_when=_exempt,
                                                deduct_when=_counted))
