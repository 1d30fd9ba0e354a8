"""The checks of tools/verify_ledger.py, part 2: the chains. The ledger's own fields; each batch's
header, chain value and rules; the amendments' chain and fields; each ballot's final status; every
head the server names, which must be what was read (or, read live, a state the ledger passed
through); and, given the contest's audit log, its chain and every decision the ledger names
(docs/ledger.md, "What a verifier must reject").

Python 3.10+ and its standard library only; verify_ledger.py loads it by its path, after
ledger_checks.py (part 1: the format, the ballot rules and the leaves), which it imports by that
name. The `Verifier` is both parts: it takes the ledger as it is read and says what is wrong and
where.
"""

from __future__ import annotations

from collections import Counter

from ledger_checks import (AMENDMENT_FIELDS, AUDIT_FIELDS, BATCH_KEYS, BATCH_MOST, FORMAT, FULL_AMENDMENT,
                           HEAD_KEYS, HEADER_FIELDS, METHODS, REASON_MOST, SHORT_AMENDMENT, STATUSES, BallotRules,
                           LeafChecks, Report, canonical, genesis, is_hex, is_int, is_slug, is_stamp, same,
                           sha_hex, shown)

SIGNER_MOST = 320
# The audit entries of the decisions that change a ballot's status (docs/ledger.md, "The audit log").
DECISIONS = {"counted": "fraud.count", "invalidated": "fraud.invalidate"}
SWEEP, SWEEPER, HOLD = "fraud.sweep", "system: fraud sweep", ("held by the ", " rule")


def decision_problem(entry: dict, to: str, reason, signer=None) -> str | None:
    """Why the audit entry is not the decision that moved a ballot to `to` for `reason` (signed off by
    `signer`, for an amendment); None when it is. A review's decision is `fraud.count` or
    `fraud.invalidate`, whose details name the status and the reason, by its organiser; a hold is a
    fraud sweep's, by the system, for the reason "held by the RULE rule"."""
    action, actor = entry.get("action"), entry.get("actor")
    details = entry.get("details") if isinstance(entry.get("details"), dict) else {}
    if to == "under_review":
        if action != SWEEP:
            return f"its audit entry is {shown(action)}, not a fraud sweep's hold ({SWEEP})"
        if signer is not None and (signer != SWEEPER or actor != "system"):
            return f"a hold is signed off by {shown(SWEEPER)}, its entry's actor being \"system\""
        if not (isinstance(reason, str) and reason.startswith(HOLD[0]) and reason.endswith(HOLD[1])
                and len(reason) > len(HOLD[0] + HOLD[1])):
            return f"a hold's reason is \"held by the RULE rule\", not {shown(reason)}"
        return None
    if action != DECISIONS.get(to) or details.get("status") != to:
        return (f"its audit entry is not a decision to {to} ({DECISIONS.get(to)} with status {to}): it is "
                f"{shown(action)} with status {shown(details.get('status'))}")
    decided = details.get("reason")
    if not isinstance(decided, str) or reason != decided[:REASON_MOST]:
        return f"its reason is not its decision's: {shown(decided)}"
    if signer is not None and (not isinstance(actor, str) or signer != actor[:SIGNER_MOST]):
        return f"it is signed off by {shown(signer)}, its decision is by {shown(actor)}"
    return None


