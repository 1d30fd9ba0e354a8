#!/usr/bin/env python3
"""Verify a contest's published ledger (format 2), trusting nothing the server says.

Python 3.10+ and its standard library only, in five files to download into one directory: this
one, its three companions of tools/ (`ledger_sources.py` reads the ledger; `ledger_checks.py` and
`ledger_chains.py` make every check of the format) and `counting.py` (the counting rules the tally
uses too, so both count by the same rules; also found at `../voting/results/domain/counting.py` in
a copy of the project). It shares no other code with the server, so it checks the server rather
than agreeing with it by construction. docs/ledger.md states every rule.

    python verify_ledger.py LEDGER [--save FILE] [--receipt CODE ...] [--proof RECEIPT_JSON ...]
                           [--results RESULTS_JSON] [--snapshot SNAPSHOT_JSON] [--audit AUDIT_JSON]

LEDGER is one of: the URL of GET /api/v1/contests/{slug}/ledger (the amendments' pages are read,
then every ledger page, then any amendment the pages' heads name beyond those read); a file
written by --save (the whole ledger read, as one JSON object); or the static export: the URL of
GET /api/v1/contests/{slug}/ledger/export, a local manifest file, or a directory holding
`manifest.json` (its files are read beside it). --receipt looks a receipt code up among the leaves;
--proof checks the `ledger` proof of a receipt (the JSON of GET /api/v1/receipts/{code}).
--results (the JSON of GET /api/v1/contests/{slug}/results) recounts over its entries, compares
every entry's `public_votes` and the ledger head it names; --snapshot (GET
…/results/snapshots/{sha256}) checks the snapshot's hash and that the results are the snapshot's;
--audit (the organisers' GET /api/v1/contests/{slug}/audit) checks the audit chain and that every
audit hash the ledger names is the decision it says. JSON inputs may be files or http(s) URLs.
Exit status: 0 all checks passed, 1 a check failed (each failure is printed as a FAIL line saying
what and where), 2 an input or a companion file could not be read.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The companions, beside this script, each loaded under its own name (the later import the earlier).
COMPANIONS = ("ledger_checks", "ledger_sources", "ledger_chains")
# Where counting.py is looked for: beside this script, then in the project's tree.
COUNTING_PLACES = (HERE / "counting.py", HERE.parent / "voting" / "results" / "domain" / "counting.py")


def load_file(name: str, path: Path):
    """A module loaded by its path (it imports nothing outside the standard library and the companions
    loaded before it); OSError if missing."""
    if not path.is_file():
        raise OSError(f"{path.name} not found at {path}")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up, and the companions each other
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise OSError(f"cannot load {path}: {exc!r}") from exc
    return module


def load_companions():
    """The three companions, or the first that is missing, said (main() cannot check anything without)."""
    try:
        return [load_file(name, HERE / f"{name}.py") for name in COMPANIONS], None
    except OSError as exc:
        return None, (f"{exc}: download {', '.join(n + '.py' for n in COMPANIONS)} with verify_ledger.py, "
                      "into the same directory")


loaded, MISSING = load_companions()
lc, ls, lv = loaded if loaded else (None, None, None)


def load_counting():
    """counting.py, beside this script or in the project's tree; OSError if missing."""
    for path in COUNTING_PLACES:
        if path.is_file():
            return load_file("verify_ledger_counting", path)
    raise OSError("counting.py not found: it must be beside this script ({}) or at {}; download it "
                  "with verify_ledger.py".format(*COUNTING_PLACES))


def root_from_proof(hashed: bytes, index: int, size: int, proof: list[bytes]) -> bytes | None:
    """RFC 9162 §2.1.3.2: the root an inclusion proof leads to, or None if it cannot fit."""
    if not 0 <= index < size or any(len(p) != 32 for p in proof):
        return None
    fn, sn, r = index, size - 1, hashed
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = lc.node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = lc.node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return r if sn == 0 else None


# -- receipts, results and the recount -----------------------------------------------------------------

def proof_of(receipt) -> dict | None:
    return receipt.get("ledger", receipt) if isinstance(receipt, dict) else None


