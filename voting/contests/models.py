from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voting.contests.domain.phases import Window
from voting.extensions import db
from voting.media.models import EntryPhoto
from voting.submissions.domain import flow
from voting.types import UTCDateTime, utcnow

# An entry's life (draft, pending, changes_requested, approved, rejected, withdrawn): voting/submissions/domain/flow.py.
ENTRY_STATUSES = flow.STATUSES


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

    def submission_rules(self) -> dict[str, Any]:
        """The SPEC's `submissions` section; contests stored before it existed get its defaults."""
        from voting.contests.domain.spec import SubmissionsSpec  # pure; here to keep models free of the SPEC

        return {**SubmissionsSpec().model_dump(mode="json"), **(self.settings.get("submissions") or {})}

    def lock(self) -> None:
        """Serialise changes of this contest until the transaction ends: a row
        lock on PostgreSQL (SQLite has one writer at a time anyway)."""
        db.session.execute(select(Contest.id).where(Contest.id == self.id).with_for_update())
        if db.session.get_bind().dialect.name == "sqlite":
            # SQLite has no FOR UPDATE, and pysqlite runs a SELECT outside any
            # transaction: a no-op UPDATE takes the database's write lock now, so
            # a second writer waits here and then reads what the first wrote.
            db.session.execute(text("UPDATE contests SET id = id WHERE id = :id"), {"id": self.id})

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
    __table_args__ = (Index("ix_entries_contest_category_status", "contest_id", "category_id", "status"),
                      # A participant's entries in a contest: the per-person limit and "my entries".
                      Index("ix_entries_contest_submitter", "contest_id", "submitted_by_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    team: Mapped[str] = mapped_column(String(300), default="")
    # The hackathon team the entry belongs to (voting.submissions.teams); a dissolved team leaves it NULL.
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    organisation: Mapped[str] = mapped_column(String(300), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    # Where a photo was before voting/media (migration 0008 moved them all to `photo`): kept, neither
    # written nor read, so the previous release runs on this schema during an upgrade; a later one drops it.
    image_path: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The submission flow's (voting.submissions): the entry's links (http(s) addresses shown with it), when
    # it was last handed in (None for a draft: eligibility asks whether that was within the phase), when it
    # last changed, and the moderator's latest reason (mailed to the entrant, shown on their page).
    links: Mapped[list[str]] = mapped_column(JSON, default=list)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    moderation_reason: Mapped[str] = mapped_column(Text, default="")

    category: Mapped[Category] = relationship(lazy="joined")
    # The photo of a photo contest's entry (voting/media). Loaded with the entries in one more query, since
    # every ENTRY says whether it has an image.
    photo: Mapped[EntryPhoto | None] = relationship(lazy="selectin", cascade="all, delete-orphan",
                                                    passive_deletes=True)

    @property
    def image_width(self) -> int | None:
        """The photo's upright size (the kept original's), for eligibility's resolution check."""
        return self.photo.width if self.photo else None

    @property
    def image_height(self) -> int | None:
        return self.photo.height if self.photo else None
