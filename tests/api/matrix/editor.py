"""The contest editor (voting/organiser/editor/)."""

from __future__ import annotations

from tests.api.matrix import CREATOR, MANAGER

ROWS = {
    ("GET", "/organiser/contests/new"): CREATOR,
    ("POST", "/organiser/contests/new"): CREATOR,  # an empty form: 422 for those let in
    ("GET", "/organiser/contests/<slug>/settings"): MANAGER,
    ("POST", "/organiser/contests/<slug>/settings"): MANAGER,  # no section named: 400 for those let in
    ("POST", "/organiser/contests/<slug>/settings/phases"): MANAGER,  # no phase named: 400 for those let in
    ("GET", "/organiser/contests/<slug>/settings/spec.json"): MANAGER,
}
