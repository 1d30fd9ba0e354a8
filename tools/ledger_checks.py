"""The checks of tools/verify_ledger.py: what ledger format 2 is, byte for byte, and everything a
ledger must satisfy, with nothing taken on trust (docs/ledger.md, "What a verifier must reject").

Python 3.10+ and its standard library only; it shares no code with the server. verify_ledger.py
loads this file by its path (download the two together, with counting.py); it reads the ledger and
hands each part to a `Verifier`, which says what is wrong and where: "batch N leaf M" (M the leaf's
position, from 0), "amendment K", "rules H", with the field at fault.

Speed: a batch's 10,000 leaves are parsed and re-encoded in one go when they are canonical (the
usual case), and looked at one by one only to say which is not; what is kept per ballot is its
receipt hash (duplicates) and, for the recount, a count per category and selection, except the few
ballots that amendments change, receipts look up or proofs prove, which are kept whole.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from datetime import datetime

FORMAT = 2
BATCH_MOST = 10_000
REASON_MOST = 500
HEX64 = re.compile(r"[0-9a-f]{64}\Z")
HEX_RUN = re.compile(r"(?:[0-9a-f]{64})*\Z")
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00\Z")  # UTC to the second, as hashed
ENTRY_KEY = re.compile(r"(?:0|[1-9][0-9]{0,17})\Z", re.ASCII)  # an id as canonical decimal digits
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}\Z")
METHODS = ("single", "approval", "score", "ranked", "none")
RANKED_METHODS = ("irv", "schulze", "borda")
STATUSES = ("counted", "under_review", "invalidated")
COUNTED_KEYS = frozenset({"contest", "category", "receipt_hash", "selection", "status"})
INVALIDATED_KEYS = COUNTED_KEYS | {"rule", "reason", "audit_hash"}
# `status` sorts last among a leaf's keys, so canonical leaf text ends with one of these.
LEAF_ENDINGS = (',"status":"counted"}', ',"status":"invalidated"}')
RULES_KEYS = frozenset({"contest", "method", "ranked_method", "max_choices", "score_max", "categories"})
HEADER_FIELDS = ("contest", "seq", "size", "root", "prev_chain", "sealed_at", "rules_hash", "audit_seq",
                 "audit_head")
BATCH_KEYS = frozenset(HEADER_FIELDS) | {"chain", "leaves", "file", "sha256", "bytes"}
AMENDMENT_FIELDS = ("seq", "receipt_hash", "from", "to", "reason", "signed_off_by", "audit_hash", "created_at")
FULL_AMENDMENT = frozenset(AMENDMENT_FIELDS) | {"prev_hash", "hash"}
SHORT_AMENDMENT = frozenset({"seq", "created_at", "prev_hash", "hash"})
HEAD_KEYS = ("batches", "ballots", "chain", "amendments", "amendment_hash")
AUDIT_FIELDS = ("seq", "actor", "action", "subject", "details", "created_at")
META_KEYS = ("contest", "format", "genesis", "amendments_genesis", "audit_genesis", "method", "ranked_method",
             "leaves_published", "amendments_revealed")
SHOWN_MOST = 500  # failures printed; the rest are counted


def sha_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle_root(hashed: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 over already hashed leaves (pairing from the left, an odd last node moving up)."""
    if not hashed:
        return hashlib.sha256(b"").digest()
    level = hashed
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


def genesis(kind: str, slug: str) -> str:
    return sha_hex(f"voting-{kind}:{slug}".encode("utf-8"))


def receipt_hash(code: str) -> str:
    normal = code.strip().upper().replace("-", "").replace(" ", "").translate(str.maketrans("018", "OIB"))
    return sha_hex(normal.encode())


def is_int(value) -> bool:
    return type(value) is int  # not bool, not float


def same(a, b) -> bool:
    """Equal as JSON values: in Python True == 1 == 1.0, which a verifier must not take for each other."""
    return type(a) is type(b) and a == b


def is_hex(value) -> bool:
    return isinstance(value, str) and HEX64.match(value) is not None


def is_stamp(value) -> bool:
    if not isinstance(value, str) or not STAMP.match(value):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, which JSON's \\u escapes can carry
        return False
    return True


