"""Server-rendered SVG charts of the results pages: horizontal bars, one per
entry, with the value written at the end of each bar.

No JavaScript and no chart library: a chart is a few rectangles and texts,
so it costs a few hundred bytes a bar and shows without scripts. Readable
without colour: every bar carries its number as text, and awarded entries
differ by a fill pattern (hatching, dots) and by the award's name in the
label, never by hue alone. Each chart is `role="img"` labelled by its own
<title> and <desc>; the page puts the same numbers in a table next to it.

The CSP allows no inline styles (security_headers.py), so the markup uses
presentation attributes (fill, stroke), never `style`. Ids are prefixed by
the chart's id, because a page holds several charts and ids must be unique.

Right to left (Arabic), the chart is drawn mirrored: labels at the right,
bars growing leftwards from an axis at the right, the value after a bar's
left end. The SVG says its `direction` itself, because inline SVG inherits
the page's and `text-anchor="end"` would otherwise turn the labels over the
bars in an Arabic page.

Pure apart from markupsafe: labels arrive already translated and formatted.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
LABEL_WIDTH = 230  # entry titles on the left
VALUE_ROOM = 110  # the number (and award) after the longest bar
BAR_HEIGHT = 22
GAP = 8
TOP = 8
LABEL_CHARS = 30  # longer titles are cut in the chart; the table and the bar's <title> have them whole
INK = "#1b1b1b"
BAR = "#0b4ea2"
PATTERNS = {"hatch": "M0,8 L8,0 M-2,2 L2,-2 M6,10 L10,6", "dots": None}


@dataclass(frozen=True)
class Bar:
    label: str  # the entry's title
    value: float  # where the bar ends, in the chart's unit
    text: str  # the value as printed (formatted for the reader's locale)
    mark: str | None = None  # "hatch" (winners) or "dots" (champions): a pattern, not a colour
    note: str = ""  # the award's name, printed after the value


def _cut(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _patterns(prefix: str) -> str:
    # White patterns on the bar's blue: visible in greyscale and to the colour-blind.
    return (f'<defs><pattern id="{prefix}-hatch" width="8" height="8" patternUnits="userSpaceOnUse">'
            f'<rect width="8" height="8" fill="{BAR}"/><path d="{PATTERNS["hatch"]}" stroke="#fff" '
            f'stroke-width="2"/></pattern>'
            f'<pattern id="{prefix}-dots" width="8" height="8" patternUnits="userSpaceOnUse">'
            f'<rect width="8" height="8" fill="{BAR}"/><circle cx="4" cy="4" r="1.8" fill="#fff"/></pattern></defs>')


def bar_chart(chart_id: str, title: str, description: str, bars: list[Bar], *, low: float = 0.0,
              high: float | None = None, rtl: bool = False) -> Markup:
    """Horizontal bars from `low` to each value on a scale up to `high` (the
    largest value when None), mirrored when `rtl`. An empty list draws nothing."""
    if not bars:
        return Markup("")
    top_value = max([b.value for b in bars] + [high if high is not None else low])
    span = (top_value - low) or 1.0
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM
    height = TOP * 2 + len(bars) * (BAR_HEIGHT + GAP) - GAP
    prefix = escape(chart_id)
    # `step` is the reading direction along x. In both directions a label's anchor is its "end" and a
    # value's its "start", which `direction` places on the side away from the bar.
    axis, step = (WIDTH - LABEL_WIDTH, -1) if rtl else (LABEL_WIDTH, 1)
    parts = [f'<svg class="chart" id="{prefix}" role="img" aria-labelledby="{prefix}-title {prefix}-desc" '
             f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
             f'preserveAspectRatio="{"xMaxYMin" if rtl else "xMinYMin"} meet" direction="{"rtl" if rtl else "ltr"}" '
             f'xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{prefix}-title">{escape(title)}</title>',
             f'<desc id="{prefix}-desc">{escape(description)}</desc>']
    if any(b.mark for b in bars):
        parts.append(_patterns(str(prefix)))
    # The axis at `low`: bars grow from it, so a zero is a visible nothing next to its "0".
    parts.append(f'<line x1="{axis}" y1="{TOP - 4}" x2="{axis}" y2="{height - TOP + 4}" '
                 f'stroke="{INK}" stroke-width="1"/>')
    for i, bar in enumerate(bars):
        y = TOP + i * (BAR_HEIGHT + GAP)
        length = max(0.0, (bar.value - low) / span * room)
        fill = f"url(#{prefix}-{bar.mark})" if bar.mark in PATTERNS else BAR
        middle = y + BAR_HEIGHT / 2
        after = f"{bar.text} · {bar.note}" if bar.note else bar.text
        parts.append(
            f'<g><title>{escape(bar.label)}: {escape(after)}</title>'
            f'<text x="{axis - step * 8}" y="{middle:.1f}" text-anchor="end" dominant-baseline="middle" '
            f'font-size="14" fill="{INK}">{escape(_cut(bar.label))}</text>'
            f'<rect x="{axis if step > 0 else round(axis - length, 1):g}" y="{y}" width="{length:.1f}" '
            f'height="{BAR_HEIGHT}" fill="{fill}" stroke="{INK}" stroke-width="{1 if bar.mark else 0}"/>'
            f'<text x="{axis + step * (length + 6):.1f}" y="{middle:.1f}" text-anchor="start" '
            f'dominant-baseline="middle" '
            f'font-size="14" font-weight="{700 if bar.note else 400}" fill="{INK}">{escape(after)}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))
