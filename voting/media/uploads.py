"""The photo part of a multipart request: the file `image` and the form
field `alt_text`, read by the API and the pages alike."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import FileStorage, MultiDict

from voting.media.photos import Upload


def form_upload(files: MultiDict[str, FileStorage], data: dict[str, Any]) -> Upload | None:
    """The upload as a stream (read later, at most the contest's limit), with
    its alt text taken out of `data`. A file field left empty by a browser
    (no name, no bytes) is no upload."""
    alt_text = data.pop("alt_text", None)
    file = files.get("image")
    if file is None or (not file.filename and _empty(file)):
        return None
    return Upload(file.stream, alt_text if isinstance(alt_text, str) else None, file.mimetype, file.filename)


def _empty(file: FileStorage) -> bool:
    stream = file.stream
    position = stream.tell()
    empty = not stream.read(1)
    stream.seek(position)
    return empty
