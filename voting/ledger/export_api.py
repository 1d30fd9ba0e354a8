"""The ledger's static export (voting/ledger/export.py), served: the manifest
and the files it names, to anyone once the leaves are published (with the
results: before, the leaves would be the count), 404 `not_published` before.

Only the export's own names are served: a batch file the manifest lists,
and an amendments file, named by its SHA-256 (the current manifest's, or the
one before it, which the export keeps for a reader who fetched the older
manifest a moment ago), each with that SHA-256 as its ETag, so a conditional
request is answered 304 without opening the file. Files never change: public
and immutable for a year. The manifest changes when the ledger does (a late
seal, an amendment): a minute in caches, then revalidated. Files are streamed from the
store, never read whole; they are sent as the gzip files they are
(`application/gzip`, no Content-Encoding), so the bytes a client keeps are
the bytes the manifest's sha256 covers.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, request

from voting import clock
from voting.contests.access import public_contest
from voting.contests.models import Contest
from voting.errors import ApiError
from voting.ledger import export, publish
from voting.media.storage import MissingFile, storage

bp = Blueprint("ledger_export", __name__, url_prefix="/api/v1/contests/<slug>/ledger/export")

FILE_NAME = re.compile(rf"{export.AMENDMENTS_FILE.pattern}|{export.BATCH_FILE.pattern}")
IMMUTABLE = "public, max-age=31536000, immutable"
CHANGING = "public, max-age=60"


def _no_file() -> ApiError:
    return ApiError("not_found", "The ledger's export has no such file.", 404)


def _manifest(slug: str) -> tuple[Contest, export.Manifest]:
    now = clock.now()
    contest = public_contest(slug, now)
    if not publish.leaves_public(contest, now):
        raise ApiError("not_published", "The ledger's export is served once the results are published: "
                                        "its leaves are the count.", 404)
    found = export.read_manifest(contest.id)
    if found is None:
        raise ApiError("not_found", "The ledger's export is not written yet; try again in a few minutes.", 404)
    return contest, found


def _not_modified(etag: str, cache: str) -> Response | None:
    # Weak comparison (RFC 9110): a proxy that compresses the manifest on the way marks its ETag weak.
    if not request.if_none_match.contains_weak(etag):
        return None
    response = Response(status=304)
    response.set_etag(etag)
    response.headers["Cache-Control"] = cache
    return response


@bp.get("")
def manifest(slug: str):
    _contest, found = _manifest(slug)
    response = _not_modified(found.etag, CHANGING)
    if response is None:
        response = Response(found.body, mimetype=export.JSON_TYPE)
        response.set_etag(found.etag)
        response.headers["Cache-Control"] = CHANGING
    return response


@bp.get("/<name>")
def file(slug: str, name: str):
    # The name first, strictly: nothing but the export's own file names reaches the store.
    if not FILE_NAME.fullmatch(name):
        raise _no_file()
    contest, found = _manifest(slug)
    served = export.served_file(contest.id, name, found)
    if served is None:
        raise _no_file()
    cache = IMMUTABLE if served.immutable else CHANGING
    response = _not_modified(served.etag, cache)
    if response is not None:
        return response
    try:
        stored = storage().open(served.key)
    except MissingFile:
        raise _no_file() from None
    response = Response(stored.chunks(), mimetype=export.GZIP_TYPE, direct_passthrough=True)
    response.content_length = stored.length
    response.set_etag(served.etag)
    response.headers["Cache-Control"] = cache
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
