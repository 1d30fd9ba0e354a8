"""The ledger's head: what a tally records of the ledger it counted from, and
the seed of every random draw the results make (docs/results.md).

The head names the last batch's chain and the last amendment's hash: together
they pin every leaf and every later change of status, so a result that
records them can be recounted from the published ledger by anyone, and a draw
seeded from them can be repeated by anyone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import false, func, select

from voting.ballots.models import Ballot
from voting.contests.models import Contest
from voting.extensions import db
from voting.ledger import sealing
from voting.ledger.domain import encoding
from voting.ledger.models import LedgerAmendment, LedgerBatch


def seal_all(contest_id: int, now: datetime, most: int = 1000) -> bool:
    """Seal every decided ballot the ledger lacks. False when some remain
    (another seal holds them, or `most` batches were not enough): the caller
    tries again later rather than count ballots the ledger does not hold."""
    for _ in range(most):
        if sealing.seal(contest_id, now) is None:
            break
    return unsealed(contest_id) == 0


def unsealed(contest_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Ballot).where(
        Ballot.contest_id == contest_id, Ballot.sealed == false(), Ballot.status.in_(sealing.SEALABLE))) or 0


def head(contest: Contest) -> dict:
    """{"batches", "ballots", "chain", "amendments", "amendment_hash", "seed"}."""
    batches, ballots = db.session.execute(select(func.count(), func.coalesce(func.sum(LedgerBatch.size), 0))
                                          .where(LedgerBatch.contest_id == contest.id)).one()
    last = sealing.last_batch(contest.id)
    amendment = db.session.scalar(select(LedgerAmendment).where(LedgerAmendment.contest_id == contest.id)
                                  .order_by(LedgerAmendment.seq.desc()).limit(1))
    chain = last.chain if last is not None else encoding.genesis(contest.slug)
    amended = amendment.hash if amendment is not None else encoding.amendments_genesis(contest.slug)
    return {"batches": int(batches), "ballots": int(ballots), "chain": chain,
            "amendments": amendment.seq if amendment is not None else 0, "amendment_hash": amended,
            "seed": f"{chain}:{amended}"}
