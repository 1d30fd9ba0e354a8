"""The ledger of a contest checked against its own rules and against the
database (for `flask --app voting ledger verify`, voting/ledger/cli.py).

Everything an outside verifier checks (tools/verify_ledger.py, docs/ledger.md)
and what only the database can tell:
- rules: every stored rules object is canonical JSON, hashes to its hash,
  names the contest and has the contest's method and limits (within the
  API's bounds), slugs for its categories, each entry in one category, and
  the same category as in every other rules object;
- batches: numbered 1, 2, …; each chained to the one before; its chain value
  the hash of its header; its rules stored; its audit head an entry of the
  contest's audit log (or the audit genesis), never going back; its leaves at
  positions 0 to size - 1 hashing to its root; its stored tree levels those of
  its leaves (a batch without them gets them on its first receipt lookup);
- leaves: canonical JSON of exactly the fields of their status, each its
  ballot's (contest, category, receipt hash, selection), each receipt once,
  each selection possible under its batch's rules (domain/validity.py); an
  invalidated leaf names an audit entry that invalidated that very ballot,
  with that entry's reason, and, unless amended since, the ballot's own rule
  and decision;
- amendments: numbered, chained, hashed; each changes a sealed ballot from
  the status the ledger gives it to another, no earlier than the seal of its
  leaf nor than the amendment before, and names the audit entry of its
  decision: a review's decision (`fraud.count`, `fraud.invalidate`) to its
  `to`, of its ballot, with its reason, by its signer; or, for a hold, a
  fraud sweep;
- the statuses the ledger ends with are the database's, and every ballot
  marked sealed has a leaf.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import func, select

from voting.audit.models import AuditEntry
from voting.ballots.models import STATUSES, Ballot
from voting.contests.models import Contest
from voting.extensions import db
from voting.ledger import amendments, publish
from voting.ledger.domain import encoding, merkle, validity
from voting.ledger.models import LedgerAmendment, LedgerBatch, LedgerLeaf, LedgerRules

LIMITS = ("method", "ranked_method", "max_choices", "score_max")
# The decisions that change a ballot's status (voting/fraud/decisions.py, voting/fraud/filing.py).
DECISION_ACTIONS = {"counted": "fraud.count", "invalidated": "fraud.invalidate"}
SWEEP, SWEEPER = "fraud.sweep", "system: fraud sweep"
HOLD_REASON = re.compile(r"held by the .+ rule\Z", re.DOTALL)
# What `Check.parsed` answers for a stored text that is not JSON at all (None is JSON: `null`).
UNREADABLE = object()


class Audited(NamedTuple):
    seq: int
    action: str
    actor: str
    details: Any


def decision_problem(entry: Audited, to_status: str, reason: str, signer: str, ballot_id: int | None) -> str | None:
    """Why the audit entry is not the decision an amendment says it records; None when it is."""
    details = entry.details if isinstance(entry.details, dict) else {}
    if to_status == "under_review":
        if entry.action != SWEEP or signer != SWEEPER or not HOLD_REASON.match(reason):
            return "a hold names a fraud sweep's entry, signed by the sweep, for a reason 'held by the … rule'"
        return None
    if entry.action != DECISION_ACTIONS.get(to_status) or details.get("status") != to_status:
        return f"its audit entry is not a decision to {to_status}"
    if ballot_id is not None and ballot_id not in (details.get("ballots") or []):
        return "its audit entry did not decide this ballot"
    if reason != str(details.get("reason", ""))[:amendments.REASON_MAX]:
        return "its reason is not the decision's"
    if signer != entry.actor[:amendments.SIGNER_MAX]:
        return "its signer is not the decision's author"
    return None


class Check:
    def __init__(self, contest: Contest):
        self.contest = contest
        self.slug = contest.slug
        self.category_ids = {c.slug: c.id for c in contest.categories}
        self.category_slugs = {c.id: c.slug for c in contest.categories}
        self.problems: list[str] = []
        self.status: dict[str, str] = {}        # receipt hash -> status per the ledger so far
        self.db_status: dict[str, str] = {}     # receipt hash -> the ballot's status in SQL
        self.counted: dict[str, tuple] = {}     # receipt hash -> (category id, method, selection)
        self.sealed_at: dict[str, datetime] = {}  # receipt hash -> when its batch was sealed
        self.batches = self.leaves = self.amendments = self.treeless = 0
        self.rules: dict[str, dict] = {}        # hash -> a well-formed rules object
        self.entries: dict[str, dict[str, frozenset[int]]] = {}  # rules hash -> category slug -> entry ids
        self.audit: dict[str, Audited] = {}  # audit entry hash -> the entry
        self.audit_seqs: dict[int, str] = {}
        self.decided: dict[str, set[int]] = {}  # audit hash -> the ballots it invalidated
        self.amended: set[str] = set()
        self.ballot_ids: dict[str, int] = {}  # receipt hash -> ballot id, of the leaves read
        self.placed: dict[int, str] = {}  # entry id -> its category, in every rules object

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def run(self) -> None:
        self.load_audit()
        self.check_rules()
        self.check_batches()
        self.check_amendments()
        self.check_statuses()
        self.check_sealed_flags()

    def load_audit(self) -> None:
        for seq, hash_, action, actor, details in db.session.execute(
                select(AuditEntry.seq, AuditEntry.hash, AuditEntry.action, AuditEntry.actor, AuditEntry.details)
                .where(AuditEntry.contest_id == self.contest.id)):
            self.audit[hash_] = Audited(seq, action, actor, details)
            self.audit_seqs[seq] = hash_
        self.amended = set(db.session.scalars(select(LedgerAmendment.receipt_hash).distinct().where(
            LedgerAmendment.contest_id == self.contest.id)))

    def parsed(self, where: str, text: str):
        """The JSON value of a stored text that must be canonical JSON (a rules body, a leaf); a
        problem when it is not, and UNREADABLE when it cannot be read (or re-encoded) at all."""
        try:
            value = json.loads(text)
            canonical = encoding.canonical(value).decode("utf-8") == text
        except (ValueError, TypeError):
            self.problem(f"{where}: not canonical JSON")
            return UNREADABLE
        if not canonical:
            self.problem(f"{where}: not canonical JSON")
        return value

    def check_rules(self) -> None:
        voting = self.contest.settings["voting"]
        limits = encoding.rules(self.slug, voting["method"], voting.get("ranked_method", "irv"),
                                voting.get("max_choices", 1), voting.get("score_max", 5), [])
        for row in db.session.scalars(select(LedgerRules).where(LedgerRules.contest_id == self.contest.id)
                                      .order_by(LedgerRules.id)):
            where = f"rules {row.hash[:12]}…"
            body = self.parsed(where, row.body)
            if body is UNREADABLE:
                continue
            if encoding.rules_hash(body) != row.hash:
                self.problem(f"{where}: the body does not hash to its hash")
            shape = validity.rules_problems(body)
            for text in shape:
                self.problem(f"{where}: {text}")
            if shape:
                continue
            if body["contest"] != self.slug:
                self.problem(f"{where}: names the contest {body['contest']!r}")
            wrong = [k for k in LIMITS if body[k] != limits[k]]
            if wrong:
                self.problem(f"{where}: {', '.join(wrong)} differ from the contest's")
            self.rules[row.hash] = body
            self.entries[row.hash] = validity.category_entries(body)
            for slug, ids in self.entries[row.hash].items():
                for entry_id in sorted(ids):
                    if self.placed.setdefault(entry_id, slug) != slug:
                        self.problem(f"{where}: entry {entry_id} is in category {slug!r}, in other rules "
                                     f"in {self.placed[entry_id]!r}")

    def check_batches(self) -> None:
        prev, audit_seq, sealed_at = encoding.genesis(self.slug), 0, None
        for seq, batch in enumerate(db.session.scalars(select(LedgerBatch).where(
                LedgerBatch.contest_id == self.contest.id).order_by(LedgerBatch.seq)), 1):
            self.batches += 1
            where = f"batch {batch.seq}"
            if batch.seq != seq:
                self.problem(f"{where}: expected batch number {seq}")
            if batch.prev_chain != prev:
                self.problem(f"{where}: prev_chain is not the chain of the batch before")
            if batch.chain != encoding.chain(publish.header_of(batch, self.slug)):
                self.problem(f"{where}: chain is not the hash of its header")
            prev = batch.chain
            if batch.rules_hash not in self.rules:
                self.problem(f"{where}: names rules {batch.rules_hash[:12]}… that are not stored (or are wrong)")
            self.check_audit_head(where, batch.audit_seq, batch.audit_head, audit_seq)
            audit_seq = max(audit_seq, batch.audit_seq)
            if sealed_at is not None and batch.sealed_at < sealed_at:
                self.problem(f"{where}: sealed before the batch before it")
            sealed_at = batch.sealed_at
            rows = db.session.execute(
                select(LedgerLeaf.position, LedgerLeaf.leaf, Ballot.id, Ballot.receipt_hash, Ballot.category_id,
                       Ballot.contest_id, Ballot.method, Ballot.selection, Ballot.status, Ballot.status_reason,
                       Ballot.decision_audit_hash)
                .join(Ballot, Ballot.id == LedgerLeaf.ballot_id)
                .where(LedgerLeaf.batch_id == batch.id).order_by(LedgerLeaf.position)).all()
            if [r.position for r in rows] != list(range(batch.size)):
                self.problem(f"{where}: leaves are not positions 0 to {batch.size - 1}")
            self.check_tree(where, batch, [r.leaf.encode("utf-8") for r in rows])
            for row in rows:
                self.check_leaf(f"{where} leaf {row.position}", row, batch)

    def check_audit_head(self, where: str, seq: int, head: str, before: int) -> None:
        if seq == 0 and head != encoding.audit_genesis(self.slug):
            self.problem(f"{where}: audit head 0 is not the audit genesis")
        elif seq != 0 and self.audit_seqs.get(seq) != head:
            self.problem(f"{where}: audit head {seq} is not that entry of the audit log")
        if seq < before:
            self.problem(f"{where}: its audit head goes back to {seq} from {before}")

    def check_tree(self, where: str, batch: LedgerBatch, leaves: list[bytes]) -> None:
        levels = merkle.levels(leaves)
        if levels[-merkle.HASH_SIZE:].hex() != batch.root:
            self.problem(f"{where}: root does not match its leaves")
        stored = db.session.scalar(select(LedgerBatch.tree).where(LedgerBatch.id == batch.id))
        if stored is None:
            self.treeless += 1
        elif stored[-merkle.HASH_SIZE:].hex() != batch.root:
            self.problem(f"{where}: the stored tree's root is not the batch's root")
        elif stored != levels:
            self.problem(f"{where}: the stored tree levels are not those of its leaves")

    def check_leaf(self, where: str, row, batch: LedgerBatch) -> None:
        self.leaves += 1
        leaf = self.parsed(where, row.leaf)
        if leaf is UNREADABLE:
            return
        if not isinstance(leaf, dict):
            self.problem(f"{where}: not an object")
            return
        rules = self.rules.get(batch.rules_hash)
        if rules is not None:
            for text in validity.leaf_problems(leaf, rules, self.entries[batch.rules_hash]):
                self.problem(f"{where}: {text}")
        expected = {"contest": self.slug, "category": self.category_slugs.get(row.category_id),
                    "receipt_hash": row.receipt_hash, "selection": row.selection}
        wrong = sorted(k for k, v in expected.items() if leaf.get(k) != v)
        if wrong or row.contest_id != self.contest.id:
            self.problem(f"{where}: does not match its ballot ({', '.join(wrong) or 'contest'})")
        named = leaf.get("receipt_hash")
        if row.receipt_hash in self.status or (isinstance(named, str) and named in self.status):
            self.problem(f"{where}: its receipt hash is in the ledger already")
        self.ballot_ids[row.receipt_hash] = row.id
        status = leaf.get("status")
        if status == "invalidated":
            self.check_invalidation(where, leaf, row)
        self.status[row.receipt_hash] = status
        self.db_status[row.receipt_hash] = row.status
        self.sealed_at[row.receipt_hash] = batch.sealed_at
        category = leaf.get("category")
        category_id = self.category_ids.get(category) if isinstance(category, str) else None
        self.counted[row.receipt_hash] = (category_id, row.method, leaf.get("selection") if category_id else None)

    def decided_by(self, audit_hash: str) -> set[int]:
        """The ballots the audit entry invalidated (a review decision lists them)."""
        if audit_hash not in self.decided:
            entry = self.audit[audit_hash]
            details = entry.details
            ok = (entry.action == DECISION_ACTIONS["invalidated"] and isinstance(details, dict)
                  and details.get("status") == "invalidated")
            self.decided[audit_hash] = set(details.get("ballots") or []) if ok else set()
        return self.decided[audit_hash]

    def check_invalidation(self, where: str, leaf: dict, row) -> None:
        audit_hash = leaf.get("audit_hash")
        if not isinstance(audit_hash, str) or audit_hash not in self.audit:
            self.problem(f"{where}: its audit_hash names no audit entry of the contest")
        elif row.id not in self.decided_by(audit_hash):
            self.problem(f"{where}: its audit entry did not invalidate this ballot")
        elif leaf.get("reason") != str(self.audit[audit_hash].details.get("reason", ""))[:encoding.REASON_MAX]:
            self.problem(f"{where}: its reason is not the decision's")
        if row.receipt_hash not in self.amended:  # a later decision moves the ballot's own fields on
            if audit_hash != row.decision_audit_hash:
                self.problem(f"{where}: its audit_hash is not the ballot's decision")
            if leaf.get("rule") != (row.status_reason or ""):
                self.problem(f"{where}: its rule is not the ballot's")

    def check_amendments(self) -> None:
        prev, created_at = encoding.amendments_genesis(self.slug), None
        for seq, row in enumerate(db.session.scalars(select(LedgerAmendment).where(
                LedgerAmendment.contest_id == self.contest.id).order_by(LedgerAmendment.seq)), 1):
            self.amendments += 1
            where = f"amendment {row.seq}"
            if row.seq != seq:
                self.problem(f"{where}: expected amendment number {seq}")
            if row.prev_hash != prev:
                self.problem(f"{where}: prev_hash is not the hash of the amendment before")
            if row.hash != encoding.amendment_hash(row.prev_hash, amendments.fields_of(row)):
                self.problem(f"{where}: hash does not match its fields")
            prev = row.hash
            if row.from_status == row.to_status or row.to_status not in STATUSES:
                self.problem(f"{where}: changes {row.from_status} to {row.to_status}")
            if row.audit_hash not in self.audit:
                self.problem(f"{where}: its audit_hash names no audit entry of the contest")
            else:
                wrong = decision_problem(self.audit[row.audit_hash], row.to_status, row.reason, row.signed_off_by,
                                         self.ballot_ids.get(row.receipt_hash))
                if wrong:
                    self.problem(f"{where}: {wrong}")
            if created_at is not None and row.created_at < created_at:
                self.problem(f"{where}: made before the amendment before it")
            created_at = row.created_at
            if row.receipt_hash not in self.status:
                self.problem(f"{where}: amends a ballot that no batch holds")
                continue
            if row.created_at < self.sealed_at[row.receipt_hash]:
                self.problem(f"{where}: made before the batch holding its ballot was sealed")
            if self.status[row.receipt_hash] != row.from_status:
                self.problem(f"{where}: changes {row.from_status} but the ledger says "
                             f"{self.status[row.receipt_hash]}")
            self.status[row.receipt_hash] = row.to_status

    def check_statuses(self) -> None:
        for receipt_hash, status in self.db_status.items():
            if self.status[receipt_hash] != status:
                self.problem(f"ballot {receipt_hash[:12]}…: the database says {status}, "
                             f"the ledger {self.status[receipt_hash]}")

    def check_sealed_flags(self) -> None:
        sealed = db.session.scalar(select(func.count()).select_from(Ballot).where(
            Ballot.contest_id == self.contest.id, Ballot.sealed.is_(True)))
        if sealed != self.leaves:
            self.problem(f"{sealed} ballot(s) are marked sealed, the ledger holds {self.leaves} leaves")
