#!/usr/bin/env python3
"""Verify a contest's published ledger (format 2), trusting nothing the server says.

Python 3.10+ and its standard library only, in three files to download into one
directory: this one, `ledger_checks.py` (every check of the format) and
`counting.py` (the counting rules the tally uses too, so both count by the same
rules; also found at `../voting/results/domain/counting.py` in a copy of the
project). It shares no other code with the server, so it checks the server
rather than agreeing with it by construction. docs/ledger.md states every rule.

    python verify_ledger.py LEDGER [--save FILE] [--receipt CODE ...] [--proof RECEIPT_JSON ...]
                           [--results RESULTS_JSON] [--snapshot SNAPSHOT_JSON] [--audit AUDIT_JSON]

LEDGER is one of: the URL of GET /api/v1/contests/{slug}/ledger (every page
is followed, then every page of the amendments); a file written by --save
(the whole ledger read, as one JSON object); or the static export: the URL of
GET /api/v1/contests/{slug}/ledger/export, a local manifest file, or a
directory holding `manifest.json` (its files are read beside it). --receipt
looks a receipt code up among the leaves; --proof checks the `ledger` proof
of a receipt (the JSON of GET /api/v1/receipts/{code}). --results (the JSON
of GET /api/v1/contests/{slug}/results) recounts over its entries, compares
every entry's `public_votes` and the ledger head it names; --snapshot (GET
…/results/snapshots/{sha256}) checks the snapshot's hash and that the results
are the snapshot's; --audit (the organisers' GET /api/v1/contests/{slug}/audit)
checks the audit chain and every audit hash the ledger names. JSON inputs may
be files or http(s) URLs. Exit status: 0 all checks passed, 1 a check failed
(each failure is printed as a FAIL line saying what and where), 2 an input,
`ledger_checks.py` or `counting.py` could not be read.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Where counting.py is looked for: beside this script (a downloaded pair), then in the project's tree.
COUNTING_PLACES = (HERE / "counting.py", HERE.parent / "voting" / "results" / "domain" / "counting.py")


class Unreadable(Exception):
    """An input could not be read at all (exit status 2)."""


def load_file(name: str, path: Path):
    """A module loaded by its path (it imports nothing outside the standard library); OSError if missing."""
    if not path.is_file():
        raise OSError(f"{path.name} not found at {path}")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise OSError(f"cannot load {path}: {exc!r}") from exc
    return module


try:
    lc = load_file("verify_ledger_checks", HERE / "ledger_checks.py")
except OSError as exc:  # said by main(), which cannot check anything without it
    lc, MISSING = None, f"{exc}: download it with verify_ledger.py, into the same directory"
else:
    MISSING = None


# -- reading -----------------------------------------------------------------------------------------

def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def read_bytes(source: str) -> bytes:
    """A URL's body or a file's bytes; OSError (urllib.error.HTTPError for an HTTP status) when it cannot."""
    if is_url(source):
        with urllib.request.urlopen(source, timeout=120) as answer:
            return answer.read()
    with open(source, "rb") as f:
        return f.read()


def load(source: str):
    try:
        return json.loads(read_bytes(source))
    except (OSError, ValueError) as exc:
        raise Unreadable(f"{source}: {exc}") from exc


def load_counting():
    """counting.py, beside this script or in the project's tree; OSError if missing."""
    for path in COUNTING_PLACES:
        if path.is_file():
            return load_file("verify_ledger_counting", path)
    raise OSError("counting.py not found: it must be beside this script ({}) or at {}; download it "
                  "with verify_ledger.py".format(*COUNTING_PLACES))


