"""Teams' rules that need no database: names, invitation tokens and their
lifetime, the rate limits of invitations. Pure."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from voting.i18n.domain import N_, msg
from datetime import datetime, timedelta

NAME_MAX = 100
# A week: long enough for a teammate who reads mail at the weekend, short enough that a forwarded or
# leaked link does not stay a way into the team for the whole submission phase.
INVITATION_LIFETIME = timedelta(days=7)
# Invitations send mail to addresses nobody has vouched for, so each account and each team sends only so
# many a day: a hackathon team has a handful of members (the WSIS hackathons: 1,100 participants in teams
# of 3 to 6), and a few mistyped addresses need resending. Counted only when a mail goes out.
INVITATIONS_PER_ACCOUNT = "20 per day"
INVITATIONS_PER_TEAM = "30 per day"
# Statuses of an entry that no longer counts towards the team's one entry per category.
NOT_COUNTED = ("withdrawn",)
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean_name(name: str) -> str:
    """The name as shown: runs of white space (new lines, tabs) become one space."""
    return " ".join(name.split())


def name_key(name: str) -> str:
    """What two names must not share within a contest: "Team  Rocket", "team rocket"
    and "ＴＥＡＭ ROCKET" (full-width letters) are one name."""
    return unicodedata.normalize("NFKC", clean_name(name)).casefold()


def name_problem(name: str) -> str | None:
    cleaned = clean_name(name)
    if not cleaned:
        return N_("must not be empty")
    if len(cleaned) > NAME_MAX:
        return msg("must be at most %(num)d characters", num=NAME_MAX)
    # Control characters, and the bidirectional overrides that make a name read as another one
    # (zero-width joiners stay: emoji sequences and Persian words need them).
    if any(unicodedata.category(ch) in ("Cc", "Co", "Cs") or ch in BIDI_CONTROLS for ch in cleaned):
        return N_("must not contain control characters")
    return None


def new_token() -> tuple[str, str]:
    """(the token for the mail, the hash to store). Only the hash is kept, so
    a copy of the database opens no team; 256 random bits make guessing pointless."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_problem(accepted_at: datetime | None, expires_at: datetime, now: datetime) -> str | None:
    """Why a stored invitation can no longer be accepted, or None."""
    if accepted_at is not None:
        return N_("the invitation has already been used")
    if now >= expires_at:
        return N_("the invitation has expired")
    return None
