"""Reading a CSV of entries for the bulk import, and checking every row. Pure.

The file: UTF-8 (a byte-order mark is allowed: spreadsheets write one), a
header row of ENTRY field names (`category` by slug, `links` as addresses
separated by spaces or new lines), at most MAX_ROWS data rows. A file that
fails any of these is refused as a whole (`FileProblem`), since no row of it
can be trusted to mean what it says.

Rows are numbered here, once, as the API's contract says (shared/API.md): from
1, the row under the header, every blank row (skipped) counting. Rows are
records, as a spreadsheet counts them, not lines: a quoted cell holding new
lines is still one row. The API's report, the console's page and the audit
log all show this number.

Cells that start with =, +, - or @ are kept as text: they are formulas only to
a spreadsheet that opens an export, and the exports escape them
(voting/results/exports.py)."""

from __future__ import annotations

import csv
import io
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from voting.i18n.domain import N_, msg
from voting.submissions.domain import fields

# The WSIS Prizes received 1,270 projects in 18 categories: room for several times that in one file, and a
# bound on the work (and the one transaction) a single request can ask for.
MAX_ROWS = 5000
COLUMNS = fields.ENTRY_FIELDS
REQUIRED_COLUMNS = ("category", "title")


class FileProblem(Exception):
    """The file as a whole cannot be imported; `fields` says why (`body`, `header`, `header.NAME`)."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.fields = problems


@dataclass(frozen=True)
class Sheet:
    columns: tuple[str, ...]
    rows: list[tuple[int, dict[str, str]]]  # (row number under the header, cells by column); blank rows left out


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str


def decode(raw: bytes) -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileProblem({"body": msg("is not UTF-8 text (byte %(byte)d); save the sheet as “CSV UTF-8”",
                                       byte=exc.start + 1)}) from None
    if "\x00" in text:
        raise FileProblem({"body": N_("holds a NUL character, which no text field can store")})
    return text


def _header(record: list[str]) -> tuple[str, ...]:
    names = tuple(cell.strip().lower() for cell in record)
    if not any(name in COLUMNS for name in names):
        raise FileProblem({"header": msg("the first row must name the columns: %(columns)s",
                                             columns=", ".join(COLUMNS))})
    problems = {}
    for i, name in enumerate(names):
        if not name:
            problems[f"header.{UNNAMED}{i + 1}"] = N_("has no name")
        elif name not in COLUMNS:
            problems[f"header.{name}"] = msg("is not a known column (known: %(columns)s)", columns=", ".join(COLUMNS))
        elif name in names[:i]:
            problems[f"header.{name}"] = N_("is named twice")
    for name in REQUIRED_COLUMNS:
        if name not in names:
            problems[f"header.{name}"] = N_("is required but missing")
    if problems:
        raise FileProblem(problems)
    return names


# The key of an unnamed column's problem, `header.COLUMN_3`: column names are lower-cased, so no column's own
# name (`header.NAME`, even one named "3" or "column_3") can be mistaken for it.
UNNAMED = "COLUMN_"


def unnamed_column(key: str) -> int | None:
    """The position (from 1) of the unnamed column a `header.…` key's tail names, else None."""
    tail = key[len(UNNAMED):]
    return int(tail) if key.startswith(UNNAMED) and tail.isascii() and tail.isdigit() else None


def read(raw: bytes, max_rows: int = MAX_ROWS) -> Sheet:
    reader = csv.reader(io.StringIO(decode(raw), newline=""), strict=True)
    try:
        header = None
        rows: list[tuple[int, dict[str, str]]] = []
        # A record is a spreadsheet row, blank ones included (the reader yields [] for an empty line); rows are
        # numbered from the one under the header, whatever blank rows came before the header.
        header_at = 0
        for position, record in enumerate(reader, start=1):
            if header is None:
                if any(cell.strip() for cell in record):
                    header, header_at = _header(record), position
                continue
            number = position - header_at
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) == max_rows:
                raise FileProblem({"body": msg("has more than %(num)d rows; split it into several files",
                                               num=max_rows)})
            rows.append((number, _cells(header, record)))
    except csv.Error as exc:
        raise FileProblem({"body": msg("is not valid CSV (line %(line)d: %(error)s)", line=reader.line_num,
                                       error=str(exc))}) from None
    if header is None:
        raise FileProblem({"body": N_("is empty; the first row must name the columns")})
    return Sheet(header, rows)


EXTRA = "_extra"  # cells beyond the header's columns, kept to be reported


def _cells(header: tuple[str, ...], record: list[str]) -> dict[str, str]:
    # Spreadsheets drop trailing empty cells, so a short row is missing nothing but blanks.
    cells = {name: (record[i] if i < len(record) else "") for i, name in enumerate(header)}
    extra = [cell for cell in record[len(header):] if cell.strip()]
    if extra:
        cells[EXTRA] = str(len(record))
    return cells


def values(cells: dict[str, str]) -> dict[str, Any]:
    """A row's cells as the entry's fields (links split), without the blank optional ones."""
    data: dict[str, Any] = {}
    for name, cell in cells.items():
        if name == EXTRA:
            continue
        if name == "links":
            data["links"] = fields.split_links(cell)
        elif name in REQUIRED_COLUMNS or cell.strip():
            data[name] = cell
    return data


def check_rows(sheet: Sheet, *, categories: Collection[str], countries: Collection[str],
               max_words: int | None) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    """(the good rows' fields, every problem of the others), in the file's order."""
    good, errors = [], []
    order = {name: i for i, name in enumerate(COLUMNS)}
    for number, cells in sheet.rows:
        data = values(cells)
        problems = fields.field_problems(data, categories=categories, countries=countries, max_words=max_words)
        if EXTRA in cells:
            problems["columns"] = (f"has {cells[EXTRA]} cells; the header names {len(sheet.columns)} columns")
        if problems:
            ranked = sorted(problems.items(), key=lambda item: (order.get(item[0].split(".")[0], len(order)), item[0]))
            errors += [RowError(number, path, why) for path, why in ranked]
        else:
            good.append((number, fields.cleaned(data)))
    return good, errors