class Source:
    """Where a ledger is read from. `meta` (contest, format, genesis values, method, what is published),
    `rules` (hash -> object, filled as batches are read), `head` (set once the batches are read);
    `amendments()` -> list; `batches()` yields (batch, leaves): leaves a list of leaf texts, None when
    withheld, False when the source already said why they are missing."""

    exact_head = True  # a saved file or an export is a snapshot: its head is exactly what it holds

    def __init__(self, doc: dict, fail):
        self.meta, self.fail, self.rules, self.head = doc, fail, {}, None

    def take_rules(self, rules) -> None:
        if not isinstance(rules, dict):
            self.fail(f"rules is not an object of rules hash to rules: {lc.shown(rules)}")
            return
        for key, value in rules.items():
            self.rules.setdefault(key, value)


class Saved(Source):
    """A file written by --save (or any JSON in that shape): one object holding every batch and amendment."""

    def __init__(self, doc: dict, fail):
        super().__init__(doc, fail)
        if doc.get("next") is not None:
            fail(f"this is one page of the ledger, not all of it: next is {lc.shown(doc.get('next'))}")

    def amendments(self):
        items = self.meta.get("amendments")
        if not isinstance(items, list):
            self.fail(f"the amendments are not a list: {lc.shown(items)}")
            return None
        return items

    def batches(self):
        self.take_rules(self.meta.get("rules"))
        batches = self.meta.get("batches")
        if not isinstance(batches, list):
            self.fail(f"batches is not a list: {lc.shown(batches)}")
            return
        for batch in batches:
            yield batch, batch.get("leaves") if isinstance(batch, dict) else None
        self.head = self.meta.get("head")


class Pages(Source):
    """The live API: ledger pages followed by `next`, then the amendments' pages."""

    exact_head = False  # amendments may be appended while the pages are read

    def __init__(self, doc: dict, url: str, fail):
        super().__init__(doc, fail)
        self.url = url

    def follow(self, url: str, what: str):
        """A page the ledger names: fetched, or a failure (a missing page is a withheld one)."""
        try:
            return json.loads(read_bytes(url))
        except urllib.error.HTTPError as exc:
            self.fail(f"{what} {url}: the server answers {exc.code}")
        except ValueError as exc:
            self.fail(f"{what} {url}: not JSON ({exc})")
        except OSError as exc:
            raise Unreadable(f"{url}: {exc}") from exc
        return None

    def same(self, page, what: str, keys) -> bool:
        if not isinstance(page, dict):
            self.fail(f"{what}: not a JSON object")
            return False
        differ = [k for k in keys if page.get(k) != self.meta.get(k)]
        if differ:
            self.fail(f"{what}: {', '.join(differ)} differ from the first page's")
        return not differ

    def amendments(self):
        link = self.meta.get("amendments_url")
        if not isinstance(link, str):
            self.fail(f"amendments_url is not a link: {lc.shown(link)}")
            return None
        url, found, pages = urllib.parse.urljoin(self.url, link), [], set()
        while url not in pages:
            pages.add(url)
            page = self.follow(url, "amendments page")
            if page is None or not self.same(page, f"amendments page {url}",
                                             ("contest", "amendments_genesis", "amendments_revealed")):
                return None
            items = page.get("amendments")
            if not isinstance(items, list):
                self.fail(f"amendments page {url}: amendments is not a list")
                return None
            first = items[0].get("seq") if items and isinstance(items[0], dict) else None
            if found and lc.is_int(first) and first <= len(found):  # else a server could go on forever
                self.fail(f"amendments page {url}: amendment {first} again after amendment {len(found)}: "
                          "the pages overlap")
                return None
            found += items
            nxt = page.get("next")
            if nxt is None:
                return found
            if not items or not isinstance(nxt, str):
                self.fail(f"amendments page {url}: names a next page {lc.shown(nxt)} but holds no amendment")
                return None
            url = urllib.parse.urljoin(url, nxt)
        self.fail(f"amendments page {url} is named twice: the pages go round in a circle")
        return None

    def batches(self):
        page, url, last = self.meta, self.url, 0
        while True:
            self.take_rules(page.get("rules"))
            items = page.get("batches")
            if not isinstance(items, list):
                self.fail(f"ledger page {url}: batches is not a list")
                return
            rules = page.get("rules") if isinstance(page.get("rules"), dict) else {}
            for batch in items:
                seq = batch.get("seq") if isinstance(batch, dict) else None
                digest = batch.get("rules_hash") if seq is not None else None
                if seq is not None and not (isinstance(digest, str) and digest in rules):
                    self.fail(f"ledger page {url}: batch {lc.shown(seq)}'s rules are not on its page")
                if lc.is_int(seq) and seq <= last:  # a server repeating pages would otherwise never end
                    self.fail(f"ledger page {url}: batch {seq} again after batch {last}: the pages overlap")
                    return
                last = seq if lc.is_int(seq) else last
                yield batch, batch.get("leaves") if isinstance(batch, dict) else None
            nxt = page.get("next")
            if nxt is None:
                self.head = page.get("head")
                return
            if not items or not isinstance(nxt, str):
                self.fail(f"ledger page {url}: names a next page {lc.shown(nxt)} but holds no batch")
                return
            url = urllib.parse.urljoin(url, nxt)
            page = self.follow(url, "ledger page")
            if page is None or not self.same(page, f"ledger page {url}", lc.META_KEYS):
                return


