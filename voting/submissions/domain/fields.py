"""An entry's fields: what each may hold, which each kind of contest needs,
and the links' rules. Pure: the caller passes the contest's categories, the
country codes and the word limit.

One set of rules for every door (the API, the pages, the CSV import, an
organiser's entries), so that a field refused at one is refused at all."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import urlsplit

from voting.submissions.domain.words import count_words

ENTRY_FIELDS = ("category", "title", "summary", "team", "organisation", "country", "links")
TEXT_LIMITS = {"title": 300, "summary": 5000, "team": 300, "organisation": 300}
# Fields shown on one line (page headings, mail subjects, CSV cells): no line
# breaks or other control characters, nor the bidirectional overrides that make
# a text read as another. The summary is prose and keeps its line breaks.
SINGLE_LINE = ("title", "team", "organisation")
BIDI_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def single_line_problem(value: str) -> str | None:
    if any(unicodedata.category(ch) in ("Cc", "Co", "Cs") or ch in BIDI_OVERRIDES for ch in value):
        return "must be one line, without control characters"
    return None
# A project's site, its code, a video: a handful is plenty, and each is shown to voters.
MAX_LINKS = 5
LINK_MAX_LENGTH = 500

# The fields each kind's form shows, in order, and those an entry needs to be
# eligible (checked for the moderator, not refused: an entry may be saved and
# even submitted incomplete, and the organisers decide). A photo's file and its
# alt text are the media side's (voting/media).
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "prize": ("title", "summary", "organisation", "country", "team", "links"),
    "hackathon": ("title", "summary", "team", "organisation", "country", "links"),
    "photo": ("title", "summary", "team", "country"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "prize": ("title", "summary", "organisation", "country"),
    "hackathon": ("title", "summary", "team"),
    "photo": ("title",),
}


def link_problem(url: object) -> str | None:
    """Why a link cannot be shown to voters, or None. Only http(s) addresses
    with a host: no javascript:, data: or mailto: (a page would render them
    as links), no user:password@ (it makes a link look like another site)."""
    if not isinstance(url, str):
        return "must be a string"
    if len(url) > LINK_MAX_LENGTH:
        return f"must be at most {LINK_MAX_LENGTH} characters"
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in url):
        return "must not contain spaces or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number in range)
    except ValueError:
        return "is not a valid address"
    if parts.scheme.lower() not in ("http", "https"):
        return "must be an http:// or https:// address"
    if not parts.hostname:
        return "must name a host"
    if parts.username is not None or parts.password is not None:
        return "must not carry a user name or password"
    return None


def link_problems(links: object) -> dict[str, str]:
    if not isinstance(links, list):
        return {"links": "must be a list of addresses"}
    if len(links) > MAX_LINKS:
        return {"links": f"must hold at most {MAX_LINKS} addresses"}
    problems = {}
    seen = set()
    for i, url in enumerate(links):
        why = link_problem(url)
        if why:
            problems[f"links.{i}"] = why
        elif url in seen:
            problems[f"links.{i}"] = "is listed twice"
        else:
            seen.add(url)
    return problems


def split_links(text: str) -> list[str]:
    """Links written in one text field (a form's text area, a CSV cell): one
    per line, or separated by spaces, since an address holds neither."""
    return text.split()


def summary_problem(summary: str, max_words: int | None) -> str | None:
    if max_words is None:
        return None
    words = count_words(summary)
    return f"must be at most {max_words} words (it has {words})" if words > max_words else None


def field_problems(data: Mapping[str, Any], *, categories: Collection[str], countries: Collection[str],
                   max_words: int | None, partial: bool = False) -> dict[str, str]:
    """Every problem of an entry's fields, by field path. `partial` for an
    edit: only the fields given are checked, and none is required."""
    problems = {key: "is not a known field" for key in data if key not in ENTRY_FIELDS}
    for key, limit in TEXT_LIMITS.items():
        if key not in data and partial:
            continue
        value = data.get(key, "")
        if not isinstance(value, str):
            problems[key] = "must be a string"
        elif len(value) > limit:
            problems[key] = f"must be at most {limit} characters"
        elif key in SINGLE_LINE and single_line_problem(value):
            problems[key] = single_line_problem(value)
    if "title" in data or not partial:
        title = data.get("title")
        if not isinstance(title, str) or not title.strip():
            problems.setdefault("title", "is required")
    if "category" in data or not partial:
        category = data.get("category")
        if not isinstance(category, str) or not category:
            problems["category"] = "is required"
        elif category not in categories:
            problems["category"] = "is not a category of this contest"
    country = data.get("country")
    if country not in (None, "") and not (isinstance(country, str) and country.upper() in countries):
        problems["country"] = "must be an ISO 3166-1 alpha-2 country code"
    if "links" in data:
        problems.update(link_problems(data["links"]))
    summary = data.get("summary")
    if isinstance(summary, str) and "summary" not in problems:
        why = summary_problem(summary, max_words)
        if why:
            problems["summary"] = why
    return problems


def cleaned(data: Mapping[str, Any]) -> dict[str, Any]:
    """The given fields as stored: text trimmed, the country in capitals."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "country":
            out[key] = (value or "").upper()
        elif key == "links":
            out[key] = list(value)
        elif isinstance(value, str):
            out[key] = value.strip()
        else:
            out[key] = value
    return out


def missing(kind: str, values: Mapping[str, Any]) -> list[str]:
    """The fields an entry of this kind needs and lacks."""
    absent = []
    for name in REQUIRED.get(kind, ("title",)):
        value = values.get(name)
        if not (isinstance(value, str) and value.strip()):
            absent.append(name)
    return absent
