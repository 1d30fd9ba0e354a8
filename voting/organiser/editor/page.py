"""The settings page's display values: every field of every section with its
label, value, lock and problem, built here so the templates only print them.

Values come from the stored SPEC, overlaid by what was posted when a section
failed (so the organiser corrects it in place); problems come by SPEC path and
go beside their field (domain/formspec.field_for) and into the summary."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterator, Mapping

from flask import url_for
from flask_babel import gettext as _

from voting.contests.domain.spec import PHASES
from voting.errors import say
from voting.organiser.editor import labels, wording
from voting.organiser.editor.domain import formspec, locks


# Shown for photo contests only; another kind's stored values stay as they are (a field not posted is kept).
PHOTO_ONLY = ("submissions.max_bytes", "submissions.max_megapixels", "submissions.min_megapixels")


def field_id(name: str) -> str:
    return "f-" + name.replace(".", "-").replace("_", "-")


def _label_key(name: str) -> str:
    """`categories.3.title` -> `categories.title`: a row's column shares its label."""
    return ".".join(part for part in name.split(".") if not part.isdigit())


def _direction(name: str, kind: str) -> str:
    """A field's `dir`: codes, limits, numbers and dates read left to right in any page (an Arabic page
    would right-align them); free text takes the direction of what is typed."""
    code = name.rsplit(".", 1)[-1] in ("slug", "key") or "rate_limit" in name
    return "ltr" if code or kind not in ("text", "textarea") else "auto"


class Fields:
    """Makes one field's display values from the shown values and the locks."""

    def __init__(self, shown: Mapping[str, str], locked: Mapping[str, str]):
        self.shown, self.locked = shown, locked

    def __call__(self, name: str, kind: str, label: str | None = None, lock_path: str | None = None) -> dict:
        label_text, hint = labels.FIELDS.get(_label_key(name), (name, None))
        if name.startswith("phases."):
            label_text = labels.FIELDS[name.rsplit(".", 1)[1]][0]
        choices = labels.CHOICES.get(_label_key(name))
        return {"name": name, "id": field_id(name), "label": str(label or label_text), "dir": _direction(name, kind),
                "hint": str(hint) if hint else "", "value": self.shown.get(name, ""),
                "kind": "select" if choices else "number" if kind in ("int", "optional_int", "float") else kind,
                "choices": [(value, str(text)) for value, text in choices or []], "error": None,
                "locked": self.locked.get(lock_path or name)}


def lockable() -> list[str]:
    """Every path the page can show locked: its fields, and its lists as a whole."""
    paths = [path for fields in formspec.SECTIONS.values() for path, _kind in fields]
    paths += [f"phases.{name}.{end}" for name in PHASES for end in ("opens_at", "closes_at")]
    return paths + ["categories", "judging.criteria", "awards.tie_break"]


def _rows(make: Fields, spec: dict[str, Any], section: str, posted: Mapping[str, str] | None, extra: int,
          entry_counts: Mapping[str, int]) -> dict[str, Any]:
    root, columns = formspec.LISTS[section]
    stored = len(formspec.get(spec, root) or [])
    count = formspec.row_count(posted, root) if posted and f"{root}.rows" in posted else stored
    count = min(count + extra, formspec.MAX_ROWS)
    rows = []
    for row in range(count):
        name = f"{root}.{row}"
        slug = make.shown.get(f"{name}.slug", "")
        fields = [make(f"{name}.{column}", kind, lock_path=root) for column, kind in columns]
        if section == "categories" and row < stored and slug == formspec.get(spec, f"{name}.slug"):
            fields[0]["readonly"] = True  # a stored category keeps its slug (its entries and ballots name it)
        has_entries = section == "categories" and entry_counts.get(slug)
        remove = {"name": f"{name}.remove", "id": field_id(f"{name}.remove"),
                  "checked": bool(posted and posted.get(f"{name}.remove")),
                  "why_not": _("It has entries, so it cannot be removed.") if has_entries else None}
        rows.append({"legend": (_("Category %(number)d", number=row + 1) if section == "categories"
                                else _("Criterion %(number)d", number=row + 1)),
                     "anchor": field_id(name), "fields": fields, "remove": remove if row < stored or posted else None})
    return {"root": root, "count": count, "rows": rows, "locked": make.locked.get(root), "id": field_id(root),
            "error": None}