def check_proof(v, receipt) -> None:
    """A receipt's inclusion proof leads to the root of the batch it names, in this ledger."""
    proof, name = proof_of(receipt), receipt.get("receipt", "the receipt") if isinstance(receipt, dict) else "?"
    if not isinstance(proof, dict):
        v.fail(f"{name}: no ledger proof (not sealed yet, under review, or voting still open)")
        return
    batch = v.headers.get(proof.get("batch")) if lc.is_int(proof.get("batch")) else None
    if batch is None or batch["root"] != proof.get("root") or batch["size"] != proof.get("size"):
        v.fail(f"{name}: batch {lc.shown(proof.get('batch'))} with that root and size is not in the ledger")
        return
    leaf, path = proof.get("leaf"), proof.get("proof")
    if not isinstance(leaf, str) or not isinstance(path, list) or not all(lc.is_hex(p) for p in path):
        v.fail(f"{name}: the proof's leaf or path is malformed")
        return
    hashed = lc.leaf_hash(leaf.encode("utf-8"))
    if proof.get("leaf_hash", hashed.hex()) != hashed.hex():
        v.fail(f"{name}: leaf_hash is not the hash of the leaf")
    index = proof.get("index")
    if not lc.is_int(index) or root_from_proof(hashed, index, batch["size"], [bytes.fromhex(p) for p in path]) \
            != bytes.fromhex(batch["root"]):
        v.fail(f"{name}: the inclusion proof does not lead to the root of batch {proof['batch']}")
        return
    try:
        fields = json.loads(leaf)
    except ValueError:
        fields = None
    if not isinstance(fields, dict) or "receipt" in receipt and fields.get("receipt_hash") != lc.receipt_hash(
            receipt["receipt"]):
        v.fail(f"{name}: the proven leaf belongs to another receipt")
        return
    if fields.get("contest") != v.slug or fields.get("category") != receipt.get("category", fields.get("category")):
        v.fail(f"{name}: the proven leaf is of another contest or category")
        return
    kept = v.kept.get(fields.get("receipt_hash"))
    if kept is not None and (kept["batch"], kept["index"]) != (proof["batch"], index):
        v.fail(f"{name}: the proof puts the leaf at batch {proof['batch']} index {index}, the ledger at "
               f"batch {kept['batch']} index {kept['index']}")
        return
    said = receipt.get("status")
    if kept is not None and said in lc.STATUSES and said != kept["status"]:
        v.fail(f"{name}: the receipt says {said}, the ledger {kept['status']}")
        return
    print(f"{name}: included in batch {proof['batch']} at index {index}")


def check_receipt(v, code: str, leaves_read: bool) -> None:
    if not leaves_read:
        v.fail(f"{code}: the leaves are not published yet (they come out with the results)")
        return
    leaf = v.kept.get(lc.receipt_hash(code))
    if leaf is None:
        v.fail(f"{code}: not in the ledger (held for review, or not sealed yet)")
        return
    print(f"{code}: batch {leaf['batch']} index {leaf['index']}, category {leaf['category']}, "
          f"selection {json.dumps(leaf['selection'])}, {leaf['status']}")


def check_results_head(v, results: dict) -> None:
    """The ledger head the results were tallied from must be this ledger's, and their draws' seed
    (docs/results.md) a chain value and an amendment hash of it."""
    head, mine = results.get("ledger"), v.head()
    if results.get("contest", v.slug) != v.slug:
        v.fail(f"the results are of contest {lc.shown(results.get('contest'))}")
    if not isinstance(head, dict) or any(k not in head for k in ("chain", "amendment_hash", "ballots")):
        v.fail("the results name no ledger head (chain, amendment_hash, ballots)")
        return
    wrong = [k for k in lc.HEAD_KEYS if k in head and not lc.same(head[k], mine[k])]
    if head.get("unsealed"):  # a preview's: it counted ballots the ledger does not hold
        wrong.append("unsealed")
    if wrong:
        v.fail(f"the results were tallied from another ledger: {', '.join(wrong)} differ (results: "
               f"{head['ballots']} ballot(s), chain {head['chain']}, amendment {head['amendment_hash']})")
    else:
        print(f"the results were tallied from this ledger: {mine['ballots']} ballot(s), chain {mine['chain']}, "
              f"amendment {mine['amendment_hash']}")
    seed, source = head.get("seed"), head.get("seed_source")
    if isinstance(seed, str) and isinstance(source, str) and source.startswith("ledger"):
        chain, _, amended = seed.partition(":")
        chains = {lc.genesis("ledger", v.slug)} | {h["chain"] for h in v.headers.values()}
        if chain not in chains or amended not in v.amendment_heads:
            v.fail(f"the results' seed ({source}) is not a chain value and an amendment hash of this ledger")


def check_snapshot(v, snapshot, results: dict | None) -> None:
    body, sha = snapshot.get("body"), snapshot.get("snapshot_sha256")
    if lc.sha_hex(lc.canonical(body)) != sha:
        v.fail(f"snapshot {sha}: the SHA-256 of its canonical JSON is not that")
    else:
        print(f"snapshot {sha}: the SHA-256 of its canonical JSON matches")
    if results is None:
        return
    if results.get("snapshot_sha256") != sha:
        v.fail(f"the results name snapshot {results.get('snapshot_sha256')}, not {sha}")
    wrong = sorted(k for k, value in body["results"].items() if results.get(k) != value)
    if results.get("ledger") != body["inputs"]["ledger"]:
        wrong.append("ledger")
    if wrong:
        v.fail(f"the results differ from the snapshot they name: {', '.join(wrong)}")


