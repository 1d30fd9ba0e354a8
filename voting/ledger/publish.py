"""What the ledger shows the public (docs/ledger.md): pages of batches (their
headers and chain values, the ballot rules they name, and, once the results
are published, their leaves), pages of amendments, one batch, and, once
voting has closed, a receipt's proof that its ballot is in a sealed batch.

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

At WSIS scale (1.3 million ballots, about 230 bytes a leaf) the ledger is
read a page at a time, by cursor: a page with leaves holds at most
LEAF_PAGE_BATCHES batches and is streamed, one batch's leaves read at a time,
so no request holds more than a batch of leaves in memory, nor a database
connection while the client reads.

A page is one state of the ledger: its head is read first, and the page holds
only batches up to that head, so a seal committed meanwhile shows on the next
page, never as a head naming a batch the page does not hold.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterator

from sqlalchemy import LargeBinary, func, select, update

from voting.ballots.models import Ballot
from voting.contests.domain import phases
from voting.contests.models import Contest
from voting.errors import not_found
from voting.extensions import db
from voting.ledger import amendments, head
from voting.ledger.domain import encoding, merkle
from voting.ledger.models import LedgerAmendment, LedgerBatch, LedgerLeaf, LedgerRules

log = logging.getLogger(__name__)

# The amendment fields that can be shown while voting is open.
UNREVEALING = ("seq", "created_at", "prev_hash", "hash")
PAGE_LIMIT, PAGE_LIMIT_MAX = 100, 1000  # batches a page, by default and at most
# Batches on a page with leaves, whatever the limit: about 23 MB streamed at 10,000 leaves a batch.
LEAF_PAGE_BATCHES = 10
AMENDMENT_LIMIT, AMENDMENT_LIMIT_MAX = 1000, 10_000
SEQ_MAX = 2**31 - 1  # batch and amendment numbers are 32-bit integers in SQL
LEAVES_PER_PIECE = 1000  # leaves a piece of a streamed page


def voting_over(contest: Contest, now: datetime) -> bool:
    closes = contest.voting_closes_at
    return bool(closes and now >= closes and not phases.is_open(contest.windows(), "voting", now))


def leaves_public(contest: Contest, now: datetime) -> bool:
    return contest.published_at is not None and now >= contest.published_at


def amendments_revealed(contest: Contest, now: datetime) -> bool:
    # Published leaves come after the close; the second test only keeps a ledger
    # with public leaves from ever showing amendments without their fields.
    return voting_over(contest, now) or leaves_public(contest, now)


def export_url(contest: Contest, ledger_head: dict | None = None) -> str | None:
    """The URL of the contest's static export when one of the head is served, else None."""
    from voting.ledger import export  # here: export.py imports this module

    return export.export_url(contest, ledger_head)


def base_url(contest: Contest) -> str:
    return f"/api/v1/contests/{contest.slug}/ledger"


def iso(moment: datetime) -> str:
    """A time as hashed: UTC, e.g. 2021-05-18T12:05:00+00:00."""
    return moment.astimezone(timezone.utc).isoformat()


def header_of(batch: LedgerBatch, slug: str) -> dict[str, Any]:
    """The batch's header as its chain value hashes it (encoding.header)."""
    return encoding.header(slug, batch.seq, batch.size, batch.root, batch.prev_chain, iso(batch.sealed_at),
                           batch.rules_hash, batch.audit_seq, batch.audit_head)


def batch_json(batch: LedgerBatch) -> dict[str, Any]:
    """A batch as published, without its leaves: the header less the contest, and the chain value."""
    return {"seq": batch.seq, "size": batch.size, "root": batch.root, "prev_chain": batch.prev_chain,
            "sealed_at": iso(batch.sealed_at), "rules_hash": batch.rules_hash, "audit_seq": batch.audit_seq,
            "audit_head": batch.audit_head, "chain": batch.chain}


