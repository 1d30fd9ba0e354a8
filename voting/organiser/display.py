"""What the review, audit and report pages say about rules, statuses and
evidence, and the page links of long lists. Display only: no queries."""

from __future__ import annotations

from typing import Any, Callable

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from voting.fraud.labels import RULES, by_reason, rule  # noqa: F401  (the pages' one import of them)

STATUSES = {"counted": _l("Counted"), "under_review": _l("Under review"), "invalidated": _l("Invalidated"),
            "open": _l("Open"), "mixed": _l("Partly counted, partly invalidated")}

# What kind of signal a rule is (voting/fraud/domain/policy.py) and what the
# combined evidence made of a ballot (voting/fraud/overview.VERDICTS).
KINDS = {"volume": _l("Volume: many ballots together; never holds alone"),
         "behaviour": _l("Behaviour: what people do not do"), "policy": _l("The contest's own terms")}
VERDICTS = {"held": _l("Held"), "flagged": _l("Flagged, still counted")}

# Evidence and audit details can hold long lists (every ballot id of a big
# decision); the page shows the start so it stays small, the API has it all.
LIST_SHOWN = 20
TEXT_SHOWN = 300


def status(name: str) -> str:
    return str(STATUSES.get(name, name))


def kind(name: str | None) -> str:
    return str(KINDS.get(name or "", name or ""))


def verdict(name: str | None) -> str:
    return str(VERDICTS[name]) if name in VERDICTS else _("None")


def score(value: float | None) -> str:
    """A strength or combined evidence, to two places (evidence sums to about 1 where a ballot is held)."""
    return "–" if value is None else f"{value:.2f}"


def value_text(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{key}: {value_text(v)}" for key, v in value.items())
    if isinstance(value, (list, tuple)):
        shown = ", ".join(_item(v) for v in value[:LIST_SHOWN])
        more = len(value) - LIST_SHOWN
        return shown if more <= 0 else _("%(shown)s and %(more)d more", shown=shown, more=more)
    text = "" if value is None else str(value)
    return text if len(text) <= TEXT_SHOWN else text[:TEXT_SHOWN] + "…"


def _item(value: Any) -> str:
    # The rules' "top" lists hold [value, count] pairs.
    if isinstance(value, (list, tuple)) and len(value) == 2 and isinstance(value[1], int):
        return f"{value_text(value[0])}: {value[1]}"
    return value_text(value)


def pairs(mapping: dict[str, Any] | None) -> list[tuple[str, str]]:
    """A JSON object as (key, text) rows for a definition list."""
    return [(key.replace("_", " "), value_text(v)) for key, v in (mapping or {}).items()]


def number(text: str, most: int = 2**31 - 1) -> int | None:
    """A positive whole number written in ASCII digits (str.isdigit also takes "²"), else None."""
    if not (text.isascii() and text.isdigit() and len(text) <= 10):
        return None
    value = int(text)
    return value if 0 < value <= most else None


def page_arg(name: str = "page") -> int:
    return number(request.args.get(name, ""), 10**6) or 1


def page_args(**pages: int) -> dict[str, int]:
    """The page numbers a form's action carries to come back to the same pages; page 1 goes without saying."""
    return {name: n for name, n in pages.items() if n > 1}


def pager(total: int, page: int, per_page: int, url: Callable[[int], str]) -> dict[str, Any]:
    """Where a page of a long list starts, and the links to its neighbours."""
    pages = max(1, -(-total // per_page))
    page = min(page, pages)
    return {"total": total, "page": page, "pages": pages, "offset": (page - 1) * per_page, "limit": per_page,
            "prev": url(page - 1) if page > 1 else None, "next": url(page + 1) if page < pages else None}
