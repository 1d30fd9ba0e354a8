from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column

from voting.extensions import db
from voting.types import UTCDateTime, utcnow

CLUSTER_STATUSES = ("open", "counted", "invalidated", "mixed")
VERDICT_ACTIONS = ("hold", "flag")


class FraudCluster(db.Model):
    """Ballots one rule found together, with the evidence and how strongly the
    rule holds them suspect (0-1, the latest sweep's). A sweep that finds the
    same cluster again (same rule and key) adds to it."""

    __tablename__ = "fraud_clusters"
    __table_args__ = (UniqueConstraint("contest_id", "rule", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(200))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="open")
    strength: Mapped[float] = mapped_column(default=1.0, server_default=text("1"))
    found_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FraudClusterBallot(db.Model):
    __tablename__ = "fraud_cluster_ballots"

    cluster_id: Mapped[int] = mapped_column(ForeignKey("fraud_clusters.id", ondelete="CASCADE"), primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)


class FraudVerdict(db.Model):
    """The combined evidence against one ballot, as the sweeps judged it
    (voting/fraud/domain/evidence.py): `hold` (the ballot was put under
    review, unless an organiser had decided on it already) or `flag` (it stays
    counted, in the review queue). Upserted by every sweep that judges the
    ballot; a hold never turns back into a flag by itself. Whether an
    organiser has decided is the ballot's own `decided_at`."""

    __tablename__ = "fraud_verdicts"
    __table_args__ = (Index("ix_fraud_verdicts_contest_action", "contest_id", "action"),)

    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(10))
    score: Mapped[float]
    rules: Mapped[list[str]] = mapped_column(JSON)       # the rules that found it, strongest first
    reason: Mapped[str] = mapped_column(String(40))      # the rule named as the reason
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FraudSweep(db.Model):
    """One sweep that ran to the end (a failed sweep leaves no row). `final`:
    the sweep at the close, which judged every account (nothing waits to
    settle); a final tally needs one. `held` and `flagged` count the ballots
    this sweep newly put under review and newly flagged; `high_water_ballot_id`
    is the newest ballot it saw. `incremental`: it judged only what the
    ballots since the last sweep can change (voting/fraud/increments.py).
    `state`: what the next incremental sweep starts from: `cut` (a stamp:
    the ballots before it are counted), `totals` (the contest's voters,
    page-less voters and first user agents then), `settings` (a hash of the
    contest's fraud settings); only the contest's latest sweep keeps it."""

    __tablename__ = "fraud_sweeps"
    __table_args__ = (Index("ix_fraud_sweeps_contest_final", "contest_id", "final"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    final: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    high_water_ballot_id: Mapped[int | None]
    held: Mapped[int] = mapped_column(default=0)
    flagged: Mapped[int] = mapped_column(default=0)
    incremental: Mapped[bool] = mapped_column(default=False, server_default=false())
    state: Mapped[dict[str, Any] | None] = mapped_column(JSON)
