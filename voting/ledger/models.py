from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voting.extensions import db
from voting.types import UTCDateTime, utcnow


class LedgerBatch(db.Model):
    """A sealed batch: a Merkle tree over its leaves, chained to the batch before."""

    __tablename__ = "ledger_batches"
    __table_args__ = (UniqueConstraint("contest_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    seq: Mapped[int]
    size: Mapped[int]
    root: Mapped[str] = mapped_column(String(64))
    prev_chain: Mapped[str] = mapped_column(String(64))
    chain: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LedgerLeaf(db.Model):
    """A ballot's leaf as sealed: its encoding never changes afterwards."""

    __tablename__ = "ledger_leaves"
    __table_args__ = (UniqueConstraint("batch_id", "position"),)

    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("ledger_batches.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    leaf: Mapped[str] = mapped_column(Text)


class LedgerAmendment(db.Model):
    """A status change of a sealed ballot, signed off by the organiser who
    decided it, chained like the batches so none can be dropped unseen."""

    __tablename__ = "ledger_amendments"
    __table_args__ = (UniqueConstraint("contest_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    seq: Mapped[int]
    receipt_hash: Mapped[str] = mapped_column(String(64))
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(500))
    signed_off_by: Mapped[str] = mapped_column(String(320))
    audit_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
