#!/usr/bin/env python3
"""Verify a contest's published ledger, independently of the voting server.

Standalone: Python 3.10+ and its standard library only; it shares no code with
the server, so it checks the server rather than agreeing with it by
construction. docs/ledger.md describes every rule checked here.

    python verify_ledger.py LEDGER [--receipt CODE ...] [--proof RECEIPT_JSON ...]

LEDGER is the JSON of GET /api/v1/contests/{slug}/ledger, as a file or an
http(s) URL. --receipt looks a receipt code up among the published leaves;
--proof checks the `ledger` proof of a receipt (the JSON of
GET /api/v1/receipts/{code}, as a file or URL). Exit status: 0 all checks
passed, 1 a check failed, 2 the input could not be read.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import urllib.request
from collections import defaultdict


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def leaf_hash(leaf: bytes) -> bytes:
    return sha(b"\x00" + leaf)


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha(b"\x01" + left + right)


def merkle_root(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 Merkle Tree Hash (pairing from the left, an odd last node moving up)."""
    if not leaves:
        return sha(b"")
    level = [leaf_hash(x) for x in leaves]
    while len(level) > 1:
        up = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        level = up + ([level[-1]] if len(level) % 2 else [])
    return level[0]


def root_from_proof(hashed: bytes, index: int, size: int, proof: list[bytes]) -> bytes | None:
    """RFC 9162 §2.1.3.2: the root an inclusion proof leads to, or None if it cannot fit."""
    if not 0 <= index < size or any(len(p) != 32 for p in proof):
        return None
    fn, sn, r = index, size - 1, hashed
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return r if sn == 0 else None


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def chain(prev: str, root: str, seq: int, size: int) -> str:
    return hashlib.sha256(bytes.fromhex(prev) + bytes.fromhex(root) + seq.to_bytes(8, "big")
                          + size.to_bytes(8, "big")).hexdigest()


AMENDMENT_FIELDS = ("seq", "receipt_hash", "from", "to", "reason", "signed_off_by", "audit_hash", "created_at")


def receipt_hash(code: str) -> str:
    normal = code.strip().upper().replace("-", "").replace(" ", "").translate(str.maketrans("018", "OIB"))
    return hashlib.sha256(normal.encode()).hexdigest()


def load(source: str):
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=60) as answer:
            return json.load(answer)
    with open(source, encoding="utf-8") as f:
        return json.load(f)


def increments(method: str, selection) -> dict:
    """What a counted ballot adds per entry: a vote per chosen entry, the stars, or a first preference."""
    if isinstance(selection, dict):
        return {int(k): v for k, v in selection.items() if v}
    if method == "ranked":
        return {selection[0]: 1} if selection else {}
    return {entry: 1 for entry in selection}


