"""The contest editor's forms as plain data: every field is named by its SPEC
path (`voting.max_choices`, `categories.2.title`, `phases.voting.opens_at`), so
a problem the SPEC's validation reports by path goes back beside its field.

`values` turns a stored SPEC into the strings a form shows (phase dates in the
contest's time zone); `read` turns a posted section back into a merge patch of
the SPEC, with the problems of reading it (a word in a number field), by field.
A field missing from the post (a disabled, locked field) keeps its stored value,
so the service sees no change there; one that was posted changed is in the
patch, and the service's own lock refuses it. Rows (categories, criteria) are
numbered as the form shows them; `Read.rows` maps the patch's list indexes back.
Text is read as the API reads it: LF newlines, and nothing the database cannot
store.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from voting.contests.domain.spec import PHASES
from voting.i18n.domain import N_

TIE_RULES = ("jury_score", "public_votes", "earliest_submission", "draw")
RATE_LIMITS = ("ip", "prefix", "account", "device", "ip_harder_above", "prefix_harder_above")
MAX_ROWS = 250  # more than the SPEC allows of either list, so the SPEC's own limit speaks
_WHOLE = re.compile(r"^[+-]?\d{1,12}$")

# Each section's plain fields: (path, kind). Kinds: text, textarea, int, optional_int, float, choice, yesno,
# zone (a time zone's name; empty: UTC).
SECTIONS: dict[str, list[tuple[str, str]]] = {
    "general": [("title", "text"), ("description", "textarea"), ("timezone", "zone")],
    "categories": [],
    "phases": [],
    "voting": [("voting.method", "choice"), ("voting.max_choices", "int"), ("voting.score_max", "int"),
               ("voting.ranked_method", "choice"), ("voting.require_verified_email", "yesno"),
               ("voting.pow_bits", "int"), ("voting.pow_spike_per_minute", "int"),
               ("voting.min_render_seconds", "int")]
              + [(f"voting.rate_limits.{name}", "text") for name in RATE_LIMITS],
    "judging": [("judging.mode", "choice"), ("judging.judges_per_entry", "int"), ("judging.normalization", "choice")],
    "awards": [("awards.policy", "choice"), ("awards.champions_per_category", "int"),
               ("awards.winners_per_category", "int"), ("awards.public_weight", "float")],
    "submissions": [("submissions.max_per_person", "optional_int"), ("submissions.summary_max_words", "optional_int"),
                    ("submissions.max_bytes", "int"), ("submissions.max_megapixels", "int"),
                    ("submissions.min_megapixels", "int"), ("submissions.rate_limit", "text")],
}
# The rows of a section's lists, and their columns (kind as above).
LISTS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "categories": ("categories", [("slug", "text"), ("title", "text"), ("description", "textarea"),
                                  ("position", "optional_int")]),
    "judging": ("judging.criteria", [("key", "text"), ("label", "text"), ("weight", "float"), ("min", "float"),
                                     ("max", "float"), ("guidance", "textarea")]),
}
BLANK_ROWS = 2  # empty rows under a list's rows, for adding without JavaScript ("add another" adds more)


@dataclass
class Read:
    """A section read from a post: the merge patch, the problems of reading it
    by field name, and for each list the form row of each index of the patch."""
    patch: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    rows: dict[str, list[int]] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)  # slugs, keys whose translations went with their rows


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def zone_name(text: str) -> str:
    """A time zone's name as typed, in its own case if the zone database knows it in any case
    (`asia/kolkata` is Asia/Kolkata); otherwise as typed, for the SPEC to refuse."""
    text = text.strip()
    return _zone_names().get(text.lower(), text)


def get(spec: Mapping[str, Any], path: str) -> Any:
    value: Any = spec
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _put(target: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[leaf] = value


def local_text(stamp: str | None, tz: ZoneInfo) -> str:
    """A stored UTC timestamp as a datetime-local input's value in `tz` (in UTC
    if `tz` cannot hold it: the SPEC's range of dates came late)."""
    if not stamp:
        return ""
    moment = datetime.fromisoformat(stamp)
    try:
        moment = moment.astimezone(tz)
    except OverflowError:
        pass
    return moment.strftime("%Y-%m-%dT%H:%M")


