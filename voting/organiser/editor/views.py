"""The contest editor's pages (to be built: templates per kind, cloning, sections of the SPEC)."""

from __future__ import annotations

from flask import render_template

from voting import clock
from voting.auth import organiser_pages_required, require_contest_creator
from voting.contests.access import managed_contest
from voting.contests.views import describe_contest
from voting.organiser.blueprint import bp


@bp.get("/contests/new")
@organiser_pages_required
def new_contest():
    require_contest_creator()
    return render_template("organiser/editor/new.html")


@bp.get("/contests/<slug>/settings")
@organiser_pages_required
def edit_contest(slug: str):
    contest, _user = managed_contest(slug)
    return render_template("organiser/editor/settings.html", contest=describe_contest(contest, clock.now()))
