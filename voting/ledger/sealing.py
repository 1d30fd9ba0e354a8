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
from datetime import datetime

from sqlalchemy import false, insert, select, update
from sqlalchemy.exc import IntegrityError

from voting.ballots.models import Ballot
from voting.contests.models import Contest
from voting.extensions import db
from voting.ledger.domain import encoding, merkle
from voting.ledger.models import LedgerBatch, LedgerLeaf

log = logging.getLogger(__name__)

BATCH_LIMIT = 10_000
SEALABLE = encoding.LEAF_STATUSES  # "counted", "invalidated"; never "under_review"
CHUNK = 500  # ids per UPDATE: well inside every backend's limit on bound parameters


def last_batch(contest_id: int) -> LedgerBatch | None:
    return db.session.scalar(select(LedgerBatch).where(LedgerBatch.contest_id == contest_id)
                             .order_by(LedgerBatch.seq.desc()).limit(1))


def pending(contest_id: int, limit: int) -> list:
    """The oldest decided ballots not sealed yet (id, category_id, receipt_hash, selection, status)."""
    return list(db.session.execute(
        select(Ballot.id, Ballot.category_id, Ballot.receipt_hash, Ballot.selection, Ballot.status)
        .where(Ballot.contest_id == contest_id, Ballot.sealed == false(), Ballot.status.in_(SEALABLE))
        .order_by(Ballot.id).limit(limit)))


def pending_contests() -> list[int]:
    """Contests that have ballots to seal (a review may decide ballots long after voting closed)."""
    return list(db.session.scalars(select(Ballot.contest_id).distinct().where(
        Ballot.sealed == false(), Ballot.status.in_(SEALABLE)).order_by(Ballot.contest_id)))


def _mark_sealed(rows) -> int:
    """Set `sealed` on the rows, but only where the status is still the one the
    leaf records: a review that changed an unsealed ballot since we read it
    makes the count come short, and the seal is abandoned."""
    marked = 0
    for status in SEALABLE:
        ids = [r.id for r in rows if r.status == status]
        for i in range(0, len(ids), CHUNK):
            result = db.session.execute(
                update(Ballot).where(Ballot.id.in_(ids[i:i + CHUNK]), Ballot.sealed == false(),
                                     Ballot.status == status)
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
    leaves = [encoding.leaf(contest.slug, slugs[r.category_id], r.receipt_hash, r.selection, r.status)
              for r in rows]
    root = merkle.root([text.encode("utf-8") for text in leaves]).hex()
    seq = previous.seq + 1 if previous else 1
    prev_chain = previous.chain if previous else encoding.genesis(contest.slug)
    batch = LedgerBatch(contest_id=contest_id, seq=seq, size=len(rows), root=root, prev_chain=prev_chain,
                        chain=encoding.chain(prev_chain, root, seq, len(rows)), sealed_at=now)
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
