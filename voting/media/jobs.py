"""The image job: what an upload leaves for later.

It takes the photo's id and the display key it was queued for, and:
1. skips a photo that is gone, was replaced since (another job is queued for
   the new one) or is already done, so running it twice changes nothing;
2. makes the medium size and the thumbnail from the stored display size and
   computes the perceptual hash;
3. stores the new files (deleted again if its transaction fails);
4. under a lock on the contest's photos, flags near-duplicates on both sides
   and marks the photo `ready`.
A photo whose display file cannot be decoded is marked `failed`, with why.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from voting.extensions import db
from voting.media import keys, transaction
from voting.media.domain import encode, similarity
from voting.media.domain.tuning import OUTPUT_CONTENT_TYPE
from voting.media.models import EntryPhoto
from voting.media.storage import MissingFile, storage


def job_id(photo_id: int, display_key: str) -> str:
    """One job per photo and display file: a replaced photo gets a job of its own."""
    return f"media-photo-{photo_id}-{hashlib.sha256(display_key.encode()).hexdigest()[:12]}"


def process_photo(photo_id: int, display_key: str) -> str:
    photo = db.session.get(EntryPhoto, photo_id)
    if photo is None or photo.display_key != display_key:
        return "stale"
    if photo.state == "ready":
        return "ready"
    store = storage()
    try:
        display = encode.decode_own(store.get(display_key))
    except (MissingFile, OSError, ValueError) as exc:
        photo.state, photo.failure = "failed", f"the display file could not be read: {exc}"[:300]
        db.session.commit()
        return "failed"
    phash = similarity.perceptual_hash(display)
    sizes = encode.web_sizes(display, (photo.width, photo.height))
    made = _store(photo, sizes, store)
    if not _lock_and_flag(photo, phash, display_key):
        db.session.rollback()  # replaced while we worked: the new photo's own job takes over
        return "stale"
    photo.medium_key, photo.thumbnail_key = made["medium"], made["thumbnail"]
    photo.phash, photo.state, photo.failure = phash, "ready", None
    db.session.commit()
    return "ready"


def _store(photo: EntryPhoto, sizes: dict[str, encode.Encoded], store) -> dict[str, str]:
    kept = photo.stored_keys()  # a key the row already names must survive a failed retry
    made = {}
    for variant, encoded in sizes.items():
        key = keys.key_for(photo.contest_id, photo.entry_id, variant, encoded.data)
        made[variant] = key
        if key not in kept:
            transaction.on_rollback(db.session(), lambda key=key: store.delete(key))
        store.put(key, encoded.data, OUTPUT_CONTENT_TYPE)
    return made


def _lock_and_flag(photo: EntryPhoto, phash: str, display_key: str) -> bool:
    """Every photo of the contest is locked in id order (this one included),
    so two jobs of one contest run their comparisons one after the other and
    each sees the other's hash; the order rules out a deadlock. False if the
    photo was replaced (or removed) before the lock."""
    photos = db.session.scalars(select(EntryPhoto).where(EntryPhoto.contest_id == photo.contest_id)
                                .order_by(EntryPhoto.id).with_for_update()
                                .execution_options(populate_existing=True)).all()
    if photo not in photos or photo.display_key != display_key:
        return False
    others = [p for p in photos if p.id != photo.id]
    matches = similarity.near_duplicates(phash, {p.entry_id: p.phash for p in others if p.phash})
    photo.near_duplicates = matches
    distances = {m["entry_id"]: m["distance"] for m in matches}
    for other in others:
        listed = [d for d in other.near_duplicates or [] if d["entry_id"] != photo.entry_id]
        if other.entry_id in distances:
            listed.append({"entry_id": photo.entry_id, "distance": distances[other.entry_id]})
            listed.sort(key=lambda d: (d["distance"], d["entry_id"]))
        if listed != (other.near_duplicates or []):
            other.near_duplicates = listed
    return True
