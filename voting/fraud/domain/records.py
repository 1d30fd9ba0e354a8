"""What the fraud rules see of a ballot, and what they report. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class BallotRecord:
    id: int
    category_id: int
    # The entries the ballot supports: the choice (single), the choices
    # (approval), the first preference (ranked), entries given stars (score).
    entries: tuple[int, ...]
    voter_id: int
    voter_created_at: datetime
    voter_email_domain: str
    voter_country: str | None
    ip: str
    prefix: str
    device_id: str
    user_agent_hash: str
    cast_at: datetime
    status: str = "counted"
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """A cluster of ballots that one rule holds suspect. `key` identifies the
    cluster within its rule, stably, so a later sweep that finds it again (with
    more ballots) extends it instead of adding another."""

    rule: str
    key: str
    ballot_ids: frozenset[int]
    evidence: dict[str, Any] = field(default_factory=dict)
