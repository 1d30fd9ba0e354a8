from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voting.contests.domain.phases import Window
from voting.extensions import db
from voting.types import UTCDateTime, utcnow

ENTRY_STATUSES = ("pending", "approved", "rejected")


class Contest(db.Model):
    __tablename__ = "contests"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    # The voting, judging and awards sections of the SPEC, as validated.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    submission_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submission_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    voting_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    voting_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    judging_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    judging_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    categories: Mapped[list[Category]] = relationship(
        back_populates="contest", order_by="Category.position", cascade="all, delete-orphan", lazy="selectin")

    def windows(self) -> dict[str, Window | None]:
        result: dict[str, Window | None] = {}
        for name in ("submission", "voting", "judging"):
            opens, closes = getattr(self, f"{name}_opens_at"), getattr(self, f"{name}_closes_at")
            result[name] = Window(opens, closes) if opens and closes else None
        return result

    def lock(self) -> None:
        """Serialise changes of this contest until the transaction ends: a row
        lock on PostgreSQL (SQLite has one writer at a time anyway)."""
        db.session.execute(select(Contest.id).where(Contest.id == self.id).with_for_update())

    def category(self, slug: str) -> Category | None:
        return next((c for c in self.categories if c.slug == slug), None)


class Category(db.Model):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("contest_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    contest: Mapped[Contest] = relationship(back_populates="categories")


class Entry(db.Model):
    __tablename__ = "entries"
    __table_args__ = (Index("ix_entries_contest_category_status", "contest_id", "category_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    team: Mapped[str] = mapped_column(String(300), default="")
    organisation: Mapped[str] = mapped_column(String(300), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    image_path: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    category: Mapped[Category] = relationship(lazy="joined")
