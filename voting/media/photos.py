"""Photo uploads for entries, inside the caller's transaction.

1. `upload_problems`: whether the contest takes a photo, and its alt text,
   checked with the entry's other fields (all problems at once).
2. `prepare`: read at most max_bytes + 1 bytes of the stream (413 beyond);
   inspect the header and structure (422 on `image`: not an image, cut short,
   too many pixels, polyglot); only then decode, and re-encode the kept
   original and the display size. Nothing is stored yet, and nothing is
   locked: callers prepare before they take the contest's lock, since this
   is the slow part (a second for a large photo).
3. `attach`: store both files and write the photo's row. The files are
   deleted again if the transaction ends without a commit; after the commit
   the image job is queued (jobs.py: medium size, thumbnail, hash,
   near-duplicates) and the files of a replaced photo are deleted.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

from sqlalchemy import select

from voting.errors import ApiError, validation_error
from voting.extensions import db
from voting.i18n.domain import N_, msg
from voting.media import keys, transaction
from voting.media.domain import checks, encode
from voting.media.domain.encode import Encoded
from voting.media.domain.formats import Layout
from voting.media.domain.refusal import Refused
from voting.media.domain.tuning import DISPLAY_SIDE, MEDIUM_SIDE, OUTPUT_CONTENT_TYPE, THUMBNAIL_SIDE
from voting.media.models import EntryPhoto
from voting.media.storage import storage
from voting.queues import enqueue_once

ALT_TEXT_LIMIT = 1000
READ_CHUNK = 1024 * 1024
JOB_TIMEOUT = 120  # seconds: a display-size decode and two small encodes take well under one
SIDES = {"display": DISPLAY_SIDE, "medium": MEDIUM_SIDE, "thumbnail": THUMBNAIL_SIDE}


@dataclass
class Upload:
    """A photo as it arrives: its stream (read here, at most the contest's
    limit), the alt text that comes with it, and what the client called it."""

    stream: BinaryIO
    alt_text: str | None = None
    content_type: str | None = None
    filename: str | None = None

    @classmethod
    def of(cls, data: bytes, alt_text: str | None = None, content_type: str | None = None) -> "Upload":
        return cls(io.BytesIO(data), alt_text, content_type)


@dataclass(frozen=True)
class Prepared:
    layout: Layout
    upload_bytes: int
    original: Encoded
    display: Encoded
    alt_text: str


def upload_problems(kind: str, upload: Upload | Prepared | None) -> dict[str, str]:
    if upload is None:
        return {"image": N_("a photo contest entry needs an image file")} if kind == "photo" else {}
    if kind != "photo":
        return {"image": N_("only photo contests take images")}
    alt = upload.alt_text
    if not isinstance(alt, str) or not alt.strip():
        return {"alt_text": N_("is required: describe the photo for people who cannot see it")}
    if len(alt) > ALT_TEXT_LIMIT:
        return {"alt_text": msg("must be at most %(num)d characters", num=ALT_TEXT_LIMIT)}
    return {}


def prepare(rules: Mapping[str, Any], upload: Upload) -> Prepared:
    max_bytes = rules["max_bytes"]
    data = _read(upload.stream, max_bytes)
    try:
        layout = checks.inspect(data, max_bytes, rules["max_megapixels"] * 1_000_000, upload.content_type)
        original, display = encode.original_and_display(data, layout)
    except Refused as refusal:
        raise _answer(refusal) from None
    return Prepared(layout, len(data), original, display, (upload.alt_text or "").strip())


def _read(stream: BinaryIO, limit: int) -> bytes:
    """At most limit + 1 bytes: one more than allowed is enough to refuse."""
    parts, total = [], 0
    while total <= limit:
        part = stream.read(min(READ_CHUNK, limit + 1 - total))
        if not part:
            break
        parts.append(part)
        total += len(part)
    return b"".join(parts)


def _answer(refusal: Refused) -> ApiError:
    if refusal.too_large:
        return ApiError("payload_too_large", "The photo is larger than this contest accepts.", 413,
                        {"image": refusal.message})
    return validation_error({"image": refusal.message})


def attach(entry, prepared: Prepared) -> EntryPhoto:
    """The entry's photo (new, or replacing the one it had), its files stored."""
    store, session = storage(), db.session()
    photo = entry.photo
    replaced = photo.stored_keys() if photo is not None else set()
    stored = {}
    for variant, encoded in (("original", prepared.original), ("display", prepared.display)):
        key = keys.key_for(entry.contest_id, entry.id, variant, encoded.data)
        stored[variant] = key
        if key not in replaced:  # the same picture again: its file is the committed row's, and stays
            transaction.on_rollback(session, lambda key=key: store.delete(key))
        store.put(key, encoded.data, OUTPUT_CONTENT_TYPE)
    if photo is None:
        photo = EntryPhoto(entry_id=entry.id, contest_id=entry.contest_id)
        entry.photo = photo
    for name, value in dict(original_key=stored["original"], display_key=stored["display"], medium_key=None,
                            thumbnail_key=None, width=prepared.original.width, height=prepared.original.height,
                            upload_bytes=prepared.upload_bytes, source_format=prepared.layout.format,
                            alt_text=prepared.alt_text, phash=None, near_duplicates=[], state="processing",
                            failure=None).items():
        setattr(photo, name, value)
    session.flush()
    gone = replaced - set(stored.values())
    transaction.on_commit(session, lambda: [store.delete(key) for key in sorted(gone)])
    transaction.on_commit(session, lambda: queue_job(photo.id, stored["display"], entry.contest_id))
    return photo


