"""Answering a /media/ request for a stored file the service chose.

A key names its content, so the file under it never changes: the URL is
cached as immutable and its ETag is the name (a revalidation is answered 304
without touching the store). Public photos (an approved entry of a visible
contest) may be kept by shared caches for a day, so a photo withdrawn by
moderation later leaves them within a day; what only organisers and the
entrant may see is `private`."""

from __future__ import annotations

from flask import Response, abort, request

from voting.media.photos import Served
from voting.media.storage import MissingFile, storage

PUBLIC_CACHE = "public, max-age=86400, immutable"
PRIVATE_CACHE = "private, max-age=3600, immutable"


def respond(served: Served | None) -> Response:
    if served is None:
        abort(404)
    if request.if_none_match.contains(served.etag):
        response = Response(status=304)
    else:
        try:
            stored = storage().open(served.key)
        except MissingFile:
            abort(404)
        response = Response(stored.chunks(), mimetype=served.content_type, direct_passthrough=True)
        response.content_length = stored.length
    response.set_etag(served.etag)
    response.headers["Cache-Control"] = PUBLIC_CACHE if served.public else PRIVATE_CACHE
    return response
