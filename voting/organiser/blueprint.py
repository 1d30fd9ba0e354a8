"""The organiser pages' blueprint (the console). Its routes live in views.py
(the dashboard), editor/ (making and changing a contest through forms),
people.py (co-organisers and judges), moderation.py (entries and their
moderation), live.py (a contest's live view and counters), jobs.py (a long
job's progress), review.py (the review queue and clusters) and reports.py
(the audit log and the invalidation report); `pages()` imports them all, so
that none of them imports another to be registered."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("organiser_pages", __name__, url_prefix="/organiser")


def pages() -> Blueprint:
    from voting.organiser import jobs, live, moderation, people, reports, review, views  # noqa: F401
    from voting.organiser.editor import views as editor_views  # noqa: F401  (each adds its routes to bp)
    return bp
