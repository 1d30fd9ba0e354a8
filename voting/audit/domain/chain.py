"""The audit log's hash chain. Pure.

Each entry's hash is SHA-256 over the previous entry's hash and the canonical
JSON of the entry (sorted keys, no spaces, UTF-8), so changing, removing or
reordering any entry changes every hash after it.

docs/ledger.md publishes this chain byte for byte. Unlike the ledger's own
encoding, an entry's details may hold floats (a contest's settings), written
as Python's json writes them (repr: `1.0`, `0.5`, `1e-05`); the page says so,
and a change here would break every chain already written."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Iterable


def genesis(contest_slug: str) -> str:
    return hashlib.sha256(f"voting-audit:{contest_slug}".encode()).hexdigest()


def canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(fields)).hexdigest()


def problems(contest_slug: str, entries: Iterable[tuple[dict[str, Any], str, str]]) -> list[str]:
    """Check a chain given (fields, prev_hash, hash) in order; answers what is wrong."""
    found = []
    expected_prev = genesis(contest_slug)
    for position, (fields, prev_hash, stored) in enumerate(entries, start=1):
        if fields.get("seq") != position:
            found.append(f"entry {position}: sequence number {fields.get('seq')} (a row is missing or added)")
        if prev_hash != expected_prev:
            found.append(f"entry {position}: does not follow the entry before it")
        if entry_hash(prev_hash, fields) != stored:
            found.append(f"entry {position}: its content does not match its hash")
        expected_prev = stored
    return found
