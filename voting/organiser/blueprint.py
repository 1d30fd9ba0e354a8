"""The organiser pages' blueprint. Its routes live in views.py (the
dashboard, the leaderboard), moderation.py (entries and their moderation),
review.py (the review queue and clusters) and reports.py (the audit log and
the invalidation report); `pages()` imports them all, so that none of them
imports another to be registered."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("organiser_pages", __name__, url_prefix="/organiser")


def pages() -> Blueprint:
    from voting.organiser import moderation, reports, review, views  # noqa: F401  (each adds its routes to bp)
    return bp
