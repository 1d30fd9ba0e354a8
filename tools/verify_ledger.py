#!/usr/bin/env python3
"""Verify a contest's published ledger, independently of the voting server.

Python 3.10+ and its standard library only. It counts with `counting.py`, the
file of counting rules that the tally uses too (so both count by the same
rules), found beside this script (download both) or at
`../voting/results/domain/counting.py`; otherwise it shares no code with the
server, so it checks the server rather than agreeing with it by construction.
docs/ledger.md describes every rule checked here.

    python verify_ledger.py LEDGER [--receipt CODE ...] [--proof RECEIPT_JSON ...]
                           [--results RESULTS_JSON] [--snapshot SNAPSHOT_JSON]

LEDGER is the JSON of GET /api/v1/contests/{slug}/ledger, as a file or an
http(s) URL. --receipt looks a receipt code up among the published leaves;
--proof checks the `ledger` proof of a receipt (the JSON of
GET /api/v1/receipts/{code}, as a file or URL). --results (the JSON of
GET /api/v1/contests/{slug}/results) recounts over its entries and compares
every entry's `public_votes` and the ledger head it names; --snapshot (the
JSON of GET /api/v1/contests/{slug}/results/snapshots/{sha256}) checks the
snapshot's hash, and that the results are the snapshot's. Exit status: 0 all
checks passed, 1 a check failed, 2 the input could not be read.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import sys
import urllib.request
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Where counting.py is looked for: beside this script (a downloaded pair), then in the project's tree.
COUNTING_PLACES = (HERE / "counting.py", HERE.parent / "voting" / "results" / "domain" / "counting.py")


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


def load_counting():
    """counting.py, loaded by its path (it imports nothing outside the standard library); OSError if missing."""
    for path in COUNTING_PLACES:
        if path.is_file():
            spec = importlib.util.spec_from_file_location("verify_ledger_counting", path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module  # its dataclasses look their module up
            try:
                spec.loader.exec_module(module)
            except Exception as exc:
                raise OSError(f"cannot load {path}: {exc!r}") from exc
            return module
    raise OSError("counting.py not found: it must be beside this script ({}) or at {}; download it "
                  "with verify_ledger.py".format(*COUNTING_PLACES))


def ledger_head(ledger: dict) -> dict:
    """The head a tally records: the last chain, the last amendment's hash, the numbers."""
    slug, batches, amended = ledger["contest"], ledger["batches"], ledger["amendments"]
    chain_head = batches[-1]["chain"] if batches else hashlib.sha256(f"voting-ledger:{slug}".encode()).hexdigest()
    amendment_hash = amended[-1]["hash"] if amended else hashlib.sha256(
        f"voting-amendments:{slug}".encode()).hexdigest()
    return {"batches": len(batches), "ballots": sum(b["size"] for b in batches), "chain": chain_head,
            "amendments": len(amended), "amendment_hash": amendment_hash, "seed": f"{chain_head}:{amendment_hash}"}


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
            self.fail(f"{code}: leaves are not published yet (they come out with the results)")
            return
        leaf = self.leaves.get(receipt_hash(code))
        if leaf is None:
            self.fail(f"{code}: not in the ledger (held for review, or not sealed yet)")
            return
        print(f"{code}: batch {leaf['batch']} index {leaf['index']}, category {leaf['category']}, "
              f"selection {json.dumps(leaf['selection'])}, {self.status[receipt_hash(code)]}")

    def selections(self) -> dict[str, list]:
        """category slug -> the selections of its ballots whose final status is counted."""
        found: dict[str, list] = defaultdict(list)
        for key, leaf in self.leaves.items():
            if self.status[key] == "counted":
                found[leaf["category"]].append(leaf["selection"])
        return found

    def check_head(self, results: dict) -> None:
        """The ledger head the results were tallied from must be this ledger's."""
        head, mine = results.get("ledger"), ledger_head(self.ledger)
        if not isinstance(head, dict) or any(k not in head for k in ("chain", "amendment_hash", "ballots")):
            self.fail("the results name no ledger head (chain, amendment_hash, ballots)")
            return
        wrong = [k for k in mine if k in head and head[k] != mine[k]]
        if wrong:
            self.fail(f"the results were tallied from another ledger: {', '.join(wrong)} differ (results: "
                      f"{head['ballots']} ballot(s), chain {head['chain']}, amendment {head['amendment_hash']})")
        else:
            print(f"the results were tallied from this ledger: {mine['ballots']} ballot(s), chain {mine['chain']}, "
                  f"amendment {mine['amendment_hash']}")
        if results.get("contest", self.ledger["contest"]) != self.ledger["contest"]:
            self.fail(f"the results are of contest {results.get('contest')!r}")

    def check_snapshot(self, snapshot: dict, results: dict | None) -> None:
        body, sha = snapshot.get("body"), snapshot.get("snapshot_sha256")
        if hashlib.sha256(canonical(body)).hexdigest() != sha:
            self.fail(f"snapshot {sha}: the SHA-256 of its canonical JSON is not that")
        else:
            print(f"snapshot {sha}: the SHA-256 of its canonical JSON matches")
        if results is None:
            return
        if results.get("snapshot_sha256") != sha:
            self.fail(f"the results name snapshot {results.get('snapshot_sha256')}, not {sha}")
        wrong = sorted(k for k, v in body["results"].items() if results.get(k) != v)
        if results.get("ledger") != body["inputs"]["ledger"]:
            wrong.append("ledger")
        if wrong:
            self.fail(f"the results differ from the snapshot they name: {', '.join(wrong)}")

    def recount(self, counting, method: str, results: dict | None) -> dict:
        """Count every category by `method` (counting.py): over the results' entries when given (a
        ballot's choice of any other entry is skipped), else over the entries the ballots name."""
        chosen = self.selections()
        given = {c["slug"]: c for c in results["categories"]} if results is not None else {}
        over = "the results' entries" if results is not None else "the entries the ballots name"
        print(f"recount ({method}: {MEANING[method]}), counted ballots only, over {over}:")
        counts = {}
        for slug in sorted(set(chosen) | set(given)):
            if results is not None and slug not in given:
                self.fail(f"{slug}: {len(chosen[slug])} counted ballot(s) in a category the results do not have")
                continue
            tie_order = None
            if slug in given:
                candidates = [placing["entry_id"] for placing in given[slug]["ranking"]]
                tie_order = ((given[slug].get("count") or {}).get("detail") or {}).get("tie_order")
            else:
                candidates = {int(e) for s in chosen[slug] for e in (s if isinstance(s, list) else
                                                                      counting.increments(method, s))}
            count = counts[slug] = counting.count_selections(method, candidates, chosen[slug], tie_order)
            shown = ", ".join(f"entry {e}: {count.scores[e]}" for group in count.order for e in group)
            skipped = count.detail.get("not_candidates")
            print(f"  {slug}: {count.ballots} ballot(s); {shown or 'nothing'}"
                  + (f" ({skipped} {MEANING[method]} for entries that do not stand, skipped)" if skipped else ""))
        return counts

    def compare(self, results: dict, counts: dict, method: str) -> None:
        """Every entry's public_votes in the results must be the recount's."""
        if results.get("method") != method:
            self.fail(f"the results were counted by {results.get('method')!r}, this recount by {method!r}")
        before, entries = len(self.problems), 0
        for category in results["categories"]:
            slug, count = category["slug"], counts.get(category["slug"])
            if count is None:
                continue
            if category.get("ballots", count.ballots) != count.ballots:
                self.fail(f"{slug}: the results count {category['ballots']} ballot(s), the recount {count.ballots}")
            for placing in category["ranking"]:
                entries += 1
                mine = count.scores.get(placing["entry_id"])
                if placing["public_votes"] != mine:
                    self.fail(f"{slug}: entry {placing['entry_id']} has public_votes {placing['public_votes']} "
                              f"in the results, {mine} in the recount")
            shown = (category.get("count") or {}).get("detail")
            if shown is not None and shown != json.loads(json.dumps(count.detail)):
                self.fail(f"{slug}: the count's detail in the results (IRV rounds, Schulze matrices) differs")
        if len(self.problems) == before:
            print(f"results: the public_votes of all {entries} entries in {len(results['categories'])} "
                  f"categories equal the recount")


