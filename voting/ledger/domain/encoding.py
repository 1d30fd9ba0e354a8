"""What goes into the ledger, byte for byte: leaves, the ballot rules, the
batch headers and their chain, and the amendment chain. Pure. docs/ledger.md
states the same rules for outsiders; change one and the other together.

Format 2 (docs/ledger.md): every field a batch publishes is covered by its
chain value (the header's hash), the rules a selection is checked against
(method, its limits, the categories and their entries) are published and
hashed, an invalidated leaf says which rule held it, why it was invalidated
and which audit-log entry records the decision, and each batch carries the
audit log's head when it was sealed.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

FORMAT = 2
LEAF_STATUSES = ("counted", "invalidated")
STATUSES = ("counted", "under_review", "invalidated")
# The fields an amendment's hash covers, besides the previous hash.
AMENDMENT_FIELDS = ("seq", "receipt_hash", "from", "to", "reason", "signed_off_by", "audit_hash", "created_at")
# The fields a batch's chain value covers (the header); `chain` itself and the leaves (bound by `root`) aside.
HEADER_FIELDS = ("contest", "seq", "size", "root", "prev_chain", "sealed_at", "rules_hash", "audit_seq",
                 "audit_head")
REASON_MAX = 500


def _no_floats(value: Any) -> None:
    # A float has no single spelling across JSON libraries (1.0, 1, 1e0); the
    # encoding holds integers, strings, booleans, null, lists and objects only.
    if isinstance(value, float):
        raise TypeError("floats have no canonical encoding")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError("object keys must be strings")
            _no_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _no_floats(item)


def canonical(value: Any) -> bytes:
    """Canonical JSON: keys sorted, no spaces, UTF-8 (not \\u escapes), integers as integers."""
    _no_floats(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def sha_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def leaf(contest: str, category: str, receipt_hash: str, selection: Any, status: str,
         invalidation: tuple[str, str, str] | None = None) -> str:
    """A ballot's leaf text; the tree hashes its UTF-8 bytes.

    A counted leaf has exactly the five fields contest, category,
    receipt_hash, selection and status. An invalidated one has three more,
    from `invalidation` = (rule, reason, audit_hash): the rule or check that
    held the ballot ("" when none did: an organiser invalidated it
    unprompted), the organiser's reason, and the hash of the audit-log entry
    that records the decision."""
    if status not in LEAF_STATUSES:
        raise ValueError(f"a {status!r} ballot is not sealed")
    fields: dict[str, Any] = {"contest": contest, "category": category, "receipt_hash": receipt_hash,
                              "selection": selection, "status": status}
    if status == "invalidated":
        if invalidation is None:
            raise ValueError("an invalidated leaf says which rule, why and which audit entry")
        rule, reason, audit_hash = invalidation
        fields.update(rule=rule or "", reason=reason[:REASON_MAX], audit_hash=audit_hash)
    elif invalidation is not None:
        raise ValueError("only an invalidated leaf carries an invalidation")
    return canonical(fields).decode("utf-8")


def genesis(contest: str) -> str:
    """chain_0: ties the chain to the contest, so batches cannot move between contests."""
    return sha_hex(("voting-ledger:" + contest).encode("utf-8"))


def amendments_genesis(contest: str) -> str:
    return sha_hex(("voting-amendments:" + contest).encode("utf-8"))


def audit_genesis(contest: str) -> str:
    """The audit log's chain before its first entry (voting/audit/domain/chain.py)."""
    return sha_hex(("voting-audit:" + contest).encode("utf-8"))


def rules(contest: str, method: str, ranked_method: str | None, max_choices: int | None,
          score_max: int | None, categories: list[tuple[str, str, list[tuple[int, str]]]]) -> dict[str, Any]:
    """The ballot rules a batch's selections are checked against.

    `categories` is [(slug, title, [(entry id, entry title), ...]), ...] in
    the contest's order; the entries of a category are every entry a ballot
    may have named: those handed in (any status but draft: an entry approved
    when the ballot was cast may have been withdrawn or sent back since).
    `max_choices` is given for approval only, `score_max` for score only,
    `ranked_method` for ranked only; the others are null."""
    return {"contest": contest, "method": method,
            "ranked_method": ranked_method if method == "ranked" else None,
            "max_choices": max_choices if method == "approval" else None,
            "score_max": score_max if method == "score" else None,
            "categories": [{"slug": slug, "title": title,
                            "entries": [{"id": i, "title": t} for i, t in sorted(entries)]}
                           for slug, title, entries in categories]}


def rules_hash(rules_object: dict[str, Any]) -> str:
    return sha_hex(canonical(rules_object))


def header(contest: str, seq: int, size: int, root: str, prev_chain: str, sealed_at: str, rules_hash: str,
           audit_seq: int, audit_head: str) -> dict[str, Any]:
    """A batch's header: every published field of the batch but its chain value and its leaves.
    `sealed_at` is UTC to the second, e.g. 2021-05-18T12:05:00+00:00."""
    return {"contest": contest, "seq": seq, "size": size, "root": root, "prev_chain": prev_chain,
            "sealed_at": sealed_at, "rules_hash": rules_hash, "audit_seq": audit_seq, "audit_head": audit_head}


def chain(header_fields: dict[str, Any]) -> str:
    """chain_n = SHA-256(canonical JSON of header_n); header_n names chain_{n-1} as its prev_chain."""
    return sha_hex(canonical({name: header_fields[name] for name in HEADER_FIELDS}))


def amendment_fields(seq: int, receipt_hash: str, from_status: str, to_status: str, reason: str,
                     signed_off_by: str, audit_hash: str, created_at: str) -> dict[str, Any]:
    return {"seq": seq, "receipt_hash": receipt_hash, "from": from_status, "to": to_status, "reason": reason,
            "signed_off_by": signed_off_by, "audit_hash": audit_hash, "created_at": created_at}


def amendment_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """hash_n = SHA-256(hash_{n-1} as 32 raw bytes || canonical JSON of the fields), in hex."""
    body = {name: fields[name] for name in AMENDMENT_FIELDS}
    return sha_hex(bytes.fromhex(prev_hash) + canonical(body))
