"""The entries' list, moderation, edit and import (voting/organiser/moderation.py)."""

from __future__ import annotations

ROWS: dict = {}