class Verifier(LeafChecks):
    """Checks a ledger part by part, as it is read: the ledger's own fields, each batch (header, chain,
    rules, leaves), the amendments, then what needs all of them (the ballots' final statuses, the
    heads, the audit log). `source` gives `meta` and `rules` (hash -> object) (ledger_sources.py)."""

    def __init__(self, source, report: Report, leaves_because: str | None, interesting: set[str]):
        """`leaves_because`: why every leaf must be given (None: they may still be embargoed);
        `interesting`: the receipt hashes whose leaves are kept whole (amended, looked up, proven)."""
        self.source, self.meta, self.report, self.fail = source, source.meta, report, report.fail
        slug = self.meta.get("contest")
        self.slug = slug if isinstance(slug, str) else ""
        self.leaves_because, self.interesting = leaves_because, interesting
        self.chain, self.next_seq, self.ballots, self.sealed = genesis("ledger", self.slug), 1, 0, ""
        self.chains, self.totals = [self.chain], [0]  # the chain value and the ballots after n batches
        self.audit_at = (0, genesis("audit", self.slug))
        self.headers: dict[int, dict] = {}
        self.rules: dict[str, BallotRules | None] = {}
        self.method: tuple | None = None  # (method, ranked_method) of the first rules
        self.limits: tuple | None = None  # and their limits: every rules object has the same
        self.placed: dict[int, str] = {}  # entry id -> its category, in every rules object
        self.categories: dict[str, set[int]] = {}  # every category of every rules object, its entries
        self.where: dict[str, int] = {}  # receipt hash -> the seq of the batch holding its leaf
        self.kept: dict[str, dict] = {}
        self.tally: Counter = Counter()  # (category, selection key) -> counted ballots not kept apart
        self.invalidations: list[tuple] = []  # (batch, leaf, audit_hash, the batch's audit_seq, reason)
        self.with_leaves = self.withheld = self.broken = 0
        self.unpublished_said = False
        self.amendments: list[dict] = []  # whole and well-formed, in seq order
        self.amendment_heads = [genesis("amendments", self.slug)]  # the amendment head after n of them
        self.amendments_read = 0  # well-formed or not: what the heads are compared with

    def check_meta(self) -> None:
        meta, slug = self.meta, self.slug
        if not (is_int(meta.get("format")) and meta["format"] == FORMAT):
            self.fail(f"format is {shown(meta.get('format'))}, not {FORMAT}: this script reads format {FORMAT}")
        if not is_slug(slug):
            self.fail(f"contest is {shown(meta.get('contest'))}, not a contest's slug (1 to 64 of a-z, 0-9 and "
                      "inner dashes)")
        for key, kind in (("genesis", "ledger"), ("amendments_genesis", "amendments"), ("audit_genesis", "audit")):
            if meta.get(key) != genesis(kind, slug):
                self.fail(f"{key} is not SHA-256('voting-{kind}:{slug}'): {shown(meta.get(key))}")
        for key in ("leaves_published", "amendments_revealed"):
            if not isinstance(meta.get(key), bool):
                self.fail(f"{key} is {shown(meta.get(key))}, not true or false")
        if meta.get("method") not in METHODS:
            self.fail(f"method {shown(meta.get('method'))} is not one of {', '.join(METHODS)}")

    # batches ------------------------------------------------------------------------------------------

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
        self.chains.append(self.chain)
        self.totals.append(self.ballots)
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
            for entry in sorted(entries):
                if self.placed.setdefault(entry, slug) != slug:
                    self.fail(f"rules {digest[:16]}… (of {where}): entry {entry} is in category {shown(slug)}, "
                              f"in the rules before in {shown(self.placed[entry])}: an entry never moves")
        method = (rules.method, rules.ranked_method)
        if self.limits is None:
            self.method, self.limits = method, rules.limits
            if (self.meta.get("method"), self.meta.get("ranked_method")) != method:
                self.fail(f"the ledger says method {shown(self.meta.get('method'))}, ranked_method "
                          f"{shown(self.meta.get('ranked_method'))}; its rules say {method[0]}, {shown(method[1])}")
        elif rules.limits != self.limits:
            names = ("method", "ranked_method", "max_choices", "score_max")
            differ = ", ".join(f"{k} {shown(a)} (before: {shown(b)})"
                               for k, a, b in zip(names, rules.limits, self.limits) if not same(a, b))
            self.fail(f"{where}: its rules change what a ballot may be: {differ}; the method and its limits "
                      "never change")
        return rules

    def finish_batches(self) -> bool:
        """After the last batch: whether every leaf was read (so amendments can be followed and the
        public vote recounted)."""
        print(f"{len(self.headers)} batch(es) chained, {self.ballots} ballot(s), head {self.chain}")
        if self.withheld and self.with_leaves:
            self.fail(f"leaves are given for {self.with_leaves} batch(es) and withheld for {self.withheld}")
        return not self.withheld and not self.broken and (self.with_leaves > 0 or self.leaves_because is not None)

    # amendments ---------------------------------------------------------------------------------------

    def check_amendments(self, items: list | None) -> None:
        """The amendments' chain and fields. `items` None: the source could not give them, and has
        said why. Read after the batches, so that leaves given make them due whole too."""
        if items is None:
            return
        whole_because = self.leaves_because or ("leaves are given" if self.with_leaves else None) or (
            "amendments_revealed is true" if self.meta.get("amendments_revealed") is True else None)
        prev, last, short = self.amendment_heads[-1], "", 0
        for n, item in enumerate(items, 1):
            if not isinstance(item, dict):
                self.fail(f"amendment {n}: not an object")
                return
            self.amendments_read = n
            seq = item.get("seq")
            where = f"amendment {seq if is_int(seq) else n}"
            if not same(seq, n):
                self.fail(f"{where}: amendment {n} expected here (an amendment missing, repeated or out of order)")
            keys = set(item)
            if keys == SHORT_AMENDMENT:
                short += 1
                if whole_because:
                    self.fail(f"{where}: its fields are withheld although {whole_because}")
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
        for key, most in (("reason", REASON_MOST), ("signed_off_by", SIGNER_MOST)):
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

    def unkept(self) -> dict[int, set[str]]:
        """{batch seq: receipt hashes} of the amended leaves read before they were known to be wanted
        (amendments a live ledger gained while it was read), to be read again."""
        found: dict[int, set[str]] = {}
        for item in self.amendments:
            digest = item["receipt_hash"]
            if digest not in self.kept and digest in self.where:
                found.setdefault(self.where[digest], set()).add(digest)
        return found

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

    # heads --------------------------------------------------------------------------------------------

    def head(self) -> dict:
        return {"batches": len(self.headers), "ballots": self.ballots, "chain": self.chain,
                "amendments": self.amendments_read, "amendment_hash": self.amendment_heads[-1]}

    def check_heads(self, heads: list[tuple], exact: bool) -> None:
        """Every head the source names. A saved file's or an export's (`exact`) must be what was read.
        A live ledger's pages each name the head as it stood when that page was read, and a ledger
        only grows: each must be a state the ledger read went through (its batches and amendments a
        prefix of those read, with their chain value, ballots and amendment hash), none earlier than
        the page before, none short of the batches its own page holds, and the last page's must hold
        every batch read. `heads`: (where, head, the last batch seq on its page or None, last page)."""
        mine, before = self.head(), (0, 0)
        for where, head, reach, final in heads:
            name = f"{where} head" if where else "head"
            if not isinstance(head, dict) or any(k not in head for k in HEAD_KEYS):
                self.fail(f"{'the ledger' if not where else where}'s head is not an object of "
                          f"{', '.join(HEAD_KEYS)}: {shown(head)}")
                continue
            if exact:
                for key in HEAD_KEYS:
                    if not same(head[key], mine[key]):
                        self.fail(f"{name}: {key} is {shown(head[key])}, but the ledger read gives {shown(mine[key])}")
                continue
            batches, amended = head["batches"], head["amendments"]
            if not is_int(batches) or not 0 <= batches <= mine["batches"] or final and batches != mine["batches"]:
                self.fail(f"{name}: batches is {shown(batches)}, but the ledger read gives {mine['batches']}")
            elif not same(head["chain"], self.chains[batches]) or not same(head["ballots"], self.totals[batches]):
                self.fail(f"{name}: chain and ballots are not those of batch {batches} as read (chain "
                          f"{shown(head['chain'])}, {shown(head['ballots'])} ballot(s))")
            elif is_int(reach) and batches < reach:
                self.fail(f"{name}: batches is {batches}, but its page holds batch {reach}")
            if not (is_int(amended) and 0 <= amended <= mine["amendments"]):
                self.fail(f"{name}: amendments is {shown(amended)}, but {mine['amendments']} were read")
            elif head["amendment_hash"] != self.amendment_heads[amended]:
                self.fail(f"{name}: amendment_hash is not the hash of amendment {amended}")
            now = (batches if is_int(batches) else 0, amended if is_int(amended) else 0)
            if now[0] < before[0] or now[1] < before[1]:
                self.fail(f"{name}: names {now[0]} batch(es) and {now[1]} amendment(s), fewer than the page before "
                          f"({before[0]} and {before[1]}): a ledger only grows")
            before = (max(before[0], now[0]), max(before[1], now[1]))

    # the audit log ------------------------------------------------------------------------------------

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
        self.check_audit_heads(chain)
        self.check_decisions({h: (n, entry) for n, (h, entry) in enumerate(zip(chain, entries), 1)})

    def check_audit_heads(self, chain: list) -> None:
        for seq, header in self.headers.items():
            at = header["audit_seq"]
            if is_int(at) and at > len(chain):
                self.fail(f"batch {seq}: its audit head is entry {at}, but the audit log has {len(chain)}")
            elif is_int(at) and at and chain[at - 1] != header["audit_head"]:
                self.fail(f"batch {seq}: audit_head is not the hash of audit entry {at}")

    def check_decisions(self, place: dict) -> None:
        """Every audit hash the ledger names is an entry of the log, and the decision it says: an
        amendment's, a decision to its `to` with its reason by its signer (or a sweep's hold); an
        invalidated leaf's, a decision to invalidate it with its reason, made before its batch."""
        for item in self.amendments:
            found = place.get(item["audit_hash"])
            if found is None:
                self.fail(f"amendment {item['seq']}: audit_hash is no entry of the audit log")
                continue
            problem = decision_problem(found[1], item["to"], item["reason"], item["signed_off_by"])
            if problem:
                self.fail(f"amendment {item['seq']}: audit entry {found[0]}: {problem}")
        for where, index, digest, at, reason in self.invalidations:
            found = place.get(digest)
            if found is None:
                self.fail(f"{where} leaf {index}: audit_hash is no entry of the audit log")
                continue
            if is_int(at) and found[0] > at:
                self.fail(f"{where} leaf {index}: its decision, audit entry {found[0]}, comes after the "
                          f"batch's audit head {at}")
            problem = decision_problem(found[1], "invalidated", reason)
            if problem:
                self.fail(f"{where} leaf {index}: audit entry {found[0]}: {problem}")

    def audit_note(self) -> None:
        named = len(self.headers) + len(self.amendments) + len(self.invalidations)
        if named:
            print(f"note: {named} audit hash(es) named (batch audit heads, amendments, invalidated leaves); "
                  "--audit with the contest's audit log checks them")