def queue_job(photo_id: int, display_key: str, contest_id: int):
    from voting.media import jobs  # jobs imports this module's neighbours, not this module

    return enqueue_once("default", jobs.process_photo, jobs.job_id(photo_id, display_key), photo_id, display_key,
                        timeout=JOB_TIMEOUT, contest_id=contest_id)


def forget(photo: EntryPhoto) -> None:
    """Delete the photo's files once the transaction that deletes its row commits."""
    gone = photo.stored_keys()
    store = storage()
    transaction.on_commit(db.session(), lambda: [store.delete(key) for key in sorted(gone)])


# --- what pages and the API show -----------------------------------------------------------------------------

def size_of(photo: EntryPhoto, variant: str) -> tuple[int, int]:
    """A stored size's pixels, from the original's: each size is the original fitted to its side
    (a photo from before this pipeline has its display file as its original)."""
    if variant == "original" or photo.key(variant) == photo.original_key:
        return photo.width, photo.height
    return encode.fit(photo.width, photo.height, SIDES[variant])


def url(photo: EntryPhoto, variant: str) -> str | None:
    key = photo.key(variant)
    return keys.url_for(photo.entry_id, key) if key else None


def entry_fields(photo: EntryPhoto | None) -> dict[str, str]:
    """The ENTRY's image keys: `image_url` (display size), `alt_text`, and
    `thumbnail_url` once the job has made it."""
    if photo is None:
        return {}
    body = {"image_url": url(photo, "display"), "alt_text": photo.alt_text}
    if photo.thumbnail_key:
        body["thumbnail_url"] = url(photo, "thumbnail")
    return body


def srcset(photo: EntryPhoto) -> str:
    """`url widthw` for each web size made so far, narrowest first, each width once."""
    widths: dict[int, str] = {}
    for variant in ("display", "medium", "thumbnail"):
        if photo.key(variant):
            widths.setdefault(size_of(photo, variant)[0], url(photo, variant))
    return ", ".join(f"{link} {width}w" for width, link in sorted(widths.items()))


@dataclass(frozen=True)
class Served:
    key: str
    etag: str
    public: bool
    content_type: str = OUTPUT_CONTENT_TYPE


def served(photo: EntryPhoto | None, name: str, public: bool, may_see_original: bool) -> Served | None:
    """The stored file a /media/ URL names, if it is one of the photo's sizes
    that the asker may see; None otherwise (the route answers 404)."""
    if photo is None:
        return None
    for variant in ("display", "medium", "thumbnail", "original"):  # an old photo's display is its original
        key = photo.key(variant)
        if key and keys.name_of(key) == name:
            if variant == "original" and key != photo.display_key and not may_see_original:
                return None
            return Served(key, keys.etag_of(key), public and variant != "original")
    return None


def contest_photos(contest_id: int) -> list[dict[str, Any]]:
    """Organisers' view of a contest's photos: sizes, state, near-duplicates."""
    found = db.session.scalars(select(EntryPhoto).where(EntryPhoto.contest_id == contest_id)
                               .order_by(EntryPhoto.entry_id))
    return [{"entry_id": p.entry_id, "state": p.state, "width": p.width, "height": p.height,
             "upload_bytes": p.upload_bytes, "source_format": p.source_format, "alt_text": p.alt_text,
             "image_url": url(p, "display"), "original_url": url(p, "original"), "thumbnail_url": url(p, "thumbnail"),
             "near_duplicates": list(p.near_duplicates or [])} for p in found]


def unfinished(contest_id: int | None = None) -> list[EntryPhoto]:
    query = select(EntryPhoto).where(EntryPhoto.state != "ready").order_by(EntryPhoto.id)
    if contest_id is not None:
        query = query.where(EntryPhoto.contest_id == contest_id)
    return list(db.session.scalars(query))


def orphan_keys() -> list[str]:
    """Stored files under `entries/` that no photo names (left by a crash between storing and committing)."""
    named = set()
    for photo in db.session.scalars(select(EntryPhoto)):
        named |= photo.stored_keys()
    return [key for key in storage().keys("entries/") if key not in named]
