"""The entries' endpoints: the public list, a participant's submissions
(JSON, or multipart with the photo for photo contests), edits, submitting a
draft, withdrawing, "my entries", moderation and the CSV import. Each handler
reads the request, calls one service and serialises (shared/API.md: Submissions,
Bulk import)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import Blueprint, jsonify, request
from pydantic import BaseModel, ConfigDict, StrictStr, StringConstraints

from voting import clock
from voting.api.request import json_payload, parse_body, unstorable_text
from voting.auth import actor, require_user
from voting.contests import entries
from voting.contests.access import managed_contest, public_contest
from voting.errors import ApiError, validation_error
from voting.i18n.domain import N_, msg
from voting.media import uploads
from voting.media.photos import Upload
from voting.submissions import importing, moderation, present, services
from voting.submissions.domain import fields, flow
from voting.submissions.limits import free_of_charge, submission_limit

bp = Blueprint("submissions_api", __name__, url_prefix="/api/v1")

# A CSV of a few thousand entries with 200-word summaries is a few megabytes.
IMPORT_MAX_BYTES = importing.MAX_BYTES
STATUS_FILTERS = {"approved": ("approved",), "pending": ("pending",), "changes_requested": ("changes_requested",),
                  "rejected": ("rejected",), "withdrawn": ("withdrawn",), "all": flow.SUBMITTED}
TRUE, FALSE = ("true", "1", "on", "yes"), ("false", "0", "off", "no", "")


class ModerationBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["approved", "rejected", "changes_requested"]
    reason: Annotated[StrictStr, StringConstraints(max_length=moderation.REASON_LIMIT)] | None = None


def _flag(value: Any, name: str, form: bool = False) -> bool:
    """A JSON boolean (strict, as every body's scalars), or a form's text for one."""
    if isinstance(value, bool):
        return value
    if form and isinstance(value, str) and value.strip().lower() in TRUE + FALSE:
        return value.strip().lower() in TRUE
    raise validation_error({name: N_("must be true or false")})


def _team_id(value: Any, form: bool = False) -> int | None:
    if value is None or (form and value == ""):
        return None
    if form and isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise validation_error({"team_id": N_("must be a team's id")})


def _json_object() -> dict[str, Any]:
    payload = json_payload()
    if not isinstance(payload, dict):
        raise validation_error({"body": N_("must be a JSON object")})
    return dict(payload)


def _form() -> tuple[dict[str, Any], Upload | None]:
    """A multipart entry: the fields as form fields (`links` one per field or
    separated by spaces), the photo as the file `image` with its `alt_text`."""
    data: dict[str, Any] = {}
    for key in request.form:
        values = request.form.getlist(key)
        if any(unstorable_text(key) or unstorable_text(value) for value in values):
            raise ApiError("malformed_json", "A form field holds a NUL character or a lone surrogate.", 400)
        data[key] = [link for value in values for link in fields.split_links(value)] if key == "links" else values[-1]
    unknown = [key for key in request.files if key != "image"]
    if unknown:
        raise validation_error({key: N_("is not a known file field") for key in unknown})
    # MEDIA: the photo part of the request (the file and its alt text) is the media side's to read.
    return data, uploads.form_upload(request.files, data)


@bp.get("/contests/<slug>/entries")
def list_entries(slug: str):
    contest = public_contest(slug, clock.now())
    status = request.args.get("status", "approved")
    if status not in STATUS_FILTERS:
        raise validation_error({"status": msg("must be one of %(choices)s", choices=", ".join(STATUS_FILTERS))})
    if status != "approved":
        managed_contest(slug)
    found = entries.list_entries(contest, request.args.get("category"), STATUS_FILTERS[status])
    if status == "approved":
        return jsonify({"entries": [entries.serialise(e) for e in found]})
    now = clock.now()  # organisers asking for other statuses moderate: they get the details and eligibility
    return jsonify({"entries": [present.detail(e, contest, now) for e in found]})


@bp.post("/contests/<slug>/entries")
@submission_limit
def add_entry(slug: str):
    user = require_user()
    contest = public_contest(slug, clock.now())
    form = request.mimetype == "multipart/form-data"
    data, image = _form() if form else (_json_object(), None)
    draft = _flag(data.pop("draft", False), "draft", form)
    team_id = _team_id(data.pop("team_id", None), form)
    entry = services.submit(contest, data, user, clock.now(), image, draft=draft, team_id=team_id)
    return jsonify(entries.serialise(entry)), 201


@bp.get("/contests/<slug>/entries/<int:entry_id>")
def get_entry(slug: str, entry_id: int):
    now = clock.now()
    contest = public_contest(slug, now)
    entry, details = services.readable_entry(contest, entry_id, actor())
    return jsonify(present.detail(entry, contest, now) if details else entries.serialise(entry))


@bp.patch("/contests/<slug>/entries/<int:entry_id>")
@submission_limit
def edit_entry(slug: str, entry_id: int):
    user = require_user()
    contest = public_contest(slug, clock.now())
    data = _json_object()
    hand_in = _flag(data.pop("submit", False), "submit")
    team_id = _team_id(data.pop("team_id")) if "team_id" in data else services.UNCHANGED
    entry = entries.get_entry(entry_id, contest)
    entry = services.edit(contest, entry, data, user, clock.now(), hand_in=hand_in, team_id=team_id)
    if entry.status == "draft":
        free_of_charge()
    return jsonify(present.detail(entry, contest, clock.now()))


@bp.post("/contests/<slug>/entries/<int:entry_id>/submit")
@submission_limit
def submit_entry(slug: str, entry_id: int):
    user = require_user()
    contest = public_contest(slug, clock.now())
    entry = services.hand_in(contest, entries.get_entry(entry_id, contest), user, clock.now())
    return jsonify(present.detail(entry, contest, clock.now()))


@bp.post("/contests/<slug>/entries/<int:entry_id>/withdraw")
def withdraw_entry(slug: str, entry_id: int):
    user = require_user()
    contest = public_contest(slug, clock.now())
    entry = services.withdraw(contest, entries.get_entry(entry_id, contest), user, clock.now())
    return jsonify(present.detail(entry, contest, clock.now()))


@bp.get("/me/entries")
def my_entries():
    user = require_user()
    now = clock.now()
    return jsonify({"entries": [present.detail(entry, contest, now) for contest, entry in services.my_entries(user)]})


@bp.post("/contests/<slug>/entries/<int:entry_id>/moderation")
def moderate_entry(slug: str, entry_id: int):
    contest, user = managed_contest(slug)
    entry = entries.get_entry(entry_id, contest)
    body = parse_body(ModerationBody)
    return jsonify(entries.serialise(moderation.moderate(contest, entry, body.status, user, clock.now(),
                                                         body.reason)))


@bp.post("/contests/<slug>/entries/import")
def import_entries(slug: str):
    contest, user = managed_contest(slug)
    if request.mimetype != "text/csv":
        raise ApiError("unsupported_media_type", "Send the entries as CSV with Content-Type: text/csv.", 415)
    all_or_nothing = _flag(request.args.get("all_or_nothing", "false"), "all_or_nothing", form=True)
    request.max_content_length = IMPORT_MAX_BYTES  # beyond it Werkzeug answers 413 before reading on
    raw = request.get_data(cache=False)
    return jsonify(importing.import_csv(contest, raw, user, clock.now(), all_or_nothing))
