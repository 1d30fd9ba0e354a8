"""Contest and entry endpoints of the public API."""

from __future__ import annotations

from typing import Literal

from flask import Blueprint, abort, jsonify, request, send_file
from pydantic import BaseModel, ConfigDict

from voting import clock
from voting.api.request import json_payload, parse_body, unstorable_text
from voting.auth import actor, require_organiser, require_user
from voting.contests import entries, images, services
from voting.errors import ApiError, validation_error

bp = Blueprint("contests_api", __name__, url_prefix="/api/v1")


class ModerationBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["approved", "rejected"]
media = Blueprint("media", __name__)


@bp.get("/contests")
def list_contests():
    now = clock.now()
    return jsonify({"contests": [services.contest_summary(c, now) for c in services.list_contests()]})


@bp.post("/contests")
def create_contest():
    user = require_organiser()
    contest = services.create_contest(json_payload(), user)
    return jsonify(services.contest_json(contest, clock.now())), 201


@bp.get("/contests/<slug>")
def get_contest(slug: str):
    return jsonify(services.contest_json(services.get_contest(slug), clock.now()))


@bp.patch("/contests/<slug>")
def update_contest(slug: str):
    require_organiser()
    contest = services.update_contest(services.get_contest(slug), json_payload())
    return jsonify(services.contest_json(contest, clock.now()))


STATUS_FILTERS = {"approved": ("approved",), "pending": ("pending",), "rejected": ("rejected",),
                  "all": ("approved", "pending", "rejected")}


@bp.get("/contests/<slug>/entries")
def list_entries(slug: str):
    contest = services.get_contest(slug)
    status = request.args.get("status", "approved")
    if status not in STATUS_FILTERS:
        raise validation_error({"status": "must be approved, pending, rejected or all"})
    if status != "approved":
        require_organiser()
    category = request.args.get("category")
    found = entries.list_entries(contest, category, STATUS_FILTERS[status])
    return jsonify({"entries": [entries.serialise(e) for e in found]})


@bp.post("/contests/<slug>/entries")
def add_entry(slug: str):
    user = require_user()
    contest = services.get_contest(slug)
    if request.mimetype == "multipart/form-data":
        data = {key: value for key, value in request.form.items()}
        if any(unstorable_text(key) or unstorable_text(value) for key, value in data.items()):
            raise ApiError("malformed_json", "A form field holds a NUL character or a lone surrogate.", 400)
        upload = request.files.get("image")
        image = upload.read() if upload else None
        unknown = [key for key in request.files if key != "image"]
        if unknown:
            raise validation_error({key: "is not a known file field" for key in unknown})
    else:
        payload = json_payload()
        if not isinstance(payload, dict):
            raise validation_error({"body": "must be a JSON object"})
        data, image = payload, None
    entry = entries.add_entry(contest, data, user, clock.now(), image)
    return jsonify(entries.serialise(entry)), 201


@bp.post("/contests/<slug>/entries/<int:entry_id>/moderation")
def moderate_entry(slug: str, entry_id: int):
    user = require_organiser()
    entry = entries.get_entry(entry_id, services.get_contest(slug))
    body = parse_body(ModerationBody)
    return jsonify(entries.serialise(entries.moderate(entry, body.status, user)))


@media.get("/media/entries/<int:entry_id>.jpg")
def entry_image(entry_id: int):
    try:
        entry = entries.get_entry(entry_id)
    except ApiError:
        abort(404)
    user = actor()
    visible = entry.status == "approved" or (user and (user.is_organiser or user.id == entry.submitted_by_id))
    if not entry.image_path or not visible:
        abort(404)
    path = images.path_of(entry.image_path)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype="image/jpeg", max_age=3600)
