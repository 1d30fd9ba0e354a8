"""What the ledger shows the public: the batches' roots and chain, the
amendments, and, once the results are published, every leaf; and, once
voting has closed, a receipt's proof that its ballot is in a sealed batch
(docs/ledger.md).

While voting is open nothing published may depend on a particular ballot's
status: a fraudster holds the receipt codes of his own ballots, knows what
they chose, and could test a leaf, a leaf hash or an audit path against both
statuses, or notice that his ballots stay unsealed (held for review). So until
voting closes a receipt's `ledger` is null and amendments show only their
number, time and hashes.

The leaves themselves say what every ballot chose: published before the
results, they would be the results (anyone could count them) while the
results are still embargoed. So they are published with the results, and
the roots and chains published before them already bind every leaf: nothing
can be changed between the close and the announcement unseen.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from voting.ballots.models import Ballot
from voting.contests.domain import phases
from voting.contests.models import Contest
from voting.extensions import db
from voting.ledger import amendments
from voting.ledger.domain import encoding, merkle
from voting.ledger.models import LedgerAmendment, LedgerBatch, LedgerLeaf

# The amendment fields that can be shown while voting is open.
UNREVEALING = ("seq", "created_at", "prev_hash", "hash")


def voting_over(contest: Contest, now: datetime) -> bool:
    closes = contest.voting_closes_at
    return bool(closes and now >= closes and not phases.is_open(contest.windows(), "voting", now))


def leaves_public(contest: Contest, now: datetime) -> bool:
    return contest.published_at is not None and now >= contest.published_at


def batch_leaves(batch_id: int) -> list[str]:
    return list(db.session.scalars(select(LedgerLeaf.leaf).where(LedgerLeaf.batch_id == batch_id)
                                   .order_by(LedgerLeaf.position)))


def ledger_json(contest: Contest, now: datetime) -> dict:
    public = leaves_public(contest, now)
    revealing = voting_over(contest, now)
    batches = []
    for batch in db.session.scalars(select(LedgerBatch).where(LedgerBatch.contest_id == contest.id)
                                    .order_by(LedgerBatch.seq)):
        item = {"seq": batch.seq, "size": batch.size, "root": batch.root, "prev_chain": batch.prev_chain,
                "chain": batch.chain, "sealed_at": batch.sealed_at.isoformat()}
        if public:
            item["leaves"] = batch_leaves(batch.id)
        batches.append(item)
    rows = db.session.scalars(select(LedgerAmendment).where(LedgerAmendment.contest_id == contest.id)
                              .order_by(LedgerAmendment.seq))
    amended = [amendments.fields_of(row) for row in rows]
    if not revealing:
        amended = [{k: a[k] for k in UNREVEALING} for a in amended]
    voting = contest.settings["voting"]
    ranked = voting.get("ranked_method", "irv") if voting["method"] == "ranked" else None
    return {"contest": contest.slug, "method": voting["method"], "ranked_method": ranked,
            "genesis": encoding.genesis(contest.slug), "batches": batches, "amendments": amended,
            "leaves_published": public}


def receipt_proof(ballot: Ballot) -> dict | None:
    """Where the ballot sits in the ledger, with its audit path; None while it is not sealed."""
    found = db.session.execute(select(LedgerLeaf, LedgerBatch)
                               .join(LedgerBatch, LedgerLeaf.batch_id == LedgerBatch.id)
                               .where(LedgerLeaf.ballot_id == ballot.id)).first()
    if found is None:
        return None
    leaf, batch = found
    texts = [text.encode("utf-8") for text in batch_leaves(batch.id)]
    return {"batch": batch.seq, "index": leaf.position, "size": batch.size, "root": batch.root,
            "leaf": leaf.leaf, "leaf_hash": merkle.leaf_hash(leaf.leaf.encode("utf-8")).hex(),
            "proof": [h.hex() for h in merkle.inclusion_proof(texts, leaf.position)]}


def receipt_ledger(ballot: Ballot, contest: Contest, now: datetime) -> dict | None:
    """The receipt's `ledger` field: the proof once voting has closed, null before."""
    return receipt_proof(ballot) if voting_over(contest, now) else None