MEANING = {"single": "votes", "approval": "votes", "score": "stars",
           "irv": "votes in the round each was eliminated, the winner's in the last round",
           "schulze": "how many entries each beats", "borda": "points"}


def counting_method(counting, given: str | None, v) -> str | None:
    """The method to recount by: counting.py's name for the rules' method (None: no public vote)."""
    method, ranked = v.method or (v.meta.get("method"), v.meta.get("ranked_method"))
    method = given or method or "single"
    if method == "ranked":
        method = ranked if ranked in counting.RANKED else "irv"
    if method == "none":
        return None
    if method not in counting.METHODS:
        raise ValueError(f"unknown voting method {method!r}")
    return method


def recount(v, counting, method: str, results: dict | None) -> dict:
    """Count every category by `method` (counting.py), the counted ballots only: over the results'
    entries when given (a ballot's choice of any other entry is skipped), else over the entries the
    rules name."""
    chosen: dict[str, Counter] = {}
    for (category, key), n in v.tally.items():
        chosen.setdefault(category, Counter())[key] += n
    for leaf in v.kept.values():
        if leaf["status"] == "counted":
            chosen.setdefault(leaf["category"], Counter())[leaf["key"]] += 1
    given = {c["slug"]: c for c in results["categories"]} if results is not None else {}
    over = "the results' entries" if results is not None else "the entries the rules name"
    print(f"recount ({method}: {MEANING[method]}), counted ballots only, over {over}:")
    counts = {}
    for slug in (sorted(set(chosen) | set(given)) if results is not None else list(v.categories)):
        ballots = chosen.get(slug, Counter())
        if results is not None and slug not in given:
            v.fail(f"{slug}: {sum(ballots.values())} counted ballot(s) in a category the results do not have")
            continue
        tie_order = None
        if slug in given:
            candidates = [placing["entry_id"] for placing in given[slug]["ranking"]]
            tie_order = ((given[slug].get("count") or {}).get("detail") or {}).get("tie_order")
        else:
            candidates = sorted(v.categories[slug])
        selections = [(json.loads(text), n) for text, n in ballots.items()]  # once per distinct selection
        if method in counting.RANKED:
            count = counting.count(method, candidates, profile={tuple(s): n for s, n in selections},
                                   tie_order=tie_order)
        else:
            totals: Counter = Counter()
            for selection, n in selections:
                for entry, amount in counting.increments(method, selection).items():
                    totals[entry] += amount * n
            count = counting.count(method, candidates, totals=dict(totals), ballots=sum(ballots.values()))
        counts[slug] = count
        scores = ", ".join(f"entry {e}: {count.scores[e]}" for group in count.order for e in group)
        skipped = count.detail.get("not_candidates")
        print(f"  {slug}: {count.ballots} ballot(s); {scores or 'nothing'}"
              + (f" ({skipped} {MEANING[method]} for entries that do not stand, skipped)" if skipped else ""))
    return counts


def compare(v, results: dict, counts: dict, method: str) -> None:
    """Every entry's public_votes in the results must be the recount's."""
    if results.get("method") != method:
        v.fail(f"the results were counted by {results.get('method')!r}, this recount by {method!r}")
    before, entries = v.report.problems, 0
    for category in results["categories"]:
        slug, count = category["slug"], counts.get(category["slug"])
        if count is None:
            continue
        if category.get("ballots", count.ballots) != count.ballots:
            v.fail(f"{slug}: the results count {category['ballots']} ballot(s), the recount {count.ballots}")
        for placing in category["ranking"]:
            entries += 1
            mine = count.scores.get(placing["entry_id"])
            if placing["public_votes"] != mine:
                v.fail(f"{slug}: entry {placing['entry_id']} has public_votes {placing['public_votes']} "
                       f"in the results, {mine} in the recount")
        detail = (category.get("count") or {}).get("detail")
        if detail is not None and detail != json.loads(json.dumps(count.detail)):
            v.fail(f"{slug}: the count's detail in the results (IRV rounds, Schulze matrices) differs")
    if v.report.problems == before:
        print(f"results: the public_votes of all {entries} entries in {len(results['categories'])} "
              f"categories equal the recount")


# -- the command -------------------------------------------------------------------------------------------

