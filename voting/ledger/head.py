"""The ledger's head: what a tally records of the ledger it counted from; and
the seed of every random draw the results make (docs/results.md).

The head names the last batch's chain and the last amendment's hash: together
they pin every leaf and every later change of status, so a result that
records them can be recounted from the published ledger by anyone, and a draw
seeded from them can be repeated by anyone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import false, func, select

from voting.audit.models import AuditEntry
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


def draw_seed(contest: Contest) -> tuple[str, str]:
    """(the seed of the results' draws and bootstrap, where it comes from).

    It must be unknown until the inputs are closed and fixed from then on, so
    that nobody can aim for a draw: neither before (it depends on what others
    did) nor after (an organiser who has seen a draft could otherwise steer it
    with a well-chosen late review decision). So it is taken at the close:
    - a public vote: the ledger's head as it stood when voting closed (the last
      batch sealed by then, and the last amendment made by then), which
      commits to the voters' secret receipt codes;
    - a jury alone: the contest's audit chain as it stood when judging closed,
      which commits to every score sheet.
    Where neither had anything by its close (nothing sealed in time, no
    window), the head at the tally stands in, and `seed_source` says so."""
    if contest.voting_closes_at is not None and contest.settings["voting"]["method"] != "none":
        closes = contest.voting_closes_at
        batch = db.session.scalar(select(LedgerBatch).where(LedgerBatch.contest_id == contest.id,
                                                            LedgerBatch.sealed_at <= closes)
                                  .order_by(LedgerBatch.seq.desc()).limit(1))
        if batch is not None:
            amendment = db.session.scalar(select(LedgerAmendment).where(
                LedgerAmendment.contest_id == contest.id, LedgerAmendment.created_at <= closes)
                .order_by(LedgerAmendment.seq.desc()).limit(1))
            amended = amendment.hash if amendment is not None else encoding.amendments_genesis(contest.slug)
            return f"{batch.chain}:{amended}", "ledger at the voting close"
    elif contest.judging_closes_at is not None:
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.contest_id == contest.id,
                                                           AuditEntry.created_at <= contest.judging_closes_at)
                                  .order_by(AuditEntry.seq.desc()).limit(1))
        if entry is not None:
            return entry.hash, "audit chain at the judging close"
    return head_seed(contest), "ledger at the tally"


def head_seed(contest: Contest) -> str:
    found = head(contest, seeded=False)
    return f"{found['chain']}:{found['amendment_hash']}"


def current(contest_id: int, slug: str) -> dict:
    """{"batches", "ballots", "chain", "amendments", "amendment_hash"}: one state the ledger really had,
    whatever seals and amendments commit meanwhile (each statement may see a newer state under READ
    COMMITTED). The last amendment first, then the last batch: an amendment names a ballot sealed
    before it was made, so every ballot amended up to this head is in a batch up to this head. The
    number of batches is the last one's seq (they are numbered without gaps) and the ballots are
    summed up to it, so a seal committed between the statements is not half counted."""
    amendment = db.session.execute(select(LedgerAmendment.seq, LedgerAmendment.hash)
                                   .where(LedgerAmendment.contest_id == contest_id)
                                   .order_by(LedgerAmendment.seq.desc()).limit(1)).first()
    last = db.session.execute(select(LedgerBatch.seq, LedgerBatch.chain).where(LedgerBatch.contest_id == contest_id)
                              .order_by(LedgerBatch.seq.desc()).limit(1)).first()
    ballots = db.session.scalar(select(func.coalesce(func.sum(LedgerBatch.size), 0)).where(
        LedgerBatch.contest_id == contest_id, LedgerBatch.seq <= last.seq)) if last is not None else 0
    return {"batches": last.seq if last is not None else 0, "ballots": int(ballots),
            "chain": last.chain if last is not None else encoding.genesis(slug),
            "amendments": amendment.seq if amendment is not None else 0,
            "amendment_hash": amendment.hash if amendment is not None else encoding.amendments_genesis(slug)}


def head(contest: Contest, seeded: bool = True) -> dict:
    """{"batches", "ballots", "chain", "amendments", "amendment_hash", "seed", "seed_source"}."""
    found = current(contest.id, contest.slug)
    if seeded:
        found["seed"], found["seed_source"] = draw_seed(contest)
    return found