def shown(value, most: int = 80) -> str:
    """A value as JSON, cut short, for a message."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= most else text[:most] + "…"


def printable(text: str) -> str:
    """Text from the ledger, safe to print: a lone surrogate (which JSON's \\u escapes can carry) as an escape."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


# -- the ballot rules -----------------------------------------------------------------------------------

class BallotRules:
    """A rules object, checked: the method and its limits, and each category's entry ids."""

    def __init__(self, obj: dict):
        self.method, self.ranked_method = obj["method"], obj["ranked_method"]
        self.max_choices, self.score_max = obj["max_choices"], obj["score_max"]
        self.entries = {c["slug"]: frozenset(e["id"] for e in c["entries"]) for c in obj["categories"]}
        self.verdicts: dict[tuple[str, str], str | None] = {}  # (category, selection text) -> problem

    @staticmethod
    def problems(obj, slug: str) -> list[str]:
        if not isinstance(obj, dict):
            return ["not an object"]
        if set(obj) != RULES_KEYS:
            return [f"keys {sorted(obj)}, not {sorted(RULES_KEYS)}"]
        found = []
        if obj["contest"] != slug:
            found.append(f"names contest {shown(obj['contest'])}")
        method = obj["method"]
        if method not in METHODS:
            found.append(f"unknown method {shown(method)}")
        for key, wanted in (("ranked_method", "ranked"), ("max_choices", "approval"), ("score_max", "score")):
            value = obj[key]
            if method != wanted and value is not None:
                found.append(f"{key} is {shown(value)}, not null, for the method {shown(method)}")
            elif method == wanted and key == "ranked_method" and value not in RANKED_METHODS:
                found.append(f"ranked_method {shown(value)} is not one of {', '.join(RANKED_METHODS)}")
            elif method == wanted and key != "ranked_method" and not (is_int(value) and value >= 1):
                found.append(f"{key} {shown(value)} is not a whole number of at least 1")
        categories = obj["categories"]
        if not isinstance(categories, list):
            return found + ["categories is not a list"]
        slugs = set()
        for n, category in enumerate(categories):
            if not isinstance(category, dict) or set(category) != {"slug", "title", "entries"}:
                found.append(f"category {n}: not an object of slug, title and entries")
                continue
            name, entries = category["slug"], category["entries"]
            if not isinstance(name, str) or not name or name in slugs or not isinstance(category["title"], str):
                found.append(f"category {n}: slug {shown(name)} empty, repeated or not a string, or title not one")
            slugs.add(name if isinstance(name, str) else None)
            if not isinstance(entries, list) or not all(
                    isinstance(e, dict) and set(e) == {"id", "title"} and is_int(e["id"]) and e["id"] >= 1
                    and isinstance(e["title"], str) for e in entries):
                found.append(f"category {shown(name)}: entries are not a list of {{id, title}} with whole ids")
            elif [e["id"] for e in entries] != sorted({e["id"] for e in entries}):
                found.append(f"category {shown(name)}: entries are not in ascending order of distinct ids")
        return found

    def selection_problem(self, selection, entries: frozenset) -> str | None:
        """Why this selection could not have been cast under these rules; None if it could."""
        method = self.method
        if method == "score":
            if type(selection) is not dict or not selection:
                return "not a non-empty object of entry ids to stars"
            for key, stars in selection.items():
                if not ENTRY_KEY.match(key):
                    return f"key {shown(key)} is not an entry id in canonical decimal"
                if int(key) not in entries:
                    return f"entry {key} is not an entry of this category"
                if not is_int(stars) or not 0 <= stars <= self.score_max:
                    return f"stars {shown(stars)} for entry {key} are not a whole number from 0 to {self.score_max}"
            return None
        if method == "none":
            return "the contest has no public vote"
        if type(selection) is not list:
            return "not a list of entry ids"
        most = 1 if method == "single" else self.max_choices if method == "approval" else len(entries)
        if not 1 <= len(selection) <= most:
            return f"names {len(selection)} entries; the {method} method takes 1 to {most}"
        for entry in selection:
            if not is_int(entry):
                return f"{shown(entry)} is not an integer entry id"
            if entry not in entries:
                return f"entry {entry} is not an entry of this category"
        if len(set(selection)) != len(selection):
            return "names an entry more than once"
        return None


# -- the checks ------------------------------------------------------------------------------------------

class Report:
    """Failures, each printed as a FAIL line (a few hundred at most: a ledger broken throughout would
    print a line per leaf), and counted."""

    def __init__(self):
        self.problems = 0

    def fail(self, text: str) -> None:
        self.problems += 1
        if self.problems <= SHOWN_MOST:
            print(printable(f"FAIL {text}"))
        elif self.problems == SHOWN_MOST + 1:
            print(f"FAIL … (only the first {SHOWN_MOST} failures are shown)")


class Verifier:
    """Checks a ledger part by part, in the order it is read: the ledger's own fields, the amendments'
    chain, each batch (header, chain, rules, leaves), then what needs all of them (the amendments'
    statuses, the head, the audit log). `source` gives `meta`, `rules` (hash -> object) and
    `exact_head` (verify_ledger.py's sources)."""

    def __init__(self, source, report: Report, leaves_because: str | None, interesting: set[str]):
        self.source, self.meta, self.report, self.fail = source, source.meta, report, report.fail
        slug = self.meta.get("contest")
        self.slug = slug if isinstance(slug, str) else ""
        # Why every leaf must be present (None: they may still be embargoed), and every amendment whole.
        self.leaves_because = leaves_because
        self.whole_because = leaves_because or ("amendments_revealed is true"
                                                if self.meta.get("amendments_revealed") is True else None)
        self.interesting = interesting  # receipt hashes whose leaves are kept: amended, looked up, proven
        self.chain, self.next_seq, self.ballots, self.sealed = genesis("ledger", self.slug), 1, 0, ""
        self.audit_at = (0, genesis("audit", self.slug))
        self.headers: dict[int, dict] = {}
        self.rules: dict[str, BallotRules | None] = {}
        self.method: tuple | None = None
        self.categories: dict[str, set[int]] = {}  # every category of every rules object, its entries
        self.seen: set[str] = set()
        self.kept: dict[str, dict] = {}
        self.tally: Counter = Counter()  # (category, selection key) -> counted ballots not kept apart
        self.invalidations: list[tuple] = []  # (batch, leaf, audit_hash, the batch's audit_seq)
        self.with_leaves = self.withheld = self.broken = 0
        self.amendments: list[dict] = []  # whole and well-formed, in seq order
        self.amendment_heads = [genesis("amendments", self.slug)]  # the amendment head after n of them

    # ledger -------------------------------------------------------------------------------------------

    def check_meta(self) -> None:
        meta, slug = self.meta, self.slug
        if not (is_int(meta.get("format")) and meta["format"] == FORMAT):
            self.fail(f"format is {shown(meta.get('format'))}, not {FORMAT}: this script reads format {FORMAT}")
        if not slug:
            self.fail(f"contest is {shown(meta.get('contest'))}, not a contest's slug")
        for key, kind in (("genesis", "ledger"), ("amendments_genesis", "amendments"), ("audit_genesis", "audit")):
            if meta.get(key) != genesis(kind, slug):
                self.fail(f"{key} is not SHA-256('voting-{kind}:{slug}'): {shown(meta.get(key))}")
        for key in ("leaves_published", "amendments_revealed"):
            if not isinstance(meta.get(key), bool):
                self.fail(f"{key} is {shown(meta.get(key))}, not true or false")
        if meta.get("method") not in METHODS:
            self.fail(f"method {shown(meta.get('method'))} is not one of {', '.join(METHODS)}")

    def check_amendments(self, items: list | None) -> None:
        """`items` None: the source could not give them, and has said why."""
        if items is None:
            return
        prev, last, short = self.amendment_heads[0], "", 0
        for n, item in enumerate(items, 1):
            if not isinstance(item, dict):
                self.fail(f"amendment {n}: not an object")
                return
            seq = item.get("seq")
            where = f"amendment {seq if is_int(seq) else n}"
            if not same(seq, n):
                self.fail(f"{where}: amendment {n} expected here (an amendment missing, repeated or out of order)")
            keys = set(item)
            if keys == SHORT_AMENDMENT:
                short += 1
                if self.whole_because:
                    self.fail(f"{where}: its fields are withheld although {self.whole_because}")
            elif keys != FULL_AMENDMENT:
                missing, extra = sorted(FULL_AMENDMENT - keys), sorted(keys - FULL_AMENDMENT)
                self.fail(f"{where}: " + "; ".join(x for x in (missing and "missing " + ", ".join(missing),
                                                                 extra and "extra " + ", ".join(extra)) if x))
            if item.get("prev_hash") != prev:
                self.fail(f"{where}: prev_hash is not the hash of amendment {n - 1}" if n > 1 else
                          f"{where}: prev_hash is not amendments_genesis")
            if not is_hex(item.get("hash")):
                self.fail(f"{where}: hash {shown(item.get('hash'))} is not 64 lower-case hex digits")
            created = item.get("created_at")
            if not is_stamp(created):
                self.fail(f"{where}: created_at {shown(created)} is not a UTC time to the second")
            elif created < last:
                self.fail(f"{where}: created_at {created} is earlier than amendment {n - 1}'s {last}")
            else:
                last = created
            if keys == FULL_AMENDMENT:
                self.check_amendment_fields(where, item)
            prev = item.get("hash")
            self.amendment_heads.append(prev)
        note = f" ({short} shown without their fields until voting closes)" if short else ""
        print(f"{len(items)} amendment(s) chained{note}")

    def check_amendment_fields(self, where: str, item: dict) -> None:
        found = []
        if not is_hex(item["receipt_hash"]):
            found.append(f"receipt_hash {shown(item['receipt_hash'])} is not 64 lower-case hex digits")
        for key in ("from", "to"):
            if item[key] not in STATUSES:
                found.append(f"{key} {shown(item[key])} is not one of {', '.join(STATUSES)}")
        if item["from"] == item["to"]:
            found.append(f"from and to are both {shown(item['to'])}: no change")
        for key, most in (("reason", REASON_MOST), ("signed_off_by", 320)):
            if not isinstance(item[key], str) or not item[key].strip() or len(item[key]) > most:
                found.append(f"{key} {shown(item[key])} is blank, not a string or over {most} characters")
        if not is_hex(item["audit_hash"]):
            found.append(f"audit_hash {shown(item['audit_hash'])} is not 64 lower-case hex digits")
        for text in found:
            self.fail(f"{where}: {text}")
        body = canonical({k: item[k] for k in AMENDMENT_FIELDS})
        if is_hex(item["prev_hash"]) and item["hash"] != sha_hex(bytes.fromhex(item["prev_hash"]) + body):
            self.fail(f"{where}: hash is not SHA-256 of prev_hash and its fields")
        elif not found:
            self.amendments.append(item)
            self.interesting.add(item["receipt_hash"])

    def check_batch(self, batch, leaves) -> None:
        if not isinstance(batch, dict):
            self.fail(f"the batch after batch {self.next_seq - 1}: not an object")
            return
        seq, size = batch.get("seq"), batch.get("size")
        where = f"batch {shown(seq)}"
        if not is_int(seq):
            self.fail(f"{where}: seq is not a whole number")
        elif seq != self.next_seq:
            self.fail(f"{where}: batch {self.next_seq} expected here (a batch missing, repeated or out of order)")
        if batch.get("contest", self.slug) != self.slug:
            self.fail(f"{where}: contest is {shown(batch.get('contest'))}")
        odd = sorted(set(batch) - BATCH_KEYS)
        if odd:
            print(f"note: {where} carries {', '.join(odd)}, which no hash covers (ignored)")
        if not (is_int(size) and 1 <= size <= BATCH_MOST):
            self.fail(f"{where}: size {shown(size)} is not a whole number from 1 to {BATCH_MOST}")
        for key in ("root", "prev_chain", "chain", "rules_hash", "audit_head"):
            if not is_hex(batch.get(key)):
                self.fail(f"{where}: {key} {shown(batch.get(key))} is not 64 lower-case hex digits")
        sealed = batch.get("sealed_at")
        if not is_stamp(sealed):
            self.fail(f"{where}: sealed_at {shown(sealed)} is not a UTC time to the second")
        elif sealed < self.sealed:
            self.fail(f"{where}: sealed_at {sealed} is earlier than the batch before's {self.sealed}")
        else:
            self.sealed = sealed
        if batch.get("prev_chain") != self.chain:
            self.fail(f"{where}: prev_chain is not the chain of batch {self.next_seq - 1}" if self.next_seq > 1
                      else f"{where}: prev_chain is not the genesis")
        header = {**{k: batch.get(k) for k in HEADER_FIELDS}, "contest": self.slug}
        if batch.get("chain") != sha_hex(canonical(header)):
            self.fail(f"{where}: chain is not SHA-256 of its header ({', '.join(HEADER_FIELDS)})")
        self.check_audit_head(where, batch.get("audit_seq"), batch.get("audit_head"))
        rules = self.rules_for(where, batch.get("rules_hash"))
        self.chain = batch.get("chain")
        self.next_seq = seq + 1 if is_int(seq) else self.next_seq + 1
        self.ballots += size if is_int(size) else 0
        if is_int(seq):
            self.headers[seq] = {k: batch.get(k) for k in HEADER_FIELDS[1:] + ("chain",)}
        self.check_leaves(where, batch, leaves, rules)

    def check_audit_head(self, where: str, audit_seq, audit_head) -> None:
        last_seq, last_head = self.audit_at
        if not (is_int(audit_seq) and audit_seq >= 0):
            self.fail(f"{where}: audit_seq {shown(audit_seq)} is not a whole number")
            return
        if audit_seq < last_seq:
            self.fail(f"{where}: audit_seq goes back from {last_seq} to {audit_seq}")
        elif audit_seq == last_seq and audit_head != last_head:
            self.fail(f"{where}: audit_head is not the audit genesis" if audit_seq == 0 else
                      f"{where}: audit_seq {audit_seq} again, with another audit_head")
        self.audit_at = (audit_seq, audit_head)

    def rules_for(self, where: str, digest) -> BallotRules | None:
        if not isinstance(digest, str):
            return None
        if digest in self.rules:
            return self.rules[digest]
        obj = self.source.rules.get(digest)
        if obj is None:
            self.fail(f"{where}: its rules {digest} are not published")
            self.rules[digest] = None
            return None
        found = BallotRules.problems(obj, self.slug)
        if sha_hex(canonical(obj)) != digest:
            found.insert(0, "the object does not hash to its key")
        for text in found:
            self.fail(f"rules {digest[:16]}… (of {where}): {text}")
        rules = self.rules[digest] = None if found else BallotRules(obj)
        if rules is None:
            return None
        for slug, entries in rules.entries.items():
            self.categories.setdefault(slug, set()).update(entries)
        method = (rules.method, rules.ranked_method)
        if self.method is None:
            self.method = method
            if (self.meta.get("method"), self.meta.get("ranked_method")) != method:
                self.fail(f"the ledger says method {shown(self.meta.get('method'))}, ranked_method "
                          f"{shown(self.meta.get('ranked_method'))}; its rules say {method[0]}, {shown(method[1])}")
        elif method != self.method:
            self.fail(f"{where}: its rules count by {method}, the batches before by {self.method}")
        return rules

    def check_leaves(self, where: str, batch: dict, leaves, rules: BallotRules | None) -> None:
        if leaves is False:  # the source has said why
            self.broken += 1
            return
        if leaves is None:
            self.withheld += 1
            if self.leaves_because:
                self.fail(f"{where}: leaves withheld although {self.leaves_because}")
            return
        self.with_leaves += 1
        if not isinstance(leaves, list) or not all(type(t) is str for t in leaves):
            self.fail(f"{where}: leaves is not a list of leaf texts")
            self.broken += 1
            return
        if len(leaves) != batch.get("size"):
            self.fail(f"{where}: {len(leaves)} leaves for a size of {shown(batch.get('size'))}")
        try:
            hashed = [hashlib.sha256(b"\x00" + t.encode("utf-8")).digest() for t in leaves]
        except UnicodeEncodeError:
            index = next(i for i, t in enumerate(leaves) if not t.isascii() and not _encodable(t))
            self.fail(f"{where} leaf {index}: not encodable as UTF-8 (a lone surrogate)")
            self.broken += 1
            return
        if merkle_root(hashed).hex() != batch.get("root"):
            self.fail(f"{where}: root is not the Merkle tree hash of its leaves")
        self.check_leaf_objects(where, batch, leaves, rules)

    def parse(self, where: str, texts: list[str]) -> tuple[list, set[int]]:
        """The leaves parsed, and the positions of those that are not the canonical JSON of what they
        hold. The whole batch at once when every leaf is (one parse and one encoding instead of
        10,000), else leaf by leaf, to say which is not. The batch's text holding as many ends of a
        leaf (`,"status":"counted"}` or `…"invalidated"}`) as it has leaves, each leaf's text ending
        with one, pins text i to leaf i: every object with a leaf's keys ends with one, so none of
        them can straddle two texts unless another object is not a leaf, which is said."""
        joined = "[" + ",".join(texts) + "]"
        try:
            parsed = json.loads(joined)
            if (len(parsed) == len(texts) and canonical(parsed).decode("utf-8") == joined
                    and sum(joined.count(end) for end in LEAF_ENDINGS) == len(texts)
                    and all(t.endswith(LEAF_ENDINGS) for t in texts)):
                return parsed, set()
        except (ValueError, RecursionError):
            pass
        found, odd = [], set()
        for index, text in enumerate(texts):
            try:
                value = json.loads(text)
            except (ValueError, RecursionError):
                self.fail(f"{where} leaf {index}: not JSON: {shown(text)}")
                value = None
            else:
                if canonical(value).decode("utf-8") != text:
                    self.fail(f"{where} leaf {index}: not canonical JSON: {shown(text)}")
                    odd.add(index)
            found.append(value)
        return found, odd

    def check_leaf_objects(self, where: str, batch: dict, texts: list[str], rules: BallotRules | None) -> None:
        """Each leaf's keys, contest, category, receipt hash and selection. A selection is judged once
        per category and exact text (`rules.verdicts`): a batch of a popular vote repeats a few
        hundred selections thousands of times. Counted ballots are tallied by that text too. Only a
        canonical leaf's verdict is kept, and its text holds its own selection unless the leaf fails
        a check (a `reason` that is not a string, say): no wrong verdict is used unseen."""
        parsed, odd = self.parse(where, texts)
        fail, slug, kept, interesting, tally = self.fail, self.slug, self.kept, self.interesting, self.tally
        entries_of = rules.entries if rules is not None else {}
        verdicts = rules.verdicts if rules is not None else {}
        digests = []
        for index, leaf in enumerate(parsed):
            if type(leaf) is not dict:
                if leaf is not None:
                    fail(f"{where} leaf {index}: not a JSON object")
                continue
            status = leaf.get("status")
            want = COUNTED_KEYS if status == "counted" else INVALIDATED_KEYS if status == "invalidated" else None
            if want is None:
                fail(f"{where} leaf {index}: status {shown(status)} is not counted or invalidated")
                continue
            if leaf.keys() != want:
                missing, extra = sorted(want - leaf.keys()), sorted(leaf.keys() - want)
                fail(f"{where} leaf {index}: " + "; ".join(x for x in (
                    missing and f"missing {', '.join(missing)}", extra and f"extra {', '.join(extra)}") if x)
                     + (" for a counted leaf" if status == "counted" else " for an invalidated leaf"))
                continue
            good = index not in odd
            if leaf["contest"] != slug:
                fail(f"{where} leaf {index}: contest is {shown(leaf['contest'])}")
                good = False
            digest, category, selection = leaf["receipt_hash"], leaf["category"], leaf["selection"]
            if type(digest) is str:
                digests.append(digest)
            else:
                fail(f"{where} leaf {index}: receipt_hash {shown(digest)} is not 64 lower-case hex digits")
                good = False
            entries = entries_of.get(category) if type(category) is str else None
            if rules is None:
                good = False  # said already: the batch's rules are missing or malformed
            elif entries is None:
                fail(f"{where} leaf {index}: category {shown(category)} is not in the batch's rules")
                good = False
            else:
                # A canonical leaf holds its selection between `"selection":` and its last `,"status":`.
                text = texts[index]
                key = text[text.find('"selection":') + 12:text.rfind(',"status":')] if good else None
                problem = verdicts.get((category, key), False) if good else False
                if problem is False:
                    problem = rules.selection_problem(selection, entries)
                    if good and len(verdicts) < 100_000:
                        verdicts[category, key] = problem
                if problem:
                    fail(f"{where} leaf {index}: selection {shown(selection)} in {category}: {problem}")
                    good = False
            if status == "invalidated":
                good = self.check_invalidation(where, index, leaf, batch.get("audit_seq")) and good
            if not good:
                continue
            if digest in interesting:
                kept[digest] = {"batch": batch.get("seq"), "index": index, "sealed_at": batch.get("sealed_at"),
                                "status": status, "category": category, "key": key, "selection": selection}
            elif status == "counted":
                tally[category, key] += 1
        self.check_receipt_hashes(where, digests, parsed)

    def check_invalidation(self, where: str, index: int, leaf: dict, audit_seq) -> bool:
        good = True
        for key in ("rule", "reason"):
            if not isinstance(leaf[key], str) or len(leaf[key]) > REASON_MOST:
                self.fail(f"{where} leaf {index}: {key} {shown(leaf[key])} is not a string of at most "
                          f"{REASON_MOST} characters")
                good = False
        if is_hex(leaf["audit_hash"]):
            self.invalidations.append((where, index, leaf["audit_hash"], audit_seq))
        else:
            self.fail(f"{where} leaf {index}: audit_hash {shown(leaf['audit_hash'])} is not 64 lower-case hex "
                      "digits (an invalidation names its decision's audit entry)")
            good = False
        return good

    def check_receipt_hashes(self, where: str, digests: list[str], parsed: list) -> None:
        """64 lower-case hex digits each, and none twice in the ledger: for the whole batch at once,
        then, if that fails, leaf by leaf to say which."""
        fresh = set(digests)
        if (set(map(len, digests)) <= {64} and HEX_RUN.match("".join(digests)) and len(fresh) == len(digests)
                and self.seen.isdisjoint(fresh)):
            self.seen |= fresh
            return
        for index, leaf in enumerate(parsed):
            digest = leaf.get("receipt_hash") if type(leaf) is dict else None
            if type(digest) is not str:
                continue  # said already, or not a leaf at all
            if not HEX64.match(digest):
                self.fail(f"{where} leaf {index}: receipt_hash {shown(digest)} is not 64 lower-case hex digits")
            elif digest in self.seen:
                self.fail(f"{where} leaf {index}: receipt_hash {digest} is in the ledger twice")
            self.seen.add(digest)

    def finish_batches(self) -> bool:
        """After the last batch: whether every leaf was read (so amendments can be followed and the
        public vote recounted)."""
        print(f"{len(self.headers)} batch(es) chained, {self.ballots} ballot(s), head {self.chain}")
        if self.withheld and self.with_leaves:
            self.fail(f"leaves are given for {self.with_leaves} batch(es) and withheld for {self.withheld}")
        return not self.withheld and not self.broken and (self.with_leaves > 0 or self.leaves_because is not None)

    def apply_amendments(self, leaves_read: bool) -> None:
        """Each amendment's `from` must be its ballot's status at that point: its leaf's, then the
        amendments before. Without the leaves, an amendment's first change of a ballot starts from a
        status a leaf can have."""
        status: dict[str, str] = {}
        for item in self.amendments:
            where, digest = f"amendment {item['seq']}", item["receipt_hash"]
            leaf = self.kept.get(digest) if leaves_read else None
            if leaves_read and leaf is None:
                self.fail(f"{where}: no leaf holds receipt_hash {digest}")
                continue
            if leaf is not None and is_stamp(leaf["sealed_at"]) and item["created_at"] < leaf["sealed_at"]:
                self.fail(f"{where}: made at {item['created_at']}, before batch {leaf['batch']} holding its leaf "
                          f"was sealed at {leaf['sealed_at']}")
            current = leaf["status"] if leaf is not None else status.get(digest)
            if current is None and item["from"] not in ("counted", "invalidated"):
                self.fail(f"{where}: the first change of receipt {digest[:16]}… is from {item['from']}, "
                          "but a sealed leaf is counted or invalidated")
            elif current is not None and item["from"] != current:
                self.fail(f"{where}: changes receipt {digest[:16]}… from {item['from']}, but it is {current} "
                          "at that point")
            status[digest] = item["to"]
            if leaf is not None:
                leaf["status"] = item["to"]

    def head(self) -> dict:
        return {"batches": len(self.headers), "ballots": self.ballots, "chain": self.chain,
                "amendments": len(self.amendment_heads) - 1, "amendment_hash": self.amendment_heads[-1]}

    def check_head(self, head) -> None:
        """The head the server names must be what was read; a live ledger may have gained amendments
        after its head was taken, so there it may name an earlier amendment of the chain read."""
        mine = self.head()
        if not isinstance(head, dict) or any(k not in head for k in HEAD_KEYS):
            self.fail(f"the ledger's head is not an object of {', '.join(HEAD_KEYS)}: {shown(head)}")
            return
        keys = HEAD_KEYS if self.source.exact_head else HEAD_KEYS[:3]
        for key in keys:
            if not same(head[key], mine[key]):
                self.fail(f"head: {key} is {shown(head[key])}, but the ledger read gives {shown(mine[key])}")
        if self.source.exact_head:
            return
        named = head["amendments"]
        if not (is_int(named) and 0 <= named <= mine["amendments"]):
            self.fail(f"head: amendments is {shown(named)}, but {mine['amendments']} were read")
        elif head["amendment_hash"] != self.amendment_heads[named]:
            self.fail(f"head: amendment_hash is not the hash of amendment {named}")
        elif named < mine["amendments"]:
            print(f"note: {mine['amendments'] - named} amendment(s) were made after the head was read")

    # given more ---------------------------------------------------------------------------------------

    def check_audit(self, audit) -> None:
        entries = audit.get("entries") if isinstance(audit, dict) else None
        if not isinstance(entries, list):
            self.fail("the audit log holds no list of entries")
            return
        if audit.get("contest") != self.slug:
            self.fail(f"the audit log is of contest {shown(audit.get('contest'))}")
        prev, chain = genesis("audit", self.slug), []
        for n, entry in enumerate(entries, 1):
            where = f"audit entry {n}"
            if not isinstance(entry, dict) or set(entry) != set(AUDIT_FIELDS) | {"prev_hash", "hash"}:
                self.fail(f"{where}: not an object of {', '.join(AUDIT_FIELDS)}, prev_hash and hash")
                return
            if not same(entry["seq"], n):
                self.fail(f"{where}: seq is {shown(entry['seq'])} (an entry missing, repeated or out of order)")
            if entry["prev_hash"] != prev:
                self.fail(f"{where}: prev_hash is not the hash of the entry before")
            body = canonical({k: entry[k] for k in AUDIT_FIELDS})
            if entry["hash"] != sha_hex(str(entry["prev_hash"]).encode("utf-8") + b"\n" + body):
                self.fail(f"{where}: hash is not SHA-256 of prev_hash, a newline and its fields")
            prev = entry["hash"]
            chain.append(prev if isinstance(prev, str) else None)
        print(f"audit log: {len(chain)} entries chained")
        place = {h: n for n, h in enumerate(chain, 1)}
        for seq, header in self.headers.items():
            at = header["audit_seq"]
            if is_int(at) and at > len(chain):
                self.fail(f"batch {seq}: its audit head is entry {at}, but the audit log has {len(chain)}")
            elif is_int(at) and at and chain[at - 1] != header["audit_head"]:
                self.fail(f"batch {seq}: audit_head is not the hash of audit entry {at}")
        for item in self.amendments:
            if item["audit_hash"] not in place:
                self.fail(f"amendment {item['seq']}: audit_hash is no entry of the audit log")
        for where, index, digest, at in self.invalidations:
            if digest not in place:
                self.fail(f"{where} leaf {index}: audit_hash is no entry of the audit log")
            elif is_int(at) and place[digest] > at:
                self.fail(f"{where} leaf {index}: its decision, audit entry {place[digest]}, comes after the "
                          f"batch's audit head {at}")

    def audit_note(self) -> None:
        named = len(self.headers) + len(self.amendments) + len(self.invalidations)
        if named:
            print(f"note: {named} audit hash(es) named (batch audit heads, amendments, invalidated leaves); "
                  "--audit with the contest's audit log checks them")