MEANING = {"single": "votes", "approval": "votes", "score": "stars",
           "irv": "votes in the round each was eliminated, the winner's in the last round",
           "schulze": "how many entries each beats", "borda": "points"}


def counting_method(counting, given: str | None, ledger: dict, results: dict | None) -> str | None:
    """The method to recount by: counting.py's name for the contest's method (None: no public vote)."""
    method = given or ledger.get("method") or "single"
    if method == "ranked":
        named = ledger.get("ranked_method") or (results or {}).get("method")
        method = named if named in counting.RANKED else "irv"
    if method == "none":
        return None
    if method not in counting.METHODS:
        raise ValueError(f"unknown voting method {method!r}")
    return method


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ledger", help="ledger JSON: a file or an http(s) URL")
    parser.add_argument("--receipt", action="append", default=[], help="a receipt code to look up")
    parser.add_argument("--proof", action="append", default=[], help="a receipt's JSON (file or URL)")
    parser.add_argument("--results", help="the published RESULTS JSON (file or URL): recount over its entries "
                        "and compare every public_votes")
    parser.add_argument("--snapshot", help="the results' snapshot JSON (file or URL): check its hash")
    parser.add_argument("--method", help="voting method for the recount (default: the ledger's; "
                        "single, approval, score, ranked, irv, schulze or borda)")
    args = parser.parse_args(argv)
    try:
        ledger = load(args.ledger)
        receipts = [load(source) for source in args.proof]
        results = load(args.results) if args.results else None
        snapshot = load(args.snapshot) if args.snapshot else None
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
    ledger_ok = not verifier.problems
    try:
        if snapshot is not None:
            verifier.check_snapshot(snapshot, results)
            if results is None:  # the snapshot holds the results it was published as
                results = {**snapshot["body"]["results"], "ledger": snapshot["body"]["inputs"]["ledger"]}
        if results is not None and ledger_ok:
            verifier.check_head(results)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        verifier.fail(f"malformed results or snapshot: {exc!r}")
    if ledger.get("leaves_published") and ledger_ok:
        try:
            counting = load_counting()
        except OSError as exc:
            print(exc, file=sys.stderr)
            return 2
        try:
            method = counting_method(counting, args.method, ledger, results)
            if method is None:
                print("no public vote to recount (method none)")
            else:
                counts = verifier.recount(counting, method, results)
                if results is not None:
                    verifier.compare(results, counts, method)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            verifier.fail(f"cannot recount: {exc!r}")
    elif not ledger.get("leaves_published"):
        print("leaves are published with the results; roots and chain checked only")
    print(f"{'FAILED: ' + str(len(verifier.problems)) + ' problem(s)' if verifier.problems else 'OK'}")
    return 1 if verifier.problems else 0


if __name__ == "__main__":
    sys.exit(main())
