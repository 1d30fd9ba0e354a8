"""A contest's co-organisers and judges (voting/organiser/people.py)."""

from __future__ import annotations

from tests.api.matrix import MANAGER

ROWS = {
    ("GET", "/organiser/contests/<slug>/people"): MANAGER,
}
