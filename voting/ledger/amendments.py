"""Amendments: a sealed ballot's leaf is never rewritten; when a review changes
the status of a sealed ballot, an amendment says so, signed off by the
organiser who decided, pointing at the audit-log entry of the decision, and
chained to the amendment before it so that none can be dropped unseen.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import inspect, select

from voting.ballots.models import STATUSES, Ballot
from voting.contests.models import Contest
from voting.extensions import db
from voting.ledger.domain import encoding
from voting.ledger.models import LedgerAmendment, LedgerBatch, LedgerLeaf

REASON_MAX = 500
SIGNER_MAX = 320


def signer(user) -> str:
    """How an organiser signs off an amendment: display name and address."""
    return f"{user.display_name} <{user.email}>"[:SIGNER_MAX]


def amend(ballot: Ballot, to_status: str, reason: str, signed_off_by: str, audit_hash: str,
          now: datetime, *, decision: bool = False) -> LedgerAmendment | None:
    """Set `ballot.status` to `to_status` and, if the ballot is sealed, append
    the amendment that records the change. Answers the amendment, or None when
    the ballot is not sealed (its leaf will carry the new status when it is)
    or the status does not change.

    `decision`: this is a review's decision, and `audit_hash` its audit entry,
    which becomes the ballot's `decision_audit_hash` (what an invalidated leaf
    names) when the decision can still reach the ledger: the ballot is not
    sealed yet, or its status changes (and the amendment names the entry). A
    sealed ballot decided again to the status it has keeps the decision its
    leaf names: the ledger records nothing of the second one (the audit log
    does), and the ballot must go on matching its leaf.

    Call it INSTEAD of assigning `ballot.status` yourself: it reads the status
    being left and the `sealed` flag under a row lock (SELECT ... FOR UPDATE),
    so that a seal running at the same moment either sealed the ballot before
    (and we amend) or waits and then sees the new status (and leaves the
    ballot for the next batch).

    It does NOT commit: the caller owns the transaction, so the decision, its
    audit-log entry and the amendment are stored together or not at all. Two
    decisions amending the same contest at once collide on the unique
    (contest_id, seq) at commit (IntegrityError): roll back and decide again.
    """
    if to_status not in STATUSES:
        raise ValueError(f"unknown status {to_status!r}")
    if inspect(ballot).attrs.status.history.has_changes():
        raise ValueError("the ballot's status was changed directly; change it through amend()")
    sealed, from_status = db.session.execute(
        select(Ballot.sealed, Ballot.status).where(Ballot.id == ballot.id).with_for_update()).one()
    if decision and (not sealed or from_status != to_status):
        ballot.decision_audit_hash = audit_hash
    if from_status == to_status:
        return None
    ballot.status = to_status
    if not sealed:
        return None

    contest = db.session.get(Contest, ballot.contest_id)
    last = db.session.scalar(select(LedgerAmendment).where(LedgerAmendment.contest_id == contest.id)
                             .order_by(LedgerAmendment.seq.desc()).limit(1))
    seq = last.seq + 1 if last else 1
    prev_hash = last.hash if last else encoding.amendments_genesis(contest.slug)
    # Whole seconds in UTC: the time is hashed, and must read back from every
    # database exactly as it was hashed. Never before the amendment before it
    # nor before the seal of the leaf it amends (a verifier rejects either): a
    # decision whose clock was read before a concurrent seal or amendment
    # committed takes their time instead.
    sealed_at = db.session.scalar(select(LedgerBatch.sealed_at)
                                  .join(LedgerLeaf, LedgerLeaf.batch_id == LedgerBatch.id)
                                  .where(LedgerLeaf.ballot_id == ballot.id))
    created_at = max([now.astimezone(timezone.utc).replace(microsecond=0)]
                     + [t for t in (sealed_at, last.created_at if last else None) if t is not None])
    fields = encoding.amendment_fields(seq, ballot.receipt_hash, from_status, to_status, reason[:REASON_MAX],
                                       signed_off_by[:SIGNER_MAX], audit_hash, created_at.isoformat())
    row = LedgerAmendment(contest_id=contest.id, seq=seq, receipt_hash=fields["receipt_hash"],
                          from_status=from_status, to_status=to_status, reason=fields["reason"],
                          signed_off_by=fields["signed_off_by"], audit_hash=audit_hash, created_at=created_at,
                          prev_hash=prev_hash, hash=encoding.amendment_hash(prev_hash, fields))
    db.session.add(row)
    db.session.flush()  # the next amend() of this transaction chains to this one
    return row


def fields_of(row: LedgerAmendment) -> dict:
    """An amendment as published and as hashed (plus its two hashes)."""
    fields = encoding.amendment_fields(row.seq, row.receipt_hash, row.from_status, row.to_status, row.reason,
                                       row.signed_off_by, row.audit_hash,
                                       row.created_at.astimezone(timezone.utc).isoformat())
    return {**fields, "prev_hash": row.prev_hash, "hash": row.hash}
