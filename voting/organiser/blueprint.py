"""The organiser pages' blueprint (the console). Its routes live in views.py
(the dashboard), editor/ (making and changing a contest through forms),
people.py (co-organisers and judges), entries_list.py, entries_edit.py,
entries_import.py and moderation.py (entries, their edit, import and
moderation), live.py (a contest's live view and counters), jobs.py (a long
job's progress), review.py (the review queue and clusters) and reports.py
(the audit log and the invalidation report); `pages()` imports them all, so
that none of them imports another to be registered."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("organiser_pages", __name__, url_prefix="/organiser")


def pages() -> Blueprint:
    from voting.organiser import (entries_edit, entries_import, entries_list, jobs, live, moderation,  # noqa: F401
                                  people, reports, review, views)
    from voting.organiser.editor import views as editor_views  # noqa: F401  (each adds its routes to bp)
    return bp
