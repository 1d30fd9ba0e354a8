from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column

from voting.extensions import db
from voting.types import UTCDateTime, utcnow

STATUSES = ("counted", "under_review", "invalidated")


class Ballot(db.Model):
    """One voter's ballot in one category. The unique constraint is the final
    word on duplicates; Redis only answers the common case early."""

    __tablename__ = "ballots"
    __table_args__ = (
        UniqueConstraint("contest_id", "category_id", "voter_id"),
        Index("ix_ballots_contest_status", "contest_id", "status"),
        Index("ix_ballots_contest_cast_at", "contest_id", "cast_at"),
        # The ballots the ledger has yet to seal, found without reading the sealed millions.
        Index("ix_ballots_unsealed", "contest_id", "id", postgresql_where=text("NOT sealed"),
              sqlite_where=text("NOT sealed")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    voter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # SHA-256 of the receipt code: the code itself is only ever with the voter.
    receipt_hash: Mapped[str] = mapped_column(String(64), unique=True)
    method: Mapped[str] = mapped_column(String(20))
    selection: Mapped[Any] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    client_ip: Mapped[str] = mapped_column(String(45))
    ip_prefix: Mapped[str] = mapped_column(String(49))
    user_agent_hash: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[str] = mapped_column(String(64), default="")
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Why the status is what it is: the rule or check that held the ballot, and
    # it stays once a review decides, so invalidations can be reported by rule.
    status_reason: Mapped[str | None] = mapped_column(String(60))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The hash of the audit-log entry of the latest review decision on the ballot: an invalidated
    # ballot's leaf names it (docs/ledger.md), so that anyone can see which decision took it out.
    decision_audit_hash: Mapped[str | None] = mapped_column(String(64))
    # Milliseconds from the ballot page's render (its render-time token: signed,
    # unexpired, first use) to the ballot; None when no page vouched for it.
    page_ms: Mapped[int | None] = mapped_column()
    sealed: Mapped[bool] = mapped_column(default=False, server_default=false())
