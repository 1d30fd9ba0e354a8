"""Sealing: the contest's decided ballots that no batch holds yet become the
next batch of its ledger, in one transaction.

Ballots under review wait until a review decides them. Several workers may
seal the same contest at once; the database settles it: the unique
(contest_id, seq) of batches and the primary key (ballot_id) of leaves refuse
a second batch over the same ballots or with the same number, and the
loser rolls back and answers None. The next seal picks up whatever is left.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import and_, false, insert, select, update
from sqlalchemy.exc import IntegrityError

from voting.audit.models import AuditEntry
from voting.ballots.models import Ballot
from voting.contests.models import Contest, Entry
from voting.extensions import db
from voting.ledger.domain import encoding, merkle
from voting.ledger.models import LedgerBatch, LedgerLeaf, LedgerRules

log = logging.getLogger(__name__)

BATCH_LIMIT = 10_000
SEALABLE = encoding.LEAF_STATUSES  # "counted", "invalidated"; never "under_review"
CHUNK = 500  # ids per UPDATE: well inside every backend's limit on bound parameters


def last_batch(contest_id: int) -> LedgerBatch | None:
    return db.session.scalar(select(LedgerBatch).where(LedgerBatch.contest_id == contest_id)
                             .order_by(LedgerBatch.seq.desc()).limit(1))


def pending(contest_id: int, limit: int) -> list:
    """The oldest decided ballots not sealed yet (id, category_id, receipt_hash, selection, status,
    status_reason, decision_audit_hash, and the decision's reason from its audit entry)."""
    return list(db.session.execute(
        select(Ballot.id, Ballot.category_id, Ballot.receipt_hash, Ballot.selection, Ballot.status,
               Ballot.status_reason, Ballot.decision_audit_hash, AuditEntry.details)
        .outerjoin(AuditEntry, and_(AuditEntry.contest_id == Ballot.contest_id,
                                    AuditEntry.hash == Ballot.decision_audit_hash,
                                    Ballot.status == "invalidated"))
        .where(Ballot.contest_id == contest_id, Ballot.sealed == false(), Ballot.status.in_(SEALABLE))
        .order_by(Ballot.id).limit(limit)))


def _leaf(contest: Contest, slugs: dict[int, str], row) -> str:
    invalidation = None
    if row.status == "invalidated":
        # An invalidation comes from a review decision (voting/fraud/decisions.py), which records the
        # hash of its audit entry on the ballot. Should one ever lack it, the leaf says so with an empty
        # hash, which every verifier rejects: a server bug shows rather than hides.
        reason = (row.details or {}).get("reason", "") if isinstance(row.details, dict) else ""
        invalidation = (row.status_reason or "", str(reason), row.decision_audit_hash or "")
    return encoding.leaf(contest.slug, slugs[row.category_id], row.receipt_hash, row.selection, row.status,
                         invalidation)


def current_rules(contest: Contest) -> dict:
    """The ballot rules as they stand: the method and its limits, the categories
    and every entry a ballot may have named (any handed-in entry: one approved
    when a ballot was cast may have been withdrawn or sent back since)."""
    voting = contest.settings["voting"]
    entries: dict[int, list[tuple[int, str]]] = {}
    for category_id, entry_id, title in db.session.execute(
            select(Entry.category_id, Entry.id, Entry.title)
            .where(Entry.contest_id == contest.id, Entry.status != "draft")):
        entries.setdefault(category_id, []).append((entry_id, title))
    return encoding.rules(contest.slug, voting["method"], voting.get("ranked_method", "irv"),
                          voting.get("max_choices", 1), voting.get("score_max", 5),
                          [(c.slug, c.title, entries.get(c.id, [])) for c in contest.categories])


def _store_rules(contest_id: int, rules: dict) -> str:
    digest = encoding.rules_hash(rules)
    known = db.session.scalar(select(LedgerRules.id).where(LedgerRules.contest_id == contest_id,
                                                           LedgerRules.hash == digest))
    if known is None:
        db.session.add(LedgerRules(contest_id=contest_id, hash=digest,
                                   body=encoding.canonical(rules).decode("utf-8")))
    return digest


def audit_head(contest: Contest) -> tuple[int, str]:
    """The contest's audit log as it stands: (last seq, its hash), or (0, the audit genesis)."""
    last = db.session.execute(select(AuditEntry.seq, AuditEntry.hash).where(AuditEntry.contest_id == contest.id)
                              .order_by(AuditEntry.seq.desc()).limit(1)).first()
    return (last.seq, last.hash) if last else (0, encoding.audit_genesis(contest.slug))


def pending_contests() -> list[int]:
    """Contests that have ballots to seal (a review may decide ballots long after voting closed)."""
    return list(db.session.scalars(select(Ballot.contest_id).distinct().where(
        Ballot.sealed == false(), Ballot.status.in_(SEALABLE)).order_by(Ballot.contest_id)))


def _same(column, value):
    return column.is_(None) if value is None else column == value


def _mark_sealed(rows) -> int:
    """Set `sealed` on the rows, but only where the ballot is still what the leaf
    records: its status and, for an invalidated one, the decision its leaf names
    (`decision_audit_hash`) and its rule (`status_reason`). A review that changed
    an unsealed ballot since we read it, if only by deciding it again with
    another reason, makes the count come short, and the seal is abandoned."""
    groups: dict[tuple, list[int]] = {}
    for r in rows:
        key = (r.status, r.decision_audit_hash, r.status_reason) if r.status == "invalidated" else (r.status,)
        groups.setdefault(key, []).append(r.id)
    marked = 0
    for key, ids in groups.items():
        same = [Ballot.status == key[0]]
        if len(key) > 1:
            same += [_same(Ballot.decision_audit_hash, key[1]), _same(Ballot.status_reason, key[2])]
        for i in range(0, len(ids), CHUNK):
            result = db.session.execute(
                update(Ballot).where(Ballot.id.in_(ids[i:i + CHUNK]), Ballot.sealed == false(), *same)
                .values(sealed=True).execution_options(synchronize_session=False))
            marked += result.rowcount
    return marked


def seal(contest_id: int, now: datetime, limit: int = BATCH_LIMIT) -> LedgerBatch | None:
    """Seal the next batch; None when there is nothing to seal or another seal got there first."""
    contest = db.session.get(Contest, contest_id)
    if contest is None:
        return None
    # The previous batch before the ballots: whichever a concurrent seal
    # changes in between, the insert below collides with it.
    previous = last_batch(contest_id)
    rows = pending(contest_id, limit)
    if not rows:
        db.session.rollback()
        return None
    slugs = {c.id: c.slug for c in contest.categories}
    leaves = [_leaf(contest, slugs, r) for r in rows]
    tree = merkle.levels([text.encode("utf-8") for text in leaves])
    root = tree[-merkle.HASH_SIZE:].hex()
    seq = previous.seq + 1 if previous else 1
    prev_chain = previous.chain if previous else encoding.genesis(contest.slug)
    # Whole seconds in UTC: the header hashes the time, and it must read back as hashed. Never
    # before the batch before it (a seal whose clock lags another machine's keeps the order).
    sealed_at = now.astimezone(timezone.utc).replace(microsecond=0)
    if previous is not None and previous.sealed_at > sealed_at:
        sealed_at = previous.sealed_at
    audit_seq, audit_hash = audit_head(contest)
    header = encoding.header(contest.slug, seq, len(rows), root, prev_chain, sealed_at.isoformat(),
                             _store_rules(contest_id, current_rules(contest)), audit_seq, audit_hash)
    batch = LedgerBatch(contest_id=contest_id, seq=seq, size=len(rows), root=root, prev_chain=prev_chain,
                        chain=encoding.chain(header), sealed_at=sealed_at, rules_hash=header["rules_hash"],
                        audit_seq=audit_seq, audit_head=audit_hash, tree=tree)
    try:
        db.session.add(batch)
        db.session.flush()
        db.session.execute(insert(LedgerLeaf), [
            {"ballot_id": r.id, "batch_id": batch.id, "position": i, "leaf": text}
            for i, (r, text) in enumerate(zip(rows, leaves))])
        if _mark_sealed(rows) != len(rows):
            log.info("seal of contest %s abandoned: ballots changed while sealing", contest_id)
            db.session.rollback()
            return None
        db.session.commit()
    except IntegrityError:
        log.info("seal of contest %s abandoned: another seal took batch %s", contest_id, seq)
        db.session.rollback()
        return None
    return batch
