"""What the fraud rules see of a ballot, and what they report. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Flags the intake records on a ballot that the rules read (docs/fraud.md):
#   no_page     no ballot page of this server vouched for the ballot (no good
#               render-time token): an API client, or a script that never
#               rendered the page;
#   no_script   a page was rendered but its script never ran (the ballot did
#               not carry what the page's script adds);
#   no_input    the script ran but no person's input (pointer, touch, key,
#               click) reached the page before the ballot left;
#   automated   the client declares automation (a HeadlessChrome or HTTP
#               library user agent, or the page's script saw navigator.webdriver);
#   no_device   no device cookie; honeypot / too_fast: the intake's own holds.
CLIENT_FLAGS = ("no_page", "no_script", "no_input", "automated")


@dataclass(frozen=True, slots=True)
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
    # Seconds between the ballot page's render and the ballot, when a page
    # vouched for it (None otherwise): how long a person looked before choosing.
    page_seconds: float | None = None


@dataclass(frozen=True)
class Finding:
    """A signal: a cluster of ballots that one rule holds suspect, with how
    strongly (0-1; what a rule's strength means: docs/fraud.md). `key`
    identifies the cluster within its rule, stably, so a later sweep that finds
    it again (with more ballots) extends it instead of adding another. Whether
    its ballots are held or only flagged is decided by combining every rule's
    findings (evidence.combine), not by any one rule."""

    rule: str
    key: str
    ballot_ids: frozenset[int]
    evidence: dict[str, Any] = field(default_factory=dict)
    strength: float = 1.0


@dataclass(frozen=True)
class VoteFacts:
    """What the rules know of the contest's vote itself, as opposed to its
    ballots: when voting opened (None: not known), and whether a voter must
    have confirmed their mail address before a ballot counts. The service
    reads them from the contest (`services.facts_of`); pure code takes them
    as an argument, as it takes `now`."""

    opens: datetime | None = None
    # True is the SPEC's default (`voting.require_verified_email`).
    verified_email: bool = True
