from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
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
    # UTC to the second: the header hashes it, and it must read back as hashed from every database.
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Format 2 (docs/ledger.md): the ballot rules the batch's selections answer to (a LedgerRules
    # row's hash), and the contest's audit-log head when the batch was sealed (0 and the audit
    # genesis before the first entry). The header over these and the fields above is what `chain` hashes.
    rules_hash: Mapped[str] = mapped_column(String(64))
    audit_seq: Mapped[int]
    audit_head: Mapped[str] = mapped_column(String(64))
    # Every level of the batch's Merkle tree, leaf hashes first and the root last, 32 bytes a node
    # (merkle.levels): a receipt's audit path is read from it, not recomputed from the leaves.
    # Deferred: about 640 kB at 10,000 leaves, and only a proof needs it (32-byte slices read in SQL).
    tree: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)


class LedgerRules(db.Model):
    """The ballot rules of a contest as some batch was sealed under them: the
    method, its limits, the categories and the entries a ballot may name
    (encoding.rules). Stored as the canonical JSON text that was hashed."""

    __tablename__ = "ledger_rules"
    __table_args__ = (UniqueConstraint("contest_id", "hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    hash: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)


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