class Export(Source):
    """The static export: a manifest and gzip JSON-lines files beside it, each checked against the
    manifest's SHA-256 and size. An export is served once the leaves are published: it holds them all."""

    def __init__(self, doc: dict, base: str, fail):
        super().__init__({**doc, "leaves_published": True, "amendments_revealed": True}, fail)
        self.base = base  # the manifest's URL, or the directory it lies in

    def read(self, entry, what: str) -> bytes | None:
        """The file an entry names, uncompressed; None (after saying why) if missing or not the manifest's."""
        if not isinstance(entry, dict) or not all(k in entry for k in ("file", "sha256", "bytes")):
            self.fail(f"{what}: the manifest names no file, sha256 and bytes")
            return None
        name = entry["file"]
        if not isinstance(name, str) or not lc.FILE_NAME.match(name) or ".." in name:
            self.fail(f"{what}: {lc.shown(name)} is not a plain file name")
            return None
        where = f"{self.base}/{name}" if is_url(self.base) else str(Path(self.base) / name)
        try:
            data = read_bytes(where)
        except urllib.error.HTTPError as exc:
            self.fail(f"{what}: file {name}: the server answers {exc.code}")
            return None
        except FileNotFoundError:
            self.fail(f"{what}: file {name} is missing")
            return None
        except OSError as exc:
            raise Unreadable(f"{where}: {exc}") from exc
        if len(data) != entry["bytes"]:
            self.fail(f"{what}: file {name} has {len(data)} bytes, the manifest says {lc.shown(entry['bytes'])}")
        elif lc.sha_hex(data) != entry["sha256"]:
            self.fail(f"{what}: the SHA-256 of file {name} is not the manifest's")
        else:
            try:
                return gzip.decompress(data)
            except (OSError, EOFError, zlib.error) as exc:
                self.fail(f"{what}: file {name} is not gzip ({exc})")
        return None

    def lines(self, data: bytes, what: str) -> list[str] | None:
        if data and not data.endswith(b"\n"):
            self.fail(f"{what}: the last line does not end with a newline")
            return None
        try:
            return data.decode("utf-8").split("\n")[:-1] if data else []
        except UnicodeDecodeError as exc:
            self.fail(f"{what}: not UTF-8 ({exc})")
            return None

    def amendments(self):
        entry = self.meta.get("amendments")
        data = self.read(entry, "amendments")
        lines = None if data is None else self.lines(data, "amendments")
        if lines is None:
            return None
        if not lc.same(entry.get("count"), len(lines)):
            self.fail(f"amendments: the file holds {len(lines)}, the manifest's count is "
                      f"{lc.shown(entry.get('count'))}")
        found = []
        for n, line in enumerate(lines, 1):
            try:
                item = json.loads(line)
            except ValueError:
                self.fail(f"amendments file line {n}: not JSON")
                return None
            if lc.canonical(item).decode("utf-8") != line:
                self.fail(f"amendments file line {n}: not canonical JSON")
            found.append(item)
        return found

    def batches(self):
        self.take_rules(self.meta.get("rules"))
        batches = self.meta.get("batches")
        if not isinstance(batches, list):
            self.fail(f"batches is not a list: {lc.shown(batches)}")
            return
        for batch in batches:
            what = f"batch {batch.get('seq') if isinstance(batch, dict) else '?'}"
            data = self.read(batch, what)
            leaves = None if data is None else self.lines(data, what)
            yield batch, False if leaves is None else leaves
        self.head = self.meta.get("head")