def _phases(make: Fields, spec: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    offered = formspec.offered_moves(spec, now)  # the buttons that make sense now; a post of any other is refused
    found = []
    for name in PHASES:
        label = labels.PHASES[name]
        moves = [{"value": f"{name}:{action}", "label": (_("Open “%(phase)s” now", phase=label) if action == "open"
                                                          else _("Close “%(phase)s” now", phase=label))}
                 for action in ("open", "close") if f"{name}:{action}" in offered]
        found.append({"name": name, "label": str(label), "id": field_id(f"phases.{name}"), "error": None,
                      "moves": moves, "fields": [make(f"phases.{name}.{end}", "datetime-local")
                                                 for end in ("opens_at", "closes_at")]})
    return found


def build(spec: dict[str, Any], now: datetime, published: bool, entry_counts: Mapping[str, int],
          failed: str | None = None, posted: Mapping[str, str] | None = None, extra_rows: int = 0) -> dict[str, Any]:
    """Everything the settings page shows, by section (problems: `attach`)."""
    shown = {**formspec.values(spec), **(posted if failed else {})}
    make = Fields(shown, {path: say(why) for path, why in locks.locked(spec, lockable(), now, published).items()})
    return {"sections": {name: [make(path, kind) for path, kind in fields
                                if spec.get("kind") == "photo" or path not in PHOTO_ONLY]
                         for name, fields in formspec.SECTIONS.items()},
            "lists": {section: _rows(make, spec, section, posted if failed == section else None,
                                     extra_rows if failed == section else formspec.BLANK_ROWS, entry_counts)
                      for section in formspec.LISTS},
            "tie_break": [make(f"awards.tie_break.{i}", "choice", label=_("Rule %(number)d", number=i + 1),
                               lock_path="awards.tie_break") for i in range(len(formspec.TIE_RULES))],
            "tie_break_error": None, "section_errors": {}, "phases": _phases(make, spec, now),
            "zone": formspec.zone(spec.get("timezone")).key,
            "section_titles": {key: str(title) for key, title in labels.SECTIONS.items()}}


def _all_fields(context: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str]]:
    """Every field of the page, with what the error summary calls it."""
    for fields in context["sections"].values():
        yield from ((f, f["label"]) for f in fields)
    yield from ((f, f"{_('Tie-break order')}: {f['label']}") for f in context["tie_break"])
    for phase in context["phases"]:
        yield from ((f, f"{phase['label']}: {f['label']}") for f in phase["fields"])
    for group in context["lists"].values():
        for row in group["rows"]:
            yield from ((f, f"{row['legend']}: {f['label']}") for f in row["fields"])


def names(context: dict[str, Any]) -> dict[str, str]:
    """Every field and group of the page by name, with what the summary calls it."""
    found = {f["name"]: called for f, called in _all_fields(context)}
    found.update({f"phases.{p['name']}": p["label"] for p in context["phases"]})
    found.update({name: str(title) for name, title in labels.SECTIONS.items() if name in formspec.GROUPS})
    found.update({"judging.criteria": _("Rubric"), "awards.tie_break": _("Tie-break order")})
    return found


def attach(context: dict[str, Any], problems: Mapping[str, str]) -> None:
    """Put each problem beside its field or group."""
    for f, _called in _all_fields(context):
        f["error"] = problems.get(f["name"])
    for group in context["lists"].values():
        group["error"] = problems.get(group["root"])
    for phase in context["phases"]:
        phase["error"] = problems.get(f"phases.{phase['name']}")
    context["tie_break_error"] = problems.get("awards.tie_break")
    # (the categories' own problems go beside their list, which is the whole section)
    context["section_errors"] = {name: problems.get(name) for name in formspec.SECTIONS if name != "categories"}


def placed(fields: Mapping[str, str], rows: Mapping[str, list[int]], known: set[str]) -> dict[str, str]:
    """SPEC problems by form field or group; those that belong to none under "" (the page's top)."""
    found: dict[str, str] = {}
    for path, why in fields.items():
        name = formspec.field_for(path, rows, known) or ""
        said = wording.reword(why, rows)
        text = said if name == path or (name and name not in formspec.GROUPS) else f"{path}: {said}"
        found[name] = f"{found[name]}; {text}" if name in found else text
    return found


def summary(problems: Mapping[str, str], called: Mapping[str, str]) -> list[dict[str, str]]:
    """The error summary's lines: each problem with its field's label, linking to it."""
    return [{"text": f"{called[name]}: {text}" if name in called else text,
             "href": f"#{field_id(name)}" if name else ""} for name, text in problems.items()]


def export_url(slug: str) -> str:
    return url_for("organiser_pages.export_spec", slug=slug)
