from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voting.extensions import db
from voting.types import UTCDateTime, utcnow

CLUSTER_STATUSES = ("open", "counted", "invalidated", "mixed")


class FraudCluster(db.Model):
    """Ballots one rule found together, with the evidence. A sweep that finds
    the same cluster again (same rule and key) adds to it."""

    __tablename__ = "fraud_clusters"
    __table_args__ = (UniqueConstraint("contest_id", "rule", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(200))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="open")
    found_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FraudClusterBallot(db.Model):
    __tablename__ = "fraud_cluster_ballots"

    cluster_id: Mapped[int] = mapped_column(ForeignKey("fraud_clusters.id", ondelete="CASCADE"), primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