def rules_of(contest_id: int, hashes: list[str]) -> dict[str, Any]:
    """{rules hash: rules object} of the hashes, in their order (each once)."""
    wanted = list(dict.fromkeys(hashes))
    if not wanted:
        return {}
    bodies = dict(db.session.execute(select(LedgerRules.hash, LedgerRules.body).where(
        LedgerRules.contest_id == contest_id, LedgerRules.hash.in_(wanted))).all())
    return {h: json.loads(bodies[h]) for h in wanted if h in bodies}


def batch_leaves(batch_id: int) -> list[str]:
    return list(db.session.scalars(select(LedgerLeaf.leaf).where(LedgerLeaf.batch_id == batch_id)
                                   .order_by(LedgerLeaf.position)))


def _batches(contest: Contest, after: int, limit: int, last: int) -> tuple[list[LedgerBatch], bool]:
    """Up to `limit` batches after seq `after` and up to seq `last` (the head's), and whether more follow."""
    rows = list(db.session.scalars(select(LedgerBatch).where(LedgerBatch.contest_id == contest.id,
                                                             LedgerBatch.seq > after, LedgerBatch.seq <= last)
                                   .order_by(LedgerBatch.seq).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


@dataclass(frozen=True)
class Page:
    """A page of the ledger: `body` with its batches' headers; `leaf_batches`,
    the ids of those batches when their leaves are to be streamed, else None."""
    body: dict[str, Any]
    leaf_batches: list[int] | None


def ledger_page(contest: Contest, now: datetime, after: int = 0, limit: int = PAGE_LIMIT) -> Page:
    public = leaves_public(contest, now)
    found = head.current(contest.id, contest.slug)  # first: the page holds no batch beyond it
    batches, more = _batches(contest, after, min(limit, LEAF_PAGE_BATCHES) if public else limit, found["batches"])
    voting = contest.settings["voting"]
    slug = contest.slug
    following = f"{base_url(contest)}?after={batches[-1].seq}&limit={limit}" if more else None
    body = {"contest": slug, "format": encoding.FORMAT, "genesis": encoding.genesis(slug),
            "amendments_genesis": encoding.amendments_genesis(slug), "audit_genesis": encoding.audit_genesis(slug),
            "method": voting["method"],
            "ranked_method": voting.get("ranked_method", "irv") if voting["method"] == "ranked" else None,
            "leaves_published": public, "amendments_revealed": amendments_revealed(contest, now),
            "head": found,
            "rules": rules_of(contest.id, [b.rules_hash for b in batches]),
            "batches": [batch_json(b) for b in batches], "next": following,
            "amendments_url": f"{base_url(contest)}/amendments", "export": export_url(contest, found)}
    return Page(body, [b.id for b in batches] if public else None)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _release() -> None:
    """End the session's transaction and give its connection back to the pool: a streamed page
    must not hold one while a slow client reads (fifteen of them would take the whole pool).
    What the page still needs is plain data; batches never change, so the next read, on a
    connection of its own, sees the same leaves."""
    db.session.close()


def stream(page: Page) -> Iterator[str]:
    """The page as JSON text in pieces, each batch's leaves read from SQL only
    when its turn comes (call inside the request's context: stream_with_context),
    and no connection held while a piece is sent."""
    keys = list(page.body)
    cut = keys.index("batches")
    _release()
    yield _dumps({k: page.body[k] for k in keys[:cut]})[:-1] + ',"batches":['
    for n, (item, batch_id) in enumerate(zip(page.body["batches"], page.leaf_batches or [])):
        yield ("," if n else "") + _dumps(item)[:-1] + ',"leaves":['
        leaves = batch_leaves(batch_id)
        _release()
        for start in range(0, len(leaves), LEAVES_PER_PIECE):
            yield ("," if start else "") + ",".join(_dumps(t) for t in leaves[start:start + LEAVES_PER_PIECE])
        del leaves
        yield "]}"
    yield "]," + _dumps({k: page.body[k] for k in keys[cut + 1:]})[1:]


def batch_page(contest: Contest, now: datetime, seq: int) -> dict[str, Any]:
    """One batch with the rules it names (and its leaves once published); 404 for no such batch."""
    batch = db.session.scalar(select(LedgerBatch).where(LedgerBatch.contest_id == contest.id,
                                                        LedgerBatch.seq == seq)) if 1 <= seq <= SEQ_MAX else None
    if batch is None:
        raise not_found("batch")
    item = batch_json(batch)
    if leaves_public(contest, now):
        item["leaves"] = batch_leaves(batch.id)
    return {"contest": contest.slug, "rules": rules_of(contest.id, [batch.rules_hash]), "batch": item}


def amendment_json(row: LedgerAmendment, revealed: bool) -> dict[str, Any]:
    fields = amendments.fields_of(row)
    return fields if revealed else {k: fields[k] for k in UNREVEALING}


def amendments_page(contest: Contest, now: datetime, after: int = 0, limit: int = AMENDMENT_LIMIT) -> dict:
    rows = list(db.session.scalars(select(LedgerAmendment).where(LedgerAmendment.contest_id == contest.id,
                                                                 LedgerAmendment.seq > after)
                                   .order_by(LedgerAmendment.seq).limit(limit + 1)))
    more, rows = len(rows) > limit, rows[:limit]
    revealed = amendments_revealed(contest, now)
    following = f"{base_url(contest)}/amendments?after={rows[-1].seq}&limit={limit}" if more else None
    return {"contest": contest.slug, "amendments_genesis": encoding.amendments_genesis(contest.slug),
            "amendments_revealed": revealed, "amendments": [amendment_json(r, revealed) for r in rows],
            "next": following}


def fill_tree(batch_id: int, root: str) -> bytes:
    """A batch's tree levels computed from its leaves, and stored unless they
    disagree with its root (then the proofs built from them fail to verify,
    which shows the fault rather than hiding it). Commits."""
    tree = merkle.levels([text.encode("utf-8") for text in batch_leaves(batch_id)])
    if tree[-merkle.HASH_SIZE:].hex() == root:
        db.session.execute(update(LedgerBatch).where(LedgerBatch.id == batch_id, LedgerBatch.tree.is_(None))
                           .values(tree=tree))
        db.session.commit()
    else:
        log.error("ledger batch %s: its leaves do not hash to its root; tree levels not stored", batch_id)
    return tree


def receipt_proof(ballot: Ballot) -> dict | None:
    """Where the ballot sits in the ledger, with its audit path; None while it is not sealed.
    The path is read from the batch's stored tree levels: a few 32-byte slices, one query."""
    found = db.session.execute(
        select(LedgerLeaf.position, LedgerLeaf.leaf, LedgerBatch.id, LedgerBatch.seq, LedgerBatch.size,
               LedgerBatch.root, LedgerBatch.tree.is_(None).label("treeless"))
        .join(LedgerBatch, LedgerLeaf.batch_id == LedgerBatch.id)
        .where(LedgerLeaf.ballot_id == ballot.id)).first()
    if found is None:
        return None
    offsets = merkle.proof_offsets(found.position, found.size)
    if found.treeless:  # sealed before trees were stored: computed and stored once
        tree = fill_tree(found.id, found.root)
        path = [tree[o:o + merkle.HASH_SIZE] for o in offsets]
    elif offsets:
        # substr counts from 1, on PostgreSQL's bytea and SQLite's blobs alike.
        path = list(db.session.execute(select(*[
            func.substr(LedgerBatch.tree, o + 1, merkle.HASH_SIZE, type_=LargeBinary) for o in offsets])
            .where(LedgerBatch.id == found.id)).one())
    else:
        path = []
    return {"batch": found.seq, "index": found.position, "size": found.size, "root": found.root,
            "leaf": found.leaf, "leaf_hash": merkle.leaf_hash(found.leaf.encode("utf-8")).hex(),
            "proof": [bytes(h).hex() for h in path]}


def receipt_ledger(ballot: Ballot, contest: Contest, now: datetime) -> dict | None:
    """The receipt's `ledger` field: the proof once voting has closed, null before."""
    return receipt_proof(ballot) if voting_over(contest, now) else None
