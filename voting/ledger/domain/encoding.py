"""What goes into the ledger, byte for byte: leaves, the batch chain and the
amendment chain. Pure. docs/ledger.md states the same rules for outsiders;
change one and the other together.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

LEAF_STATUSES = ("counted", "invalidated")
# The fields an amendment's hash covers, besides the previous hash.
AMENDMENT_FIELDS = ("seq", "receipt_hash", "from", "to", "reason", "signed_off_by", "audit_hash", "created_at")


def _no_floats(value: Any) -> None:
    # A float has no single spelling across JSON libraries (1.0, 1, 1e0); the
    # encoding holds integers, strings, lists and objects only.
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


def leaf(contest: str, category: str, receipt_hash: str, selection: Any, status: str) -> str:
    """A ballot's leaf text; the tree hashes its UTF-8 bytes."""
    if status not in LEAF_STATUSES:
        raise ValueError(f"a {status!r} ballot is not sealed")
    return canonical({"contest": contest, "category": category, "receipt_hash": receipt_hash,
                      "selection": selection, "status": status}).decode("utf-8")


def _sha_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def genesis(contest: str) -> str:
    """chain_0: ties the chain to the contest, so batches cannot move between contests."""
    return _sha_hex(("voting-ledger:" + contest).encode("utf-8"))


def chain(prev_chain: str, root: str, seq: int, size: int) -> str:
    """chain_n = SHA-256(chain_{n-1} || root_n || seq 8-byte big-endian || size 8-byte big-endian),
    hashes as their 32 raw bytes; answered in hex."""
    return _sha_hex(bytes.fromhex(prev_chain) + bytes.fromhex(root) + seq.to_bytes(8, "big")
                    + size.to_bytes(8, "big"))


def amendments_genesis(contest: str) -> str:
    return _sha_hex(("voting-amendments:" + contest).encode("utf-8"))


def amendment_fields(seq: int, receipt_hash: str, from_status: str, to_status: str, reason: str,
                     signed_off_by: str, audit_hash: str, created_at: str) -> dict[str, Any]:
    return {"seq": seq, "receipt_hash": receipt_hash, "from": from_status, "to": to_status, "reason": reason,
            "signed_off_by": signed_off_by, "audit_hash": audit_hash, "created_at": created_at}


def amendment_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """hash_n = SHA-256(hash_{n-1} as 32 raw bytes || canonical JSON of the fields), in hex."""
    body = {name: fields[name] for name in AMENDMENT_FIELDS}
    return _sha_hex(bytes.fromhex(prev_hash) + canonical(body))
