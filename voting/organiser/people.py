"""A contest's people: its co-organisers and judges (to be built)."""

from __future__ import annotations

from flask import render_template

from voting import clock
from voting.auth import organiser_pages_required
from voting.contests.access import managed_contest
from voting.contests.views import describe_contest
from voting.organiser.blueprint import bp


@bp.get("/contests/<slug>/people")
@organiser_pages_required
def people(slug: str):
    contest, _user = managed_contest(slug)
    return render_template("organiser/people.html", contest=describe_contest(contest, clock.now()))