def interesting(codes: list[str], receipts: list) -> set[str]:
    """The receipt hashes whose leaves are kept whole: those looked up and those proven."""
    found = {lc.receipt_hash(code) for code in codes}
    for receipt in receipts:
        proof = proof_of(receipt)
        try:
            found.add(json.loads(proof["leaf"])["receipt_hash"])
        except (KeyError, TypeError, ValueError):
            pass  # check_proof says what is wrong with it
    return found


def verify(args, report, results, snapshot, audit, receipts) -> None:
    source = ls.open_ledger(args.ledger, report.fail)
    because = ("the results are published" if results is not None else
               "an export holds every leaf" if isinstance(source, ls.Export) else
               "leaves_published is true" if source.meta.get("leaves_published") is True else None)
    v = lv.Verifier(source, report, because, interesting(args.receipt, receipts))
    v.check_meta()
    # The amendments first: every one read now has its leaf among the batches read next.
    items = source.amendments()
    v.interesting.update(item["receipt_hash"] for item in items or []
                         if isinstance(item, dict) and isinstance(item.get("receipt_hash"), str))
    saver = ls.Saver(args.save, source.meta) if args.save else None
    for batch, leaves in source.batches():
        v.check_batch(batch, leaves)
        if saver:
            saver.batch(batch, leaves)
    leaves_read = v.finish_batches()
    items = source.settle(items)  # a live ledger: the amendments of the state its pages read
    v.check_amendments(items)
    for seq, wanted in sorted(v.unkept().items()) if leaves_read else ():
        again = source.batch_again(seq)  # an amendment made while reading: its leaf went by unkept
        if again is not None:
            v.promote(seq, *again, wanted)
    v.apply_amendments(leaves_read)
    v.check_heads(source.heads, source.exact_head)
    if saver:
        saver.close(source.rules, items, v.head())
        print(f"saved the ledger read to {args.save}")
    if audit is not None:
        v.check_audit(audit)
    else:
        v.audit_note()
    for receipt in receipts:
        check_proof(v, receipt)
    for code in args.receipt:
        check_receipt(v, code, leaves_read)
    ledger_ok = not report.problems
    if snapshot is not None:
        check_snapshot(v, snapshot, results if args.results else None)
    if results is not None and ledger_ok:
        check_results_head(v, results)
    if not leaves_read:
        print("no recount: some leaves are missing" if because else "the leaves are not published yet (they come "
              "out with the results): chains, headers and rules checked; no recount")
        return
    if not ledger_ok:
        return
    counting = load_counting()
    method = counting_method(counting, args.method, v)
    if method is None:
        print("no public vote to recount (method none)")
        return
    counts = recount(v, counting, method, results)
    if results is not None:
        compare(v, results, counts, method)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ledger", help="the ledger: its API URL, a saved file, or the export (manifest URL, "
                        "manifest file or directory)")
    parser.add_argument("--save", metavar="FILE", help="write the ledger read to FILE as one JSON object")
    parser.add_argument("--receipt", action="append", default=[], metavar="CODE", help="a receipt code to look up")
    parser.add_argument("--proof", action="append", default=[], metavar="RECEIPT_JSON", help="a receipt's JSON (file or URL)")
    parser.add_argument("--results", metavar="RESULTS_JSON", help="the published RESULTS JSON (file or URL): recount over its entries "
                        "and compare every public_votes")
    parser.add_argument("--snapshot", metavar="SNAPSHOT_JSON", help="the results' snapshot JSON (file or URL): check its hash")
    parser.add_argument("--audit", metavar="AUDIT_JSON", help="the contest's audit log JSON (file or URL, organisers): check its chain "
                        "and every audit hash the ledger names")
    parser.add_argument("--method", help="voting method for the recount (default: the rules'; "
                        "single, approval, score, ranked, irv, schulze or borda)")
    args = parser.parse_args(argv)
    if MISSING:
        print(MISSING, file=sys.stderr)
        return 2
    report = lc.Report()
    try:
        receipts = [ls.load(source) for source in args.proof]
        results = ls.load(args.results) if args.results else None
        snapshot = ls.load(args.snapshot) if args.snapshot else None
        audit = ls.load(args.audit) if args.audit else None
        if results is None and isinstance(snapshot, dict):  # the snapshot holds the results it was published as
            body = snapshot.get("body") or {}
            results = {**body.get("results", {}), "ledger": body.get("inputs", {}).get("ledger")}
        verify(args, report, results, snapshot, audit, receipts)
    except ls.Unreadable as exc:
        print(f"cannot read the input: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # counting.py missing, or --save cannot write
        print(exc, file=sys.stderr)
        return 2
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        report.fail(f"malformed input: {exc!r}")
    print(f"FAILED: {report.problems} problem(s)" if report.problems else "OK")
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
