"""`flask --app voting ledger verify CONTEST`: the ledger checked against the database.

Everything an outside verifier checks (tools/verify_ledger.py), and what only
the database can tell: that every leaf is its ballot's, that every sealed
ballot has a leaf, and that the count from the ledger is the count from SQL.
The recount uses the tally's own rules (voting/results/domain/counting.py, the
file the outside verifier loads too): each category by the contest's method
over its standing entries; and when the contest has a tally of this very
ledger (its latest non-preview snapshot), every `public_votes` must be the
recount's.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from voting.ballots import counters
from voting.ballots.counted import standing_entries
from voting.ballots.models import Ballot
from voting.contests.models import Contest
from voting.extensions import db
from voting.ledger import amendments, head
from voting.ledger.domain import encoding, merkle
from voting.ledger.models import LedgerAmendment, LedgerBatch, LedgerLeaf
from voting.results.domain import counting
from voting.results.models import ResultSnapshot

ledger = AppGroup("ledger", help="The contests' verifiable ledgers.")


class Check:
    def __init__(self, contest: Contest):
        self.contest = contest
        self.category_ids = {c.slug: c.id for c in contest.categories}
        self.problems: list[str] = []
        self.status: dict[str, str] = {}        # receipt hash -> status per the ledger so far
        self.db_status: dict[str, str] = {}     # receipt hash -> the ballot's status in SQL
        self.counted: dict[str, tuple] = {}     # receipt hash -> (category id, method, selection)
        self.batches = self.leaves = self.amendments = 0
        self.unsealed: list = []
        self.tally: dict[int, dict[int, int]] = {}
        voting = contest.settings["voting"]
        # counting.py's name for the method (None: no public vote)
        self.method = {"none": None, "ranked": voting.get("ranked_method", "irv")}.get(voting["method"],
                                                                                     voting["method"])
        self.counts: dict[int, counting.Count] = {}  # category id -> the count by the method
        self.snapshot: ResultSnapshot | None = None
        self.tally_note = ""

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def run(self) -> None:
        self.check_batches()
        self.check_amendments()
        self.check_statuses()
        self.check_sealed_flags()
        self.check_recount()
        self.count_by_method()
        self.check_tally()

    def check_batches(self) -> None:
        prev = encoding.genesis(self.contest.slug)
        for seq, batch in enumerate(db.session.scalars(select(LedgerBatch).where(
                LedgerBatch.contest_id == self.contest.id).order_by(LedgerBatch.seq)), 1):
            self.batches += 1
            where = f"batch {batch.seq}"
            if batch.seq != seq:
                self.problem(f"{where}: expected batch number {seq}")
            if batch.prev_chain != prev:
                self.problem(f"{where}: prev_chain is not the chain of the batch before")
            if batch.chain != encoding.chain(batch.prev_chain, batch.root, batch.seq, batch.size):
                self.problem(f"{where}: chain does not match prev_chain, root, seq and size")
            prev = batch.chain
            rows = db.session.execute(
                select(LedgerLeaf.position, LedgerLeaf.leaf, Ballot.receipt_hash, Ballot.category_id,
                       Ballot.contest_id, Ballot.method, Ballot.selection, Ballot.status)
                .join(Ballot, Ballot.id == LedgerLeaf.ballot_id)
                .where(LedgerLeaf.batch_id == batch.id).order_by(LedgerLeaf.position)).all()
            if [r.position for r in rows] != list(range(batch.size)):
                self.problem(f"{where}: leaves are not positions 0 to {batch.size - 1}")
            if merkle.root([r.leaf.encode("utf-8") for r in rows]).hex() != batch.root:
                self.problem(f"{where}: root does not match its leaves")
            for row in rows:
                self.check_leaf(f"{where} leaf {row.position}", row)

    def check_leaf(self, where: str, row) -> None:
        self.leaves += 1
        try:
            leaf = json.loads(row.leaf)
            canonical = encoding.canonical(leaf).decode("utf-8") == row.leaf
        except (ValueError, TypeError):
            self.problem(f"{where}: not canonical JSON")
            return
        if not canonical:
            self.problem(f"{where}: not canonical JSON")
        expected = {"contest": self.contest.slug, "category": self.category_slug(row.category_id),
                    "receipt_hash": row.receipt_hash, "selection": row.selection}
        wrong = sorted(k for k, v in expected.items() if not isinstance(leaf, dict) or leaf.get(k) != v)
        if wrong or row.contest_id != self.contest.id:
            self.problem(f"{where}: does not match its ballot ({', '.join(wrong) or 'contest'})")
        status = leaf.get("status") if isinstance(leaf, dict) else None
        if status not in encoding.LEAF_STATUSES:
            self.problem(f"{where}: status {status!r} cannot be sealed")
        self.status[row.receipt_hash] = status
        self.db_status[row.receipt_hash] = row.status
        category_id = self.category_ids.get(leaf.get("category")) if isinstance(leaf, dict) else None
        self.counted[row.receipt_hash] = (category_id, row.method, leaf.get("selection") if category_id else None)

    def category_slug(self, category_id: int) -> str | None:
        return next((slug for slug, cid in self.category_ids.items() if cid == category_id), None)

    def check_amendments(self) -> None:
        prev = encoding.amendments_genesis(self.contest.slug)
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
            if row.receipt_hash not in self.status:
                self.problem(f"{where}: amends a ballot that no batch holds")
            elif self.status[row.receipt_hash] != row.from_status:
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

    def recount(self) -> dict[int, dict[int, int]]:
        boards: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for receipt_hash, (category_id, method, chosen) in self.counted.items():
            if self.status.get(receipt_hash) == "counted" and category_id is not None:
                for entry_id, amount in counting.increments(method, chosen).items():
                    boards[category_id][entry_id] += amount
        return {c: {e: n for e, n in b.items() if n} for c, b in boards.items() if any(b.values())}

    def expected(self) -> dict[int, dict[int, int]]:
        """SQL's counts less the counted ballots that wait for their batch."""
        boards = counters.sql_counts(self.contest.id)
        self.unsealed = db.session.execute(select(Ballot.category_id, Ballot.method, Ballot.selection).where(
            Ballot.contest_id == self.contest.id, Ballot.sealed.is_(False), Ballot.status == "counted")).all()
        for category_id, method, chosen in self.unsealed:
            for entry_id, amount in counting.increments(method, chosen).items():
                board = boards.setdefault(category_id, {})
                board[entry_id] = board.get(entry_id, 0) - amount
        return {c: {e: n for e, n in b.items() if n} for c, b in boards.items() if any(b.values())}

    def check_recount(self) -> None:
        self.tally = self.recount()
        if self.tally != self.expected():
            self.problem("the recount from the ledger differs from the counted ballots in SQL")

    def count_by_method(self) -> None:
        """Each category counted as the tally counts it: by the method, over the standing
        entries (a choice of any other is skipped), from the leaves counted after amendments."""
        self.snapshot = db.session.scalar(select(ResultSnapshot).where(
            ResultSnapshot.contest_id == self.contest.id, ResultSnapshot.preview.is_(False))
            .order_by(ResultSnapshot.seq.desc()).limit(1))
        if self.method is None:
            return
        chosen: dict[int, list] = defaultdict(list)
        for receipt_hash, (category_id, _, picked) in self.counted.items():
            if self.status.get(receipt_hash) == "counted" and category_id is not None:
                chosen[category_id].append(picked)
        standing = standing_entries(self.contest)
        # IRV's elimination ties follow the tally's tie order (jury, submission, the ledger's draw), as recorded.
        orders = {c["slug"]: c.get("tie_order") for c in self.snapshot.body["inputs"]["categories"]} \
            if self.snapshot is not None else {}
        for category in self.contest.categories:
            self.counts[category.id] = counting.count_selections(
                self.method, [e.id for e in standing.get(category.id, [])], chosen.get(category.id, []),
                orders.get(category.slug))

    def check_tally(self) -> None:
        """The latest tally, if it counted this very ledger, must have every public_votes of the recount."""
        found = self.snapshot
        if found is None:
            self.tally_note = "no tally to compare with"
            return
        name = f"tally snapshot {found.seq} ({found.sha256[:12]}…)"
        recorded, now = found.body["inputs"]["ledger"], head.head(self.contest)
        if any(recorded.get(k) != now[k] for k in ("chain", "amendment_hash", "ballots")):
            self.tally_note = (f"{name} counted an earlier state of the ledger ({recorded.get('ballots')} ballot(s), "
                               f"{recorded.get('amendments')} amendment(s)): not compared; tally again")
            return
        if self.method is None:
            self.tally_note = f"{name}: no public vote to compare"
            return
        before = len(self.problems)
        for result in found.body["results"]["categories"]:
            count = self.counts.get(self.category_ids.get(result["slug"]))
            tallied = {p["entry_id"]: p["public_votes"] for p in result["ranking"]}
            if count is None or set(tallied) != set(count.scores):
                self.problem(f"{result['slug']}: {name} counted entries {sorted(tallied)}, the standing entries "
                             f"are {sorted(count.scores) if count else 'none'}")
                continue
            for entry_id, votes in sorted(tallied.items()):
                if votes != count.scores[entry_id]:
                    self.problem(f"{result['slug']}: entry {entry_id} has public_votes {votes} in {name}, "
                                 f"{count.scores[entry_id]} in the recount")
            if result.get("ballots") != count.ballots:
                self.problem(f"{result['slug']}: {name} counted {result.get('ballots')} ballot(s), "
                             f"the recount {count.ballots}")
            if (result.get("count") or {}).get("detail", {}) != json.loads(json.dumps(count.detail)):
                self.problem(f"{result['slug']}: the count's detail (IRV rounds, Schulze matrices) in {name} "
                             "is not the recount's")
        agree = len(self.problems) == before
        self.tally_note = f"the recount {'agrees' if agree else 'DISAGREES'} with {name}"


@ledger.command("verify")
@click.argument("contest_slug")
def verify(contest_slug: str):
    """Check a contest's ledger against the database; exit 1 on any mismatch."""
    from voting.cli import contest_or_exit

    contest = contest_or_exit(contest_slug)
    check = Check(contest)
    check.run()
    click.echo(f"{contest.slug}: {check.batches} batch(es), {check.leaves} leaves, "
               f"{check.amendments} amendment(s); {len(check.unsealed)} counted ballot(s) not sealed yet")
    click.echo(f"recount ({check.method or 'no public vote'}), counted ballots over the standing entries:")
    for category in contest.categories:
        count = check.counts.get(category.id)
        shown = ", ".join(f"entry {e}: {count.scores[e]}" for group in count.order for e in group) if count else ""
        click.echo(f"  {category.slug}: {count.ballots if count else 0} ballot(s); {shown or 'nothing counted'}")
    click.echo(check.tally_note)
    if check.problems:
        for text in check.problems:
            click.echo(f"FAIL {text}", err=True)
        click.echo(f"ledger of {contest.slug}: {len(check.problems)} problem(s)", err=True)
        sys.exit(1)
    click.echo(f"ledger of {contest.slug}: verified")
