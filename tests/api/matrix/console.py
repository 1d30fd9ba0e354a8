"""The organiser console's rows of the authorisation matrix, gathered from
one module per part of the console."""

from __future__ import annotations

from tests.api.matrix import editor, entries, live, people

ROWS = {**editor.ROWS, **people.ROWS, **entries.ROWS, **live.ROWS}
