"""Whether a sealed leaf could be a real ballot of its batch: the leaf's shape,
and its selection against the ballot rules the batch names (encoding.rules).
Pure and standard library only. The server's check (`flask --app voting
ledger verify`) uses it; the standalone verifier (tools/) has its own checks,
written from docs/ledger.md, so that the two check each other rather than
agree by construction.

The rules of a selection are the intake's (voting/ballots/domain/selection.py)
seen from outside: entries are named by integer ids (never booleans, strings
or floats) of entries of the leaf's own category in the rules; `single` names
exactly one, `approval` one to `max_choices` distinct ones, `ranked` one or
more distinct ones in order; `score` is a non-empty object from entry ids
written in canonical decimal (no sign, no leading zero, at most 12 digits) to
whole stars from 0 to `score_max`. The rules list every handed-in entry, a
superset of those a ballot could name when it was cast, so a valid ballot
always passes.

The rules themselves have the API's bounds (voting/contests/domain/spec.py):
`max_choices` and `score_max` from 1 to 100, category slugs of the slug
pattern, entry ids from 1 to 2**31 - 1 (INTEGER columns), each entry in one
category only.
"""

from __future__ import annotations

import re
from typing import Any

METHODS = ("single", "approval", "score", "ranked", "none")
RANKED_METHODS = ("irv", "schulze", "borda")
LEAF_STATUSES = ("counted", "invalidated")
COUNTED_KEYS = frozenset({"contest", "category", "receipt_hash", "selection", "status"})
INVALIDATED_KEYS = COUNTED_KEYS | {"rule", "reason", "audit_hash"}
RULES_KEYS = frozenset({"contest", "method", "ranked_method", "max_choices", "score_max", "categories"})
REASON_MAX = 500
HEX64 = re.compile(r"[0-9a-f]{64}\Z")
# As voting/ballots/domain/selection.py: ASCII digits as the id prints, at most 12 of them.
ENTRY_KEY = re.compile(r"(?:0|[1-9][0-9]{0,11})\Z", re.ASCII)
# As voting/contests/domain/spec.py's SLUG_PATTERN (is_slug): 1 to 64 of a-z, 0-9 and inner dashes.
SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\Z", re.ASCII)
LIMIT_MAX = 100  # max_choices and score_max, as VotingSpec
ID_MAX = 2**31 - 1  # entry ids are INTEGER columns


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def rules_problems(rules: Any) -> list[str]:
    """What is wrong with the shape of a rules object; [] when nothing."""
    if not isinstance(rules, dict):
        return ["the rules are not an object"]
    if set(rules) != RULES_KEYS:
        return [f"the rules have the keys {sorted(rules)}, not {sorted(RULES_KEYS)}"]
    found = []
    method = rules["method"]
    if method not in METHODS:
        found.append(f"unknown method {method!r}")
    expected = {"ranked_method": method == "ranked", "max_choices": method == "approval",
                "score_max": method == "score"}
    for key, given in expected.items():
        value = rules[key]
        if not given and value is not None:
            found.append(f"{key} must be null for the method {method!r}")
        elif given and key == "ranked_method" and value not in RANKED_METHODS:
            found.append(f"ranked_method {value!r} is not one of {', '.join(RANKED_METHODS)}")
        elif given and key != "ranked_method" and not (_is_int(value) and 1 <= value <= LIMIT_MAX):
            found.append(f"{key} must be a whole number from 1 to {LIMIT_MAX}")
    categories = rules["categories"]
    if not isinstance(categories, list):
        return found + ["categories is not a list"]
    slugs: set = set()
    placed: dict[int, str] = {}  # entry id -> the category that has it
    for n, category in enumerate(categories):
        where = f"category {n}"
        if not isinstance(category, dict) or set(category) != {"slug", "title", "entries"}:
            found.append(f"{where}: not an object of slug, title and entries")
            continue
        slug = category["slug"]
        if not isinstance(slug, str) or not SLUG.match(slug) or slug in slugs:
            found.append(f"{where}: the slug is not a slug (a-z, 0-9 and inner dashes), or repeats one before")
        slugs.add(slug if isinstance(slug, str) else None)
        entries = category["entries"]
        ok = isinstance(entries, list) and all(
            isinstance(e, dict) and set(e) == {"id", "title"} and _is_int(e["id"]) and 1 <= e["id"] <= ID_MAX
            and isinstance(e["title"], str) for e in entries)
        if not ok:
            found.append(f"{where}: entries are not a list of {{id, title}} with integer ids from 1 to {ID_MAX}")
            continue
        if [e["id"] for e in entries] != sorted({e["id"] for e in entries}):
            found.append(f"{where}: entries are not in ascending order of distinct ids")
        for entry in entries:
            other = placed.setdefault(entry["id"], str(slug))
            if other != str(slug):
                found.append(f"{where}: entry {entry['id']} is in category {other!r} too")
    return found


