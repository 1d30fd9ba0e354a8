"""Which phase a contest is in, derived from its windows and the clock. Pure.

A contest is in a phase only while that phase's window is open. Before any
window has opened it is `draft`; when none is open after one has opened (a
gap between windows, or after the last) it is `closed`; once its results are
published it is `published`. `next_change` tells what opens or closes next,
so pages can say "voting opens on …" during a gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

ORDER = ("submission", "voting", "judging")


@dataclass(frozen=True)
class Window:
    opens_at: datetime
    closes_at: datetime

    def contains(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at


def current_phase(windows: dict[str, Window | None], now: datetime, published: bool) -> str:
    if published:
        return "published"
    for name in ORDER:
        window = windows.get(name)
        if window and window.contains(now):
            return name
    opened = [w for w in windows.values() if w and w.opens_at <= now]
    return "closed" if opened else "draft"


def is_open(windows: dict[str, Window | None], phase: str, now: datetime) -> bool:
    window = windows.get(phase)
    return bool(window and window.contains(now))


@dataclass(frozen=True)
class Change:
    phase: str
    event: str  # "opens" or "closes"
    at: datetime


def next_change(windows: dict[str, Window | None], now: datetime) -> Change | None:
    events = []
    for name in ORDER:
        window = windows.get(name)
        if not window:
            continue
        events.append(Change(name, "opens", window.opens_at))
        events.append(Change(name, "closes", window.closes_at))
    upcoming = [e for e in events if e.at > now]
    return min(upcoming, key=lambda e: e.at) if upcoming else None
