"""What the contests layer announces to the layers above it, which it must not
import (the intake's per-process contest view, for one). Blinker signals, as
Flask's own; receivers connect when the app is built, never at import."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent after a committed change to a contest, its categories or its entries;
# the sender is the contest's slug, or None when any contest may be affected.
contest_changed = _signals.signal("contest-changed")
