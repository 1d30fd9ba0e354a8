"""An entry's photo: where its sizes are stored, what it is, and what the
image job found (near-duplicates among the contest's photos)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from voting.extensions import db
from voting.types import UTCDateTime, utcnow

PHOTO_STATES = ("processing", "ready", "failed")
VARIANTS = ("original", "display", "medium", "thumbnail")


class EntryPhoto(db.Model):
    """One photo per entry. The display size and the kept original exist from
    the upload on (`processing`); the job adds the medium size and the
    thumbnail, the perceptual hash and the near-duplicates (`ready`), or
    records why it could not (`failed`). Keys name the file's content (its
    SHA-256), so a stored file never changes under its key."""

    __tablename__ = "entry_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), unique=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    original_key: Mapped[str] = mapped_column(String(300))
    display_key: Mapped[str] = mapped_column(String(300))
    medium_key: Mapped[str | None] = mapped_column(String(300))
    thumbnail_key: Mapped[str | None] = mapped_column(String(300))
    # The kept original's size, upright (an EXIF orientation of 5-8 swaps the header's sides).
    width: Mapped[int]
    height: Mapped[int]
    upload_bytes: Mapped[int]
    source_format: Mapped[str] = mapped_column(String(10))  # JPEG | PNG | WEBP, from the content
    alt_text: Mapped[str] = mapped_column(Text, default="")
    phash: Mapped[str | None] = mapped_column(String(16))
    # [{"entry_id", "distance"}], closest first: other photos of the contest this one nearly duplicates.
    near_duplicates: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(20), default="processing")
    failure: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    def key(self, variant: str) -> str | None:
        return getattr(self, f"{variant}_key")

    def stored_keys(self) -> set[str]:
        return {k for k in (self.key(v) for v in VARIANTS) if k}
