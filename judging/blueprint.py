"""The judges' pages' blueprint. Its routes live in views.py (the list, an
entry's score form, declaring a conflict) and pairwise_views.py (pairwise
mode's page); `pages()` imports them both, so that neither imports the other
to be registered."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("judging", __name__, url_prefix="/judging")


def pages() -> Blueprint:
    from judging import pairwise_views, views  # noqa: F401  (each adds its routes to bp)
    return bp
