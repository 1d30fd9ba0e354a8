"""The checks of tools/verify_ledger.py, part 1: what ledger format 2 is, byte for byte (hashes,
canonical JSON, the tree, the ballot rules), and what every leaf of a batch must be, with nothing
taken on trust (docs/ledger.md, "What a verifier must reject"). Part 2, ledger_chains.py, checks
the ledger's own fields, the batches' headers and chains, the amendments, the heads and the audit
log; its `Verifier` is both parts.

Python 3.10+ and its standard library only; it shares no code with the server. verify_ledger.py
loads this file by its path (download the four files of tools/ together, with counting.py), first
of its companions: ledger_sources.py (which reads the ledger) and ledger_chains.py import it by
name. The Verifier says what is wrong and where: "batch N leaf M" (M the leaf's position, from 0),
"amendment K", "rules H", with the field at fault.

Speed: a batch's 10,000 leaves are parsed and re-encoded in one go when they are canonical (the
usual case), and looked at one by one only to say which is not; what is kept per ballot is its
receipt hash and its batch (duplicates, and a late amendment's leaf to fetch again) and, for the
recount, a count per category and selection, except the few ballots that amendments change,
receipts look up or proofs prove, which are kept whole.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime

FORMAT = 2
BATCH_MOST = 10_000
REASON_MOST = 500
HEX64 = re.compile(r"[0-9a-f]{64}\Z")
HEX_RUN = re.compile(r"(?:[0-9a-f]{64})*\Z")
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00\Z")  # UTC to the second, as hashed
ENTRY_KEY = re.compile(r"(?:0|[1-9][0-9]{0,11})\Z", re.ASCII)  # an id as canonical decimal, 12 digits at most
SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\Z", re.ASCII)  # a contest's or category's slug
LIMIT_MOST = 100  # max_choices and score_max
ID_MOST = 2**31 - 1  # entry ids
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


def is_slug(value) -> bool:
    return isinstance(value, str) and SLUG.match(value) is not None


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
        self.limits = (self.method, self.ranked_method, self.max_choices, self.score_max)
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
            elif method == wanted and key != "ranked_method" and not (is_int(value) and 1 <= value <= LIMIT_MOST):
                found.append(f"{key} {shown(value)} is not a whole number from 1 to {LIMIT_MOST}")
        categories = obj["categories"]
        if not isinstance(categories, list):
            return found + ["categories is not a list"]
        slugs, placed = set(), {}
        for n, category in enumerate(categories):
            if not isinstance(category, dict) or set(category) != {"slug", "title", "entries"}:
                found.append(f"category {n}: not an object of slug, title and entries")
                continue
            name, entries = category["slug"], category["entries"]
            if not is_slug(name) or name in slugs or not isinstance(category["title"], str):
                found.append(f"category {n}: slug {shown(name)} is not a slug (1 to 64 of a-z, 0-9 and inner "
                             "dashes) or is repeated, or its title is not a string")
            slugs.add(name if isinstance(name, str) else None)
            if not isinstance(entries, list) or not all(
                    isinstance(e, dict) and set(e) == {"id", "title"} and is_int(e["id"]) and 1 <= e["id"] <= ID_MOST
                    and isinstance(e["title"], str) for e in entries):
                found.append(f"category {shown(name)}: entries are not a list of {{id, title}} with whole ids "
                             f"from 1 to {ID_MOST}")
                continue
            if [e["id"] for e in entries] != sorted({e["id"] for e in entries}):
                found.append(f"category {shown(name)}: entries are not in ascending order of distinct ids")
            for entry in entries:
                other = placed.setdefault(entry["id"], name)
                if other != name:
                    found.append(f"entry {entry['id']} is in categories {shown(other)} and {shown(name)}")
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


class LeafChecks:
    """The checks of a batch's leaves, for the Verifier (ledger_chains.py), whose attributes they use:
    `fail`, `slug`, `meta`, `leaves_because`, `interesting`, `where`, `kept`, `tally`, `headers`,
    `invalidations` and the counts of batches with leaves, withheld or broken."""

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
        if self.meta.get("leaves_published") is not True and not self.unpublished_said:
            self.unpublished_said = True  # a server contradicting itself: which does it mean?
            self.fail(f"{where}: leaves are given although leaves_published is "
                      f"{shown(self.meta.get('leaves_published'))}")
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
        self.check_receipt_hashes(where, batch.get("seq"), digests, parsed)

    def check_invalidation(self, where: str, index: int, leaf: dict, audit_seq) -> bool:
        good = True
        for key in ("rule", "reason"):
            if not isinstance(leaf[key], str) or len(leaf[key]) > REASON_MOST:
                self.fail(f"{where} leaf {index}: {key} {shown(leaf[key])} is not a string of at most "
                          f"{REASON_MOST} characters")
                good = False
        if is_hex(leaf["audit_hash"]):
            self.invalidations.append((where, index, leaf["audit_hash"], audit_seq, leaf["reason"]))
        else:
            self.fail(f"{where} leaf {index}: audit_hash {shown(leaf['audit_hash'])} is not 64 lower-case hex "
                      "digits (an invalidation names its decision's audit entry)")
            good = False
        return good

    def check_receipt_hashes(self, where: str, seq, digests: list[str], parsed: list) -> None:
        """64 lower-case hex digits each, and none twice in the ledger: for the whole batch at once,
        then, if that fails, leaf by leaf to say which. Each is remembered with its batch."""
        fresh = dict.fromkeys(digests, seq)
        if (set(map(len, digests)) <= {64} and HEX_RUN.match("".join(digests)) and len(fresh) == len(digests)
                and self.where.keys().isdisjoint(fresh)):
            self.where.update(fresh)
            return
        for index, leaf in enumerate(parsed):
            digest = leaf.get("receipt_hash") if type(leaf) is dict else None
            if type(digest) is not str:
                continue  # said already, or not a leaf at all
            if not HEX64.match(digest):
                self.fail(f"{where} leaf {index}: receipt_hash {shown(digest)} is not 64 lower-case hex digits")
            elif digest in self.where:
                self.fail(f"{where} leaf {index}: receipt_hash {digest} is in the ledger twice")
            self.where.setdefault(digest, seq)

    def promote(self, seq: int, batch, leaves, wanted: set[str]) -> set[str]:
        """The leaves of `wanted` receipts, from batch `seq` read again (a live ledger's amendment
        read after its leaf went by), kept whole as if they had been wanted the first time; answers
        those found. The batch must be the one read: the same size and root."""
        where, header = f"batch {seq} read again", self.headers.get(seq, {})
        if not isinstance(batch, dict) or not isinstance(leaves, list) or not all(type(t) is str for t in leaves):
            self.fail(f"{where}: not a batch with its leaves")
            return set()
        try:
            root = merkle_root([leaf_hash(t.encode("utf-8")) for t in leaves]).hex()
        except UnicodeEncodeError:
            root = None
        if len(leaves) != header.get("size") or root != header.get("root") or batch.get("root") != root:
            self.fail(f"{where}: its leaves are not those of batch {seq} as first read (size, root)")
            return set()
        found = set()
        for index, text in enumerate(leaves):
            try:
                leaf = json.loads(text)
            except ValueError:
                continue  # said the first time
            digest = leaf.get("receipt_hash") if type(leaf) is dict else None
            if digest not in wanted or digest in self.kept or leaf.get("status") not in ("counted", "invalidated"):
                continue
            key = text[text.find('"selection":') + 12:text.rfind(',"status":')]
            if leaf["status"] == "counted" and self.tally[leaf.get("category"), key] > 0:
                self.tally[leaf.get("category"), key] -= 1  # counted apart from now on
            self.kept[digest] = {"batch": seq, "index": index, "sealed_at": header.get("sealed_at"),
                                 "status": leaf["status"], "category": leaf.get("category"), "key": key,
                                 "selection": leaf.get("selection")}
            found.add(digest)
        return found
