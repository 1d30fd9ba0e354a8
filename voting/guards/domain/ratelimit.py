"""Rate-limit rules of the intake. Pure: parsing limits and naming windows.

Each limit is a sliding-window counter: the current fixed window's count plus
the previous window's count weighted by how much of it still overlaps the
sliding window. Two small keys per limit and subject, accurate to a few per
cent, and checkable in one Lua call."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from voting.i18n.domain import msg

# What the intake limits ballots by: the client address, its network prefix
# (/24, /64), the account and the device cookie.
SCOPES = ("ip", "prefix", "account", "device")
# The scopes whose recent volume also raises the proof of work, and the
# SPEC's rate_limits field naming the volume above which it does.
HARDER_ABOVE = {"ip": "ip_harder_above", "prefix": "prefix_harder_above"}

UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
# Far longer than any limit written by hand ("1000000 / 99999 minutes" is 24),
# and checked before the pattern runs.
MAX_LENGTH = 100
# Linear by construction: the text is stripped first (no leading or trailing
# \s*), and no two \s* can take the same spaces, since the optional multiple
# must start with a digit and the unit with a letter (the old pattern's
# `/\s*(\d{0,5})\s*` could split a run of spaces n ways and backtracked over
# all of them). ASCII digits only: \d would also take "٣", which int() reads as 3.
PATTERN = re.compile(r"([0-9]{1,7})\s*/\s*(?:([0-9]{1,5})\s*)?(second|minute|hour|day)s?")


@dataclass(frozen=True)
class Limit:
    count: int
    window: int  # seconds


def parse(text: str) -> Limit:
    """'30/hour', '100/10 minutes', '5/second'."""
    if len(text) > MAX_LENGTH:
        raise ValueError(msg("%(text)s… is too long for a limit like %(example)s", text=repr(text[:MAX_LENGTH]),
                             example="'30/hour' or '100/10 minutes'"))
    match = PATTERN.fullmatch(text.strip())
    if not match:
        raise ValueError(msg("%(text)s is not a limit like %(example)s", text=repr(text),
                             example="'30/hour' or '100/10 minutes'"))
    count, multiple, unit = int(match.group(1)), int(match.group(2) or 1), match.group(3)
    if count < 1 or multiple < 1:
        raise ValueError(msg("%(text)s must allow at least one ballot in a window of at least one second",
                             text=repr(text)))
    return Limit(count, multiple * UNITS[unit])


def windows(limit: Limit, now_ms: int) -> tuple[int, int, float]:
    """(current window index, previous window index, weight of the previous window)."""
    index = now_ms // (limit.window * 1000)
    elapsed = (now_ms % (limit.window * 1000)) / (limit.window * 1000)
    return index, index - 1, 1.0 - elapsed


def weight_text(weight: float) -> str:
    """The previous window's weight as the gate's Lua receives it (and reads it back)."""
    return f"{weight:.6f}"


def recent(current: int, previous: int, weight: float) -> int:
    """The sliding window's count, in whole ballots, exactly as the gate's Lua
    computes it from the same counters (`weight` read back from `weight_text`)."""
    return math.floor(current + previous * float(weight_text(weight)))


def threshold_in(limit: Limit, harder_above: Limit) -> int:
    """A "harder above" volume in the ballots of `limit`'s window, whose
    counters it is read against: "1000/hour" is 1000 against an hourly limit,
    about 17 against a minute's."""
    return max(1, harder_above.count * limit.window // harder_above.window)