def category_entries(rules: dict) -> dict[str, frozenset[int]]:
    """{category slug: the ids of its entries} of a well-formed rules object."""
    return {c["slug"]: frozenset(e["id"] for e in c["entries"]) for c in rules["categories"]}


def _id_list(selection: Any, entries: frozenset[int], most: int | None) -> str | None:
    if not isinstance(selection, list) or not selection:
        return "the selection is not a non-empty list of entry ids"
    if most is not None and len(selection) > most:
        return f"the selection names {len(selection)} entries, at most {most} allowed"
    if not all(_is_int(v) for v in selection):
        return "the selection names an entry by something other than an integer id"
    if len(set(selection)) != len(selection):
        return "the selection names an entry more than once"
    strangers = [v for v in selection if v not in entries]
    if strangers:
        return f"the selection names {strangers[0]}, which is not an entry of the category"
    return None


def _scores(selection: Any, entries: frozenset[int], score_max: int) -> str | None:
    if not isinstance(selection, dict) or not selection:
        return "the selection is not a non-empty object of entry ids to stars"
    for key, stars in selection.items():
        if not (isinstance(key, str) and ENTRY_KEY.match(key)):
            return f"{key!r} is not an entry id written in canonical decimal"
        if int(key) not in entries:
            return f"the selection names {key}, which is not an entry of the category"
        if not _is_int(stars) or not 0 <= stars <= score_max:
            return f"the stars for entry {key} are not a whole number from 0 to {score_max}"
    return None


def selection_problem(rules: dict, entries: frozenset[int], selection: Any) -> str | None:
    """Why the selection cannot be a ballot under the rules in a category with
    these entries; None when it can."""
    method = rules["method"]
    if method == "single":
        return _id_list(selection, entries, 1)
    if method == "approval":
        return _id_list(selection, entries, rules["max_choices"])
    if method == "ranked":
        return _id_list(selection, entries, None)
    if method == "score":
        return _scores(selection, entries, rules["score_max"])
    return f"the method {method!r} takes no ballots"


def leaf_problems(leaf: Any, rules: dict, entries: dict[str, frozenset[int]] | None = None) -> list[str]:
    """What is wrong with a parsed leaf under its batch's (well-formed) rules;
    [] when nothing. `entries`: category_entries(rules), if already at hand."""
    if not isinstance(leaf, dict):
        return ["the leaf is not an object"]
    status = leaf.get("status")
    if status not in LEAF_STATUSES:
        return [f"the status {status!r} cannot be sealed"]
    keys = INVALIDATED_KEYS if status == "invalidated" else COUNTED_KEYS
    if set(leaf) != keys:
        return [f"a {status} leaf has the keys {sorted(keys)}, this one {sorted(leaf)}"]
    found = []
    if leaf["contest"] != rules["contest"]:
        found.append(f"the leaf names the contest {leaf['contest']!r}, its rules {rules['contest']!r}")
    if not (isinstance(leaf["receipt_hash"], str) and HEX64.match(leaf["receipt_hash"])):
        found.append("the receipt_hash is not 64 lower-case hexadecimal digits")
    entries = category_entries(rules) if entries is None else entries
    category = leaf["category"]
    if not isinstance(category, str) or category not in entries:
        found.append(f"the category {category!r} is not in the batch's rules")
    else:
        problem = selection_problem(rules, entries[category], leaf["selection"])
        if problem:
            found.append(problem)
    if status == "invalidated":
        if not isinstance(leaf["rule"], str):
            found.append("the rule is not a string")
        if not isinstance(leaf["reason"], str) or len(leaf["reason"]) > REASON_MAX:
            found.append(f"the reason is not a string of at most {REASON_MAX} characters")
        if not (isinstance(leaf["audit_hash"], str) and HEX64.match(leaf["audit_hash"])):
            found.append("the audit_hash is not 64 lower-case hexadecimal digits")
    return found