class Verifier:
    def __init__(self, ledger: dict):
        self.ledger = ledger
        self.problems: list[str] = []
        self.leaves: dict[str, dict] = {}  # receipt hash -> leaf (as parsed), with its place
        self.status: dict[str, str] = {}   # receipt hash -> status after the amendments so far

    def fail(self, text: str) -> None:
        self.problems.append(text)
        print(f"FAIL {text}")

    def check_batches(self) -> None:
        slug = self.ledger["contest"]
        prev = hashlib.sha256(("voting-ledger:" + slug).encode("utf-8")).hexdigest()
        if self.ledger.get("genesis") != prev:
            self.fail("genesis is not SHA-256('voting-ledger:' + contest)")
        for number, batch in enumerate(self.ledger["batches"], 1):
            where = f"batch {batch.get('seq')}"
            if batch["seq"] != number:
                self.fail(f"{where}: expected batch number {number}")
            if batch["prev_chain"] != prev:
                self.fail(f"{where}: prev_chain is not the chain of the batch before")
            if batch["chain"] != chain(batch["prev_chain"], batch["root"], batch["seq"], batch["size"]):
                self.fail(f"{where}: chain does not match prev_chain, root, seq and size")
            prev = batch["chain"]
            if "leaves" in batch:
                self.check_leaves(where, batch)
        print(f"{len(self.ledger['batches'])} batch(es) chained, head {prev}")

    def check_leaves(self, where: str, batch: dict) -> None:
        texts = batch["leaves"]
        if len(texts) != batch["size"]:
            self.fail(f"{where}: {len(texts)} leaves for a size of {batch['size']}")
        if merkle_root([t.encode("utf-8") for t in texts]).hex() != batch["root"]:
            self.fail(f"{where}: root does not match its leaves")
        for index, text in enumerate(texts):
            leaf = json.loads(text)
            if canonical(leaf).decode("utf-8") != text:
                self.fail(f"{where} leaf {index}: not canonical JSON")
            if leaf.get("contest") != self.ledger["contest"] or leaf.get("status") not in ("counted", "invalidated"):
                self.fail(f"{where} leaf {index}: wrong contest or status")
            if leaf.get("receipt_hash") in self.leaves:
                self.fail(f"{where} leaf {index}: the same receipt appears twice")
            self.leaves[leaf.get("receipt_hash")] = {**leaf, "batch": batch["seq"], "index": index}
            self.status[leaf.get("receipt_hash")] = leaf.get("status")

    def check_amendments(self) -> None:
        slug = self.ledger["contest"]
        prev = hashlib.sha256(("voting-amendments:" + slug).encode("utf-8")).hexdigest()
        redacted = 0
        for number, item in enumerate(self.ledger["amendments"], 1):
            where = f"amendment {item.get('seq')}"
            if item["seq"] != number:
                self.fail(f"{where}: expected amendment number {number}")
            if item["prev_hash"] != prev:
                self.fail(f"{where}: prev_hash is not the hash of the amendment before")
            prev = item["hash"]
            if not all(k in item for k in AMENDMENT_FIELDS):
                redacted += 1  # while voting is open only the numbers, times and hashes are shown
                continue
            body = canonical({k: item[k] for k in AMENDMENT_FIELDS})
            if item["hash"] != hashlib.sha256(bytes.fromhex(item["prev_hash"]) + body).hexdigest():
                self.fail(f"{where}: hash does not match its fields")
            if self.ledger.get("leaves_published"):
                current = self.status.get(item["receipt_hash"])
                if current is None:
                    self.fail(f"{where}: amends a receipt that no leaf holds")
                elif current != item["from"]:
                    self.fail(f"{where}: changes {item['from']} but the ledger says {current}")
                self.status[item["receipt_hash"]] = item["to"]
        note = f" ({redacted} shown without their fields until voting closes)" if redacted else ""
        print(f"{len(self.ledger['amendments'])} amendment(s) chained{note}")

    def check_proof(self, receipt: dict) -> None:
        proof = receipt.get("ledger", receipt)
        name = receipt.get("receipt", "the receipt")
        if not proof:
            self.fail(f"{name}: no ledger proof (not sealed yet, under review, or voting still open)")
            return
        batch = next((b for b in self.ledger["batches"] if b["seq"] == proof["batch"]), None)
        if batch is None or batch["root"] != proof["root"] or batch["size"] != proof["size"]:
            self.fail(f"{name}: batch {proof['batch']} with that root and size is not in the ledger")
            return
        hashed = leaf_hash(proof["leaf"].encode("utf-8")) if proof.get("leaf") else bytes.fromhex(proof["leaf_hash"])
        path = [bytes.fromhex(p) for p in proof["proof"]]
        if root_from_proof(hashed, proof["index"], batch["size"], path) != bytes.fromhex(batch["root"]):
            self.fail(f"{name}: the inclusion proof does not lead to the root of batch {batch['seq']}")
            return
        if proof.get("leaf"):
            leaf = json.loads(proof["leaf"])
            if "receipt" in receipt and leaf.get("receipt_hash") != receipt_hash(receipt["receipt"]):
                self.fail(f"{name}: the proven leaf belongs to another receipt")
                return
            if leaf.get("contest") != self.ledger["contest"] or leaf.get("category") != receipt.get(
                    "category", leaf.get("category")):
                self.fail(f"{name}: the proven leaf is of another contest or category")
                return
            said, ledger_says = receipt.get("status"), self.status.get(leaf.get("receipt_hash"))
            if said in ("counted", "invalidated", "under_review") and ledger_says and said != ledger_says:
                self.fail(f"{name}: the receipt says {said}, the ledger {ledger_says}")
                return
        print(f"{name}: included in batch {batch['seq']} at index {proof['index']}")

    def check_receipt(self, code: str) -> None:
        if not self.ledger.get("leaves_published"):
            self.fail(f"{code}: leaves are not published yet (voting is open)")
            return
        leaf = self.leaves.get(receipt_hash(code))
        if leaf is None:
            self.fail(f"{code}: not in the ledger (held for review, or not sealed yet)")
            return
        print(f"{code}: batch {leaf['batch']} index {leaf['index']}, category {leaf['category']}, "
              f"selection {json.dumps(leaf['selection'])}, {self.status[receipt_hash(code)]}")

    def recount(self, method: str) -> None:
        boards: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        ballots: dict[str, int] = defaultdict(int)
        for key, leaf in self.leaves.items():
            if self.status[key] == "counted":
                ballots[leaf["category"]] += 1
                for entry, amount in increments(method, leaf["selection"]).items():
                    boards[leaf["category"]][entry] += amount
        print(f"recount ({method}{', first preferences' if method == 'ranked' else ''}), counted ballots only:")
        for category in sorted(ballots):
            counts = sorted(boards[category].items(), key=lambda i: (-i[1], i[0]))
            print(f"  {category}: {ballots[category]} ballot(s); "
                  + (", ".join(f"entry {e}: {n}" for e, n in counts) or "nothing"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ledger", help="ledger JSON: a file or an http(s) URL")
    parser.add_argument("--receipt", action="append", default=[], help="a receipt code to look up")
    parser.add_argument("--proof", action="append", default=[], help="a receipt's JSON (file or URL)")
    parser.add_argument("--method", help="voting method for the recount (default: the ledger's)")
    args = parser.parse_args(argv)
    try:
        ledger = load(args.ledger)
        receipts = [load(source) for source in args.proof]
    except (OSError, ValueError) as exc:
        print(f"cannot read the input: {exc}", file=sys.stderr)
        return 2
    verifier = Verifier(ledger)
    try:
        verifier.check_batches()
        verifier.check_amendments()
        for receipt in receipts:
            verifier.check_proof(receipt)
        for code in args.receipt:
            verifier.check_receipt(code)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        verifier.fail(f"malformed ledger or proof: {exc!r}")
    if ledger.get("leaves_published") and not verifier.problems:
        verifier.recount(args.method or ledger.get("method") or "single")
    elif not ledger.get("leaves_published"):
        print("leaves are published once voting has closed; roots and chain checked only")
    print(f"{'FAILED: ' + str(len(verifier.problems)) + ' problem(s)' if verifier.problems else 'OK'}")
    return 1 if verifier.problems else 0


if __name__ == "__main__":
    sys.exit(main())