def open_ledger(source: str, fail) -> Source:
    """The ledger's first document, read; the kind of source told by its shape."""
    path = Path(source)
    if not is_url(source) and path.is_dir():
        path = path / "manifest.json"
        source = str(path)
    doc = load(source)
    if not isinstance(doc, dict):
        raise Unreadable(f"{source}: not a JSON object")
    if isinstance(doc.get("amendments"), dict):
        return Export(doc, source.rstrip("/") if is_url(source) else str(path.parent), fail)
    if "amendments" in doc or not is_url(source):
        return Saved(doc, fail)
    return Pages(doc, source, fail)


class Saver:
    """--save: the ledger as read, written as it streams by, as one JSON object in the page's shape
    (every batch, `next` null) with every amendment, which this script reads back."""

    def __init__(self, path: str, meta: dict):
        self.out = open(path, "w", encoding="utf-8")
        fields = {k: meta.get(k) for k in lc.META_KEYS}
        self.out.write(json.dumps(fields)[:-1] + ',"batches":[')  # \u escapes: a lone surrogate is written too
        self.first = True

    def batch(self, batch, leaves) -> None:
        kept = {k: v for k, v in batch.items() if k not in ("file", "sha256", "bytes", "leaves")} \
            if isinstance(batch, dict) else batch
        if isinstance(kept, dict) and leaves:
            kept["leaves"] = leaves
        self.out.write(("" if self.first else ",") + json.dumps(kept))
        self.first = False

    def close(self, rules: dict, amendments, head: dict) -> None:
        tail = {"rules": rules, "amendments": amendments if isinstance(amendments, list) else [],
                "head": head, "next": None}
        self.out.write("]," + json.dumps(tail)[1:])
        self.out.close()



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
    if not lc.is_int(index) or lc.root_from_proof(hashed, index, batch["size"], [bytes.fromhex(p) for p in path]) \
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
    source = open_ledger(args.ledger, report.fail)
    because = ("the results are published" if results is not None else
               "an export holds every leaf" if isinstance(source, Export) else
               "leaves_published is true" if source.meta.get("leaves_published") is True else None)
    v = lc.Verifier(source, report, because, interesting(args.receipt, receipts))
    v.check_meta()
    items = source.amendments()
    v.check_amendments(items)
    saver = Saver(args.save, source.meta) if args.save else None
    for batch, leaves in source.batches():
        v.check_batch(batch, leaves)
        if saver:
            saver.batch(batch, leaves)
    leaves_read = v.finish_batches()
    v.apply_amendments(leaves_read)
    v.check_head(source.head)
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
        receipts = [load(source) for source in args.proof]
        results = load(args.results) if args.results else None
        snapshot = load(args.snapshot) if args.snapshot else None
        audit = load(args.audit) if args.audit else None
        if results is None and isinstance(snapshot, dict):  # the snapshot holds the results it was published as
            body = snapshot.get("body") or {}
            results = {**body.get("results", {}), "ledger": body.get("inputs", {}).get("ledger")}
        verify(args, report, results, snapshot, audit, receipts)
    except Unreadable as exc:
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
