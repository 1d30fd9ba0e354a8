"""The entries' list, moderation, edit and import (voting/organiser/moderation.py, entries_list.py,
entries_edit.py, entries_import.py). The world's entry is approved and its contest is voting: an organiser's
empty bulk decision or edit is refused with a 422 (the door was open), as is an empty import."""

from __future__ import annotations

from tests.api.matrix import MANAGER

ENTRY = "<int(max=9223372036854775807):entry_id>"

ROWS = {
    ("POST", "/organiser/contests/<slug>/entries/bulk"): MANAGER,
    ("GET", f"/organiser/contests/<slug>/entries/{ENTRY}/edit"): MANAGER,
    ("POST", f"/organiser/contests/<slug>/entries/{ENTRY}/edit"): MANAGER,
    ("GET", "/organiser/contests/<slug>/entries/import"): MANAGER,
    ("POST", "/organiser/contests/<slug>/entries/import"): MANAGER,
    ("GET", "/organiser/contests/<slug>/entries/import/template.csv"): MANAGER,
}
