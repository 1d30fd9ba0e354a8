"""The contest editor (voting/organiser/editor/)."""

from __future__ import annotations

from tests.api.matrix import CREATOR, MANAGER

ROWS = {
    ("GET", "/organiser/contests/new"): CREATOR,
    ("GET", "/organiser/contests/<slug>/settings"): MANAGER,
}
