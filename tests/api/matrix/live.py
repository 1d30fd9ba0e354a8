"""A contest's live view and long jobs' progress (voting/organiser/live.py, jobs.py)."""

from __future__ import annotations

from tests.api.matrix import MANAGER

ROWS = {
    ("GET", "/organiser/contests/<slug>"): MANAGER,
    ("GET", "/organiser/jobs/<job_id>"): MANAGER,  # the world's job is a rebuild of this contest's counters
}
