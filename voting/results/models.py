"""Result snapshots: what a tally found, frozen.

A snapshot's `body` and `sha256` are written once and never change: the body
is every number that went into the result and came out of it, and the hash
is of its canonical JSON (voting/results/domain/snapshot.py), so anyone given
the body can check the hash and two tallies of the same data agree. What can
change is only whether, and from when, it is public: `publish_at` (an
announcement booked for later) and `published_at` (set once, never cleared).
A correction of a published result is a new snapshot whose `corrects_id`
names the one it replaces, with its `correction_reason`; both stay public.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from voting.extensions import db
from voting.types import UTCDateTime, utcnow


class ResultSnapshot(db.Model):
    __tablename__ = "result_snapshots"
    __table_args__ = (UniqueConstraint("contest_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]  # 1, 2, … per contest: the order of the tallies
    sha256: Mapped[str] = mapped_column(String(64))
    body: Mapped[Any] = mapped_column(JSON)
    # A preview counts while voting is still open, for the organisers' eyes: it can never be published.
    preview: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("result_snapshots.id", ondelete="SET NULL"))
    correction_reason: Mapped[str | None] = mapped_column(Text)
