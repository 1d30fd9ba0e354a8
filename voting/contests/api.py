"""Contest and entry endpoints of the public API."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import Blueprint, abort, jsonify, request, send_file
from pydantic import BaseModel, ConfigDict, StrictStr, StringConstraints

from voting import clock
from voting.api.request import json_payload, parse_body, unstorable_text
from voting.auth import actor, require_contest_creator, require_user
from voting.contests import entries, images, organisers, services
from voting.contests.access import managed_contest, manages, public_contest
from voting.errors import ApiError, validation_error

bp = Blueprint("contests_api", __name__, url_prefix="/api/v1")


class ModerationBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["approved", "rejected"]
    reason: Annotated[StrictStr, StringConstraints(max_length=entries.REASON_LIMIT)] | None = None


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
    return jsonify({"organisers": [organisers.serialise(u) for u in organisers.organisers(contest)]})


@bp.post("/contests/<slug>/organisers")
def add_organiser(slug: str):
    contest, user = managed_contest(slug)
    body = parse_body(OrganiserBody)
    added, new = organisers.add_organiser(contest, body.email, user, clock.now())
    return jsonify({"organiser": organisers.serialise(added)}), 201 if new else 200


@bp.delete("/contests/<slug>/organisers/<int:user_id>")
def remove_organiser(slug: str, user_id: int):
    contest, user = managed_contest(slug)
    organisers.remove_organiser(contest, user_id, user, clock.now())
    return "", 204


STATUS_FILTERS = {"approved": ("approved",), "pending": ("pending",), "rejected": ("rejected",),
                  "all": ("approved", "pending", "rejected")}


@bp.get("/contests/<slug>/entries")
def list_entries(slug: str):
    contest = public_contest(slug, clock.now())
    status = request.args.get("status", "approved")
    if status not in STATUS_FILTERS:
        raise validation_error({"status": "must be approved, pending, rejected or all"})
    if status != "approved":
        managed_contest(slug)
    category = request.args.get("category")
    found = entries.list_entries(contest, category, STATUS_FILTERS[status])
    return jsonify({"entries": [entries.serialise(e) for e in found]})


@bp.post("/contests/<slug>/entries")
def add_entry(slug: str):
    user = require_user()
    contest = public_contest(slug, clock.now())
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
    contest, user = managed_contest(slug)
    entry = entries.get_entry(entry_id, contest)
    body = parse_body(ModerationBody)
    return jsonify(entries.serialise(entries.moderate(contest, entry, body.status, user, clock.now(), body.reason)))


@media.get("/media/entries/<int:entry_id>.jpg")
def entry_image(entry_id: int):
    try:
        entry = entries.get_entry(entry_id)
    except ApiError:
        abort(404)
    user = actor()
    visible = ((entry.status == "approved" and services.visible_to(services.get_contest_by_id(entry.contest_id),
                                                                     user, clock.now()))
               or (user and (user.manages(entry.contest_id) or user.id == entry.submitted_by_id)))
    if not entry.image_path or not visible:
        abort(404)
    path = images.path_of(entry.image_path)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype="image/jpeg", max_age=3600)
