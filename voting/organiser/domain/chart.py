"""The live view's chart of ballots per hour: one column per hour, server-
rendered SVG, no JavaScript and no chart library.

Accessible the way the results' charts are (voting/results/charts.py): the
chart is `role="img"` labelled by its own <title> and <desc>, every column has
a <title> with its hour and count in words, and the page puts the same figures
in a table next to it, so nothing is known from the drawing alone.

Right to left, time runs from right to left (the first hour at the right, the
scale on the right), as an Arabic reader reads a time line; the texts take
`direction="rtl"` so the scale's labels stand outside the plot either way.
The CSP allows no inline styles, so only presentation attributes are used.

Pure apart from markupsafe: labels arrive translated and formatted.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil, floor, log10
from typing import Callable

from markupsafe import Markup, escape

# A narrow drawing with large type: on a 320 px phone it is shown at about
# 0.6 of its size, and its texts must still read (the table has every figure).
WIDTH = 480
HEIGHT = 200
FONT = 15
SCALE_ROOM = 48  # the scale's numbers beside the plot
TOP = 12
BOTTOM = 30  # the hours' labels under the plot
MAX_TICKS = 4  # hour labels under the plot, at most: 72 would overlap
COLUMN_SHARE = 0.8  # of each hour's slot; the rest is the gap that tells columns apart
INK = "#1b1b1b"
GRID = "#b1b4b6"
BAR = "#0b4ea2"


@dataclass(frozen=True)
class Column:
    label: str  # the hour under the axis, short ("14:00")
    value: int  # ballots cast in that hour
    title: str  # the column in words, for the tooltip and screen readers ("5 Dec 14:00 UTC: 12 ballots")


@dataclass(frozen=True)
class Box:
    """Where a column is drawn, in the chart's units (tests read these)."""
    x: float
    y: float
    width: float
    height: float


def nice_ceiling(value: int) -> int:
    """The scale's top: the smallest 1, 2 or 5 times a power of ten at or
    above the largest count (never below 1, so an empty chart has a scale)."""
    if value <= 1:
        return 1
    power = 10 ** floor(log10(value))
    for factor in (1, 2, 5, 10):
        if value <= factor * power:
            return factor * power
    return 10 * power  # not reached: value <= 10 ** (floor(log10 value) + 1)


def plot_area(rtl: bool) -> tuple[float, float]:
    """(left edge, width) of the plot; the scale is on the reader's starting side."""
    width = WIDTH - SCALE_ROOM - 8
    return (8.0, width) if rtl else (float(SCALE_ROOM), width)


def boxes(values: list[int], rtl: bool = False) -> list[Box | None]:
    """Each column's box (None for a zero: nothing drawn), in reading order
    left to right, or right to left when `rtl`."""
    if not values:
        return []
    top = nice_ceiling(max(values))
    left, width = plot_area(rtl)
    slot = width / len(values)
    column = max(1.0, slot * COLUMN_SHARE)
    base = HEIGHT - BOTTOM
    found: list[Box | None] = []
    for i, value in enumerate(values):
        if value <= 0:
            found.append(None)
            continue
        place = len(values) - 1 - i if rtl else i
        height = value / top * (base - TOP)
        found.append(Box(round(left + place * slot + (slot - column) / 2, 2), round(base - height, 2),
                         round(column, 2), round(height, 2)))
    return found


def ticks(count: int) -> list[int]:
    """Which columns carry an hour label: evenly spaced from the first, at most MAX_TICKS."""
    if count <= 0:
        return []
    step = ceil(count / MAX_TICKS)
    return list(range(0, count, step))


def column_chart(chart_id: str, title: str, description: str, columns: list[Column], *, rtl: bool = False,
                 number: Callable[[int], str] = str) -> Markup:
    """The SVG of `columns` (one per hour, oldest first). `number` formats the
    scale's counts for the reader's locale. With no columns it draws the empty
    axes, so the page keeps its shape; the description says why."""
    prefix = escape(chart_id)
    left, width = plot_area(rtl)
    base = HEIGHT - BOTTOM
    top = nice_ceiling(max((c.value for c in columns), default=0))
    scale_x = left + width + 4 if rtl else left - 4  # outside the plot, on the scale's side
    parts = [f'<svg class="chart" id="{prefix}" role="img" aria-labelledby="{prefix}-title {prefix}-desc" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
             f'direction="{"rtl" if rtl else "ltr"}" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{prefix}-title">{escape(title)}</title>',
             f'<desc id="{prefix}-desc">{escape(description)}</desc>']
    # The scale: 0 and the top, with a faint line at the top; "end" is away from the plot in both directions.
    for value, y in ((0, base), (top, TOP)):
        parts.append(f'<text x="{scale_x}" y="{y + 4}" text-anchor="end" font-size="{FONT}" fill="{INK}">'
                     f'{escape(number(value))}</text>')
    parts.append(f'<line x1="{left}" y1="{TOP}" x2="{left + width}" y2="{TOP}" stroke="{GRID}" stroke-width="1" '
                 f'stroke-dasharray="4 4"/>')
    for column, box in zip(columns, boxes([c.value for c in columns], rtl)):
        if box is not None:
            parts.append(f'<rect class="bar" x="{box.x}" y="{box.y}" width="{box.width}" height="{box.height}" '
                         f'fill="{BAR}"><title>{escape(column.title)}</title></rect>')
    parts.append(f'<line x1="{left}" y1="{base}" x2="{left + width}" y2="{base}" stroke="{INK}" stroke-width="1"/>')
    slot = width / len(columns) if columns else 0
    for i in ticks(len(columns)):
        place = len(columns) - 1 - i if rtl else i
        x = round(left + place * slot + slot / 2, 2)
        parts.append(f'<line x1="{x}" y1="{base}" x2="{x}" y2="{base + 4}" stroke="{INK}" stroke-width="1"/>'
                     f'<text class="tick" x="{x}" y="{base + 18}" text-anchor="middle" font-size="{FONT}" fill="{INK}">'
                     f'{escape(columns[i].label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
