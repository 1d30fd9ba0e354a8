"""`flask --app voting ledger verify CONTEST`: the ledger checked against the database.

Everything an outside verifier checks (tools/verify_ledger.py), and what only
the database can tell (checks.py): that every leaf is its ballot's, that every
sealed ballot has a leaf, and that the count from the ledger is the count from
SQL. The recount uses the tally's own rules (voting/results/domain/counting.py, the
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
from sqlalchemy import select

from voting.ballots import counters
from voting.ballots.counted import standing_entries
from voting.ballots.models import Ballot
from voting.contests.models import Contest
from voting.extensions import db
from voting.ledger import head
from voting.ledger.checks import Check
from voting.results.domain import counting
from voting.results.models import ResultSnapshot

ledger = AppGroup("ledger", help="The contests' verifiable ledgers.")


class Verification(Check):
    """The ledger's own checks (checks.py), then the recount against SQL and the latest tally."""

    def __init__(self, contest: Contest):
        super().__init__(contest)
        self.unsealed: list = []
        self.tally: dict[int, dict[int, int]] = {}
        voting = contest.settings["voting"]
        # counting.py's name for the method (None: no public vote)
        self.method = {"none": None, "ranked": voting.get("ranked_method", "irv")}.get(voting["method"],
                                                                                     voting["method"])
        self.counts: dict[int, counting.Count] = {}  # category id -> the count by the method
        self.snapshot: ResultSnapshot | None = None
        self.tally_note = ""

    def run(self) -> None:
        super().run()
        self.check_recount()
        self.count_by_method()
        self.check_tally()

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
    check = Verification(contest)
    check.run()
    click.echo(f"{contest.slug}: {check.batches} batch(es), {check.leaves} leaves, "
               f"{check.amendments} amendment(s); {len(check.unsealed)} counted ballot(s) not sealed yet")
    if check.treeless:
        click.echo(f"{check.treeless} batch(es) without stored tree levels (stored on their first receipt lookup)")
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