def unstorable(text: str) -> bool:
    """NUL (PostgreSQL's text refuses it) or a lone surrogate (not UTF-8): as
    the API's request.unstorable_text, which a pure module cannot import."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return "\x00" in text


UNSTORABLE = N_("holds a character that cannot be stored")  # the API's and the people pages' words


def show(kind: str, value: Any) -> str:
    if value is None:
        return "UTC" if kind == "zone" else ""
    if kind == "yesno":
        return "yes" if value else "no"
    if kind == "zone":
        return value or "UTC"
    if kind == "float" and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def values(spec: Mapping[str, Any]) -> dict[str, str]:
    """Every field of every section as the form shows it."""
    tz = zone(spec.get("timezone"))
    shown = {path: show(kind, get(spec, path)) for fields in SECTIONS.values() for path, kind in fields}
    for name in PHASES:
        for end in ("opens_at", "closes_at"):
            shown[f"phases.{name}.{end}"] = local_text(get(spec, f"phases.{name}.{end}"), tz)
    for root, columns in LISTS.values():
        for i, item in enumerate(get(spec, root) or []):
            for column, kind in columns:
                shown[f"{root}.{i}.{column}"] = str(i + 1) if column == "position" else show(kind, item.get(column))
    for i, rule in enumerate(get(spec, "awards.tie_break") or []):
        shown[f"awards.tie_break.{i}"] = rule
    return shown


def _convert(kind: str, text: str) -> tuple[Any, str | None]:
    if unstorable(text):
        return None, UNSTORABLE
    if kind in ("text", "textarea"):  # browsers post a textarea's lines with CRLF: stored texts have LF
        return text.replace("\r\n", "\n").replace("\r", "\n"), None
    text = text.strip()
    if kind in ("int", "optional_int"):
        if kind == "optional_int" and not text:
            return None, None
        if not _WHOLE.match(text):
            return None, N_("must be a whole number")
        return int(text), None
    if kind == "float":
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            return None, N_("must be a number")
        return (number, None) if math.isfinite(number) else (None, N_("must be a number"))
    if kind == "zone":  # None: the merge patch removes it, and the SPEC's default is UTC
        return (zone_name(text) or None), None
    if kind == "yesno":
        return (text == "yes", None) if text in ("yes", "no") else (None, N_("must be yes or no"))
    return text, None


def _plain(section: str, form: Mapping[str, str], current: Mapping[str, Any], out: Read) -> None:
    for path, kind in SECTIONS[section]:
        if path not in form:  # not posted (locked, so disabled): as stored
            _put(out.patch, path, get(current, path))
            continue
        value, problem = _convert(kind, form[path])
        if problem:
            out.problems[path] = problem
        else:
            _put(out.patch, path, value)


def row_count(form: Mapping[str, str], root: str) -> int:
    text = form.get(f"{root}.rows", "")
    return min(int(text), MAX_ROWS) if text.isascii() and text.isdigit() else 0


def _rows(section: str, form: Mapping[str, str], current: Mapping[str, Any], out: Read) -> None:
    root, columns = LISTS[section]
    if f"{root}.rows" not in form:  # the list was locked: as stored
        _put(out.patch, root, get(current, root))
        return
    found: list[tuple[int, int, dict[str, Any]]] = []
    for row in range(row_count(form, root)):
        name = f"{root}.{row}"
        texts = {column: form.get(f"{name}.{column}", "") for column, _kind in columns}
        if form.get(f"{name}.remove") or not any(texts[c].strip() for c, k in columns if c != "position"):
            continue
        item: dict[str, Any] = {}
        position = row + 1
        for column, kind in columns:
            if kind == "float" and not texts[column].strip():
                continue  # left empty: the SPEC's default (a criterion's weight 1, range 0 to 10)
            value, problem = _convert(kind, texts[column])
            if problem:
                out.problems[f"{name}.{column}"] = problem
            elif column == "position":
                position = value if value is not None else position
            else:
                item[column] = value.strip() if column in ("slug", "key") else value
        found.append((position, row, item))
    found.sort(key=lambda found_row: (found_row[0], found_row[1]))
    _put(out.patch, root, [item for _position, _row, item in found])
    out.rows[root] = [row for _position, row, _item in found]
    _untranslated(section, current, out)


def _untranslated(section: str, current: Mapping[str, Any], out: Read) -> None:
    """A removed category, or a criterion removed or given another key, leaves
    its translations naming nothing, which the SPEC refuses: the patch removes
    them too (`out.dropped`, which the page says)."""
    root, _columns = LISTS[section]
    group, column = ("categories", "slug") if section == "categories" else ("criteria", "key")
    kept = {item.get(column) for item in get(out.patch, root) or []}
    for code, translation in (current.get("translations") or {}).items():
        for name in (translation.get(group) or {}) if isinstance(translation, Mapping) else ():
            if name not in kept:
                out.patch.setdefault("translations", {}).setdefault(code, {}).setdefault(group, {})[name] = None
                out.dropped += [] if name in out.dropped else [name]


def _tie_break(form: Mapping[str, str], current: Mapping[str, Any], out: Read) -> None:
    names = [f"awards.tie_break.{i}" for i in range(len(TIE_RULES))]
    if not any(name in form for name in names):
        _put(out.patch, "awards.tie_break", get(current, "awards.tie_break"))
        return
    chosen = [(i, form.get(name, "")) for i, name in enumerate(names) if form.get(name, "")]
    _put(out.patch, "awards.tie_break", [rule for _i, rule in chosen])
    out.rows["awards.tie_break"] = [i for i, _rule in chosen]


def _phases(form: Mapping[str, str], current: Mapping[str, Any], out: Read) -> None:
    tz = zone(current.get("timezone"))
    phases: dict[str, Any] = {}
    for name in PHASES:
        ends: dict[str, str | None] = {}
        for end in ("opens_at", "closes_at"):
            path = f"phases.{name}.{end}"
            stored = get(current, path)
            text = form.get(path, "").strip() if path in form else local_text(stored, tz)
            if unstorable(text):
                out.problems[path] = UNSTORABLE
                continue
            if stored and text == local_text(stored, tz):
                ends[end] = stored  # unchanged to the minute shown: exactly as stored
            elif not text:
                ends[end] = None
            else:
                try:
                    moment = datetime.fromisoformat(text)
                except ValueError:
                    out.problems[path] = N_("must be a date and time, such as 2021-03-15T09:00")
                    continue
                try:  # year 1 or 9999 in a zone off UTC overflows; the SPEC refuses any date far from now
                    ends[end] = _utc(moment, tz)
                except OverflowError:
                    out.problems[path] = N_("is outside the supported range of dates")
                except ValueError:
                    out.problems[path] = N_("does not exist in this time zone: the clocks go forward then")
        if len(ends) < 2:
            continue
        if ends["opens_at"] and ends["closes_at"]:
            phases[name] = ends
        elif ends["opens_at"] or ends["closes_at"]:
            missing = "opens_at" if not ends["opens_at"] else "closes_at"
            out.problems[f"phases.{name}.{missing}"] = N_("give both dates of the phase, or neither")
        else:
            phases[name] = None  # no such phase (a merge patch's null removes it)
    out.patch["phases"] = phases


def _utc(moment: datetime, tz: ZoneInfo) -> str:
    """A local time typed in `tz` as a UTC timestamp. A time the clocks skip (spring forward) is refused
    (ValueError) rather than moved by an hour; one they pass twice (fall back) is the first of the two."""
    if moment.tzinfo:
        return moment.astimezone(timezone.utc).isoformat()
    stamp = moment.replace(tzinfo=tz).astimezone(timezone.utc)
    if stamp.astimezone(tz).replace(tzinfo=None) != moment:
        raise ValueError(moment)
    return stamp.isoformat()


def read(section: str, form: Mapping[str, str], current: Mapping[str, Any]) -> Read:
    """The merge patch of one section from its posted form (KeyError: no such section)."""
    out = Read()
    if section == "phases":
        _phases(form, current, out)
        return out
    _plain(section, form, current, out)
    if section in LISTS:
        _rows(section, form, current, out)
    if section == "awards":
        _tie_break(form, current, out)
    return out


def offered_moves(current: Mapping[str, Any], now: datetime) -> list[str]:
    """The moves ("voting:open", "judging:close") that make sense now, the one
    rule for the settings page's buttons and for what a post may ask: open
    only the first phase not yet open (the phases run in order), close only a
    phase open now (closing one not yet open, or already closed, would rewrite
    its window rather than close it)."""
    found: list[str] = []
    waiting = False  # an earlier phase has not opened yet: it opens first
    for name in PHASES:
        window = (current.get("phases") or {}).get(name)
        if not window:
            continue
        opens, closes = (datetime.fromisoformat(window[end]) for end in ("opens_at", "closes_at"))
        if now < opens and not waiting:
            found.append(f"{name}:open")
        waiting = waiting or now < opens
        if opens <= now < closes:
            found.append(f"{name}:close")
    return found


def moved_phase(current: Mapping[str, Any], phase: str, action: str, now: datetime) -> dict[str, Any]:
    """The merge patch of "open this phase now" or "close it now". Opening a
    phase closes the one before it if that one is still open (the windows
    may not overlap: the SPEC refuses a phase that opens before the previous
    closes); the service refuses what the contest's phase locks."""
    stamp = now.astimezone(timezone.utc).isoformat()
    windows = current.get("phases") or {}
    if action == "close":
        return {"phases": {phase: {**windows.get(phase, {}), "closes_at": stamp}}}
    patch: dict[str, Any] = {phase: {**windows.get(phase, {}), "opens_at": stamp}}
    earlier = [name for name in PHASES[:PHASES.index(phase)] if windows.get(name)]
    if earlier and datetime.fromisoformat(windows[earlier[-1]]["closes_at"]) > now:
        patch[earlier[-1]] = {**windows[earlier[-1]], "closes_at": stamp}
    return {"phases": patch}


# Where a problem's path is shown when no field has that exact name: a list's,
# a phase's or a section's problem beside the list, the phase or the section
# (a published contest's lock names whole sections); anything else at the top.
GROUPS = ("categories", "judging.criteria", "awards.tie_break", "phases.submission", "phases.voting",
          "phases.judging", "phases", "voting", "judging", "awards", "submissions")


def field_for(path: str, rows: Mapping[str, list[int]], fields: set[str]) -> str | None:
    """The form field (or group) a SPEC problem path belongs to, with list
    indexes turned back into form rows; None: the form as a whole."""
    for root, form_rows in rows.items():
        prefix = root + "."
        if path.startswith(prefix):
            index, _, rest = path[len(prefix):].partition(".")
            if index.isdigit() and int(index) < len(form_rows):
                path = f"{prefix}{form_rows[int(index)]}" + (f".{rest}" if rest else "")
    while path:
        if path in fields or path in GROUPS:
            return path
        path = path.rpartition(".")[0]
    return None
