"""Judging records: a contest's judges, its rounds, who judges what, the
score sheets with every change to them, and conflicts of interest."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voting.extensions import db
from voting.types import UTCDateTime, utcnow

SHEET_STATUSES = ("draft", "submitted")
CONFLICT_SOURCES = ("declared", "organiser", "detected")


class Judge(db.Model):
    """An account judging one contest (its role is a `judge` UserRole of the
    contest; this row holds what judging needs besides)."""

    __tablename__ = "judges"
    __table_args__ = (UniqueConstraint("contest_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    # Category slugs the judge is restricted to; empty: every category.
    expertise: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Round(db.Model):
    """A round of judging with its own rubric and judges per entry; round 1
    comes from the contest's SPEC when assignments are first made."""

    __tablename__ = "judging_rounds"
    __table_args__ = (UniqueConstraint("contest_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    number: Mapped[int]
    mode: Mapped[str] = mapped_column(String(20))
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    judges_per_entry: Mapped[int]
    seed: Mapped[int]  # the assignment's generator is seeded with it, so the plan can be redone
    # Whether the round judges a shortlist (its RoundEntry rows) rather than every approved entry.
    shortlisted: Mapped[bool] = mapped_column(Boolean, default=False)
    # The judges of this round (user ids); None: every active judge of the contest.
    judge_ids: Mapped[list[int] | None] = mapped_column(JSON)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RoundEntry(db.Model):
    """An entry of a shortlisted round (rounds after the first, or a first
    round narrowed to the public vote's champions). A round without rows
    judges every approved entry of the contest."""

    __tablename__ = "judging_round_entries"

    round_id: Mapped[int] = mapped_column(ForeignKey("judging_rounds.id", ondelete="CASCADE"), primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True)


class Assignment(db.Model):
    __tablename__ = "judging_assignments"
    __table_args__ = (UniqueConstraint("round_id", "judge_id", "entry_id"),
                      Index("ix_judging_assignments_judge", "judge_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("judging_rounds.id", ondelete="CASCADE"))
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    # A sheet goes with its assignment (only when the judge now conflicts with the entry); its SheetChange rows
    # stay, detached from it (`assignments.void_sheet`).
    sheet: Mapped[ScoreSheet | None] = relationship(back_populates="assignment", uselist=False,
                                                    cascade="all, delete-orphan", passive_deletes=True)


class ScoreSheet(db.Model):
    """A judge's scores of one assigned entry: a draft until submitted; a
    submitted sheet changes only after an organiser reopens it."""

    __tablename__ = "judging_sheets"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("judging_assignments.id", ondelete="CASCADE"),
                                               unique=True)
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    comment: Mapped[str] = mapped_column(Text, default="")
    comment_to_entrant: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    assignment: Mapped[Assignment] = relationship(back_populates="sheet")

    def snapshot(self) -> dict[str, Any]:
        """What a SheetChange keeps of the sheet, before or after a change."""
        return {"scores": dict(self.scores or {}), "comment": self.comment,
                "comment_to_entrant": self.comment_to_entrant, "status": self.status}


class SheetChange(db.Model):
    """Every change to a sheet: who, when, what it was and what it became.

    The history outlives the sheet: when a started sheet is voided (its judge
    now conflicts with the entry) a last `voided` change records what it held,
    and every row keeps its round, judge and entry while `sheet_id` is emptied
    (by the database too, should a sheet be deleted another way)."""

    __tablename__ = "judging_sheet_changes"
    __table_args__ = (Index("ix_judging_sheet_changes_round_judge_entry", "round_id", "judge_id", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int | None] = mapped_column(ForeignKey("judging_sheets.id", ondelete="SET NULL"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("judging_rounds.id", ondelete="CASCADE"))
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(20))  # saved | submitted | reopened | voided
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Conflict(db.Model):
    __tablename__ = "judging_conflicts"
    __table_args__ = (UniqueConstraint("contest_id", "judge_id", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PairwiseJudgement(db.Model):
    """One comparison in pairwise mode: the judge saw `loser_id` and `winner_id`
    one after the other and preferred `winner_id`. The model's state is
    rebuilt from these rows (judging.domain.pairwise.replay), so they are the record."""

    __tablename__ = "judging_pairwise"
    __table_args__ = (Index("ix_judging_pairwise_round_judge", "round_id", "judge_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("judging_rounds.id", ondelete="CASCADE"))
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    winner_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    loser_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PairwiseVisit(db.Model):
    """Which entry a judge has in front of them, and what they have seen, in
    pairwise mode: the next entry is chosen against this."""

    __tablename__ = "judging_pairwise_visits"
    __table_args__ = (UniqueConstraint("round_id", "judge_id", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("judging_rounds.id", ondelete="CASCADE"))
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    # Whether this entry is in front of the judge now: the pair, at most two per judge and round; the
    # later visit is the current entry.
    current: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
