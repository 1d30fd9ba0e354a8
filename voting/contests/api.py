"""Contest endpoints of the public API, and the media route serving entries'
photos. (The entries' own endpoints are voting/submissions/api.py.)"""

from __future__ import annotations

from typing import Annotated

from flask import Blueprint, abort, jsonify, redirect
from pydantic import BaseModel, ConfigDict, StrictStr, StringConstraints

from voting import clock
from voting.api.request import json_payload, parse_body
from voting.auth import actor, require_contest_creator
from voting.contests import gallery, organisers, services
from voting.contests.access import managed_contest, manages, public_contest
from voting.media import photos, serving

bp = Blueprint("contests_api", __name__, url_prefix="/api/v1")


class OrganiserBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Annotated[StrictStr, StringConstraints(max_length=320)]


media = Blueprint("media", __name__)


@bp.get("/contests")
def list_contests():
    now = clock.now()
    return jsonify({"contests": [services.contest_summary(c, now)
                                 for c in services.visible_contests(actor(), now)]})


@bp.post("/contests")
def create_contest():
    user = require_contest_creator()
    now = clock.now()
    contest = services.create_contest(json_payload(), user, now)
    return jsonify(services.contest_json(contest, now, full=True)), 201


@bp.get("/contests/<slug>")
def get_contest(slug: str):
    now = clock.now()
    contest = public_contest(slug, now)
    return jsonify(services.contest_json(contest, now, full=manages(contest)))


@bp.patch("/contests/<slug>")
def update_contest(slug: str):
    contest, user = managed_contest(slug)
    now = clock.now()
    contest = services.update_contest(contest, json_payload(), user, now)
    return jsonify(services.contest_json(contest, now, full=True))


@bp.get("/contests/<slug>/organisers")
def list_organisers(slug: str):
    contest, _user = managed_contest(slug)
    return jsonify({"organisers": [organisers.serialise(u, contest) for u in organisers.organisers(contest)]})


@bp.post("/contests/<slug>/organisers")
def add_organiser(slug: str):
    contest, user = managed_contest(slug)
    body = parse_body(OrganiserBody)
    added, new = organisers.add_organiser(contest, body.email, user, clock.now())
    return jsonify({"organiser": organisers.serialise(added, contest)}), 201 if new else 200


@bp.delete("/contests/<slug>/organisers/<int:user_id>")
def remove_organiser(slug: str, user_id: int):
    contest, user = managed_contest(slug)
    organisers.remove_organiser(contest, user_id, user, clock.now())
    return "", 204


@bp.get("/contests/<slug>/photos")
def contest_photos(slug: str):
    """Organisers: the contest's photos, their sizes, state and near-duplicates."""
    contest, _user = managed_contest(slug)
    return jsonify({"photos": photos.contest_photos(contest.id)})


@media.get("/media/entries/<int:entry_id>/<name>")
def entry_photo(entry_id: int, name: str):
    return serving.respond(gallery.photo_file(entry_id, name, actor(), clock.now()))


@media.get("/media/entries/<int:entry_id>.jpg")
def entry_image(entry_id: int):
    """The address an entry's image had before photos came in sizes: sent on to its display size."""
    url = gallery.display_url(entry_id, actor(), clock.now())
    if url is None:
        abort(404)
    return redirect(url, 302)
