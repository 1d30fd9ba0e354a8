"""The tally: count a contest's counted ballots, join the jury's scores, apply
the award policy and the tie chain, measure every cut line, and store the
result as an immutable snapshot (models.py). The RQ job calls `run`.

Order of work, and why:
0. A final tally runs the final fraud sweep first, unless it has run
   (voting/fraud/services.ensure_final_sweep): the periodic tick books it at
   the close, and this is the net under a lost or late one. A final count
   never comes before the rules have judged every account.
1. Seal every decided ballot the ledger lacks, so the ledger's head that the
   snapshot records covers every ballot it counts (anyone can then recount
   the result from the published ledger). If another seal holds some, the
   job fails and RQ retries it: never a count the ledger cannot back.
2. Read, in one transaction's view, the grouped counted ballots, the standing
   entries, the jury's aggregated scores and the invalidation report.
3. Decide (pure: voting/results/domain/snapshot.decide_contest), hash.
4. Store the snapshot under the contest's lock: unless the latest snapshot of
   the same kind already has this hash (a job run twice stores one). A
   failure anywhere before the commit leaves the earlier snapshots as they
   were.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from sqlalchemy import func, select

from voting.accounts.models import User
from voting.audit import services as audit
from voting.ballots import jobs as ballot_jobs
from voting.ballots import counted as inputs
from voting.contests.models import Contest
from voting.extensions import db
from voting.fraud import services as fraud_services
from voting.fraud.report import invalidation_report
from voting.ledger import head
from voting.results.domain import awards, snapshot
from voting.results.models import ResultSnapshot

from judging.aggregate import ranking as jury_ranking


class LedgerBusy(RuntimeError):
    """Some decided ballots are not sealed yet; the job is retried."""


def rules_of(contest: Contest) -> snapshot.ContestRules:
    voting, spec = contest.settings["voting"], contest.settings["awards"]
    return snapshot.ContestRules(
        slug=contest.slug, method=voting["method"], ranked_method=voting.get("ranked_method", "irv"),
        awards=awards.AwardRules(policy=spec["policy"], kind=contest.kind,
                                 champions_per_category=spec["champions_per_category"],
                                 winners_per_category=spec["winners_per_category"],
                                 public_weight=float(spec["public_weight"]),
                                 tie_chain=tuple(spec.get("tie_break") or awards.DEFAULT_CHAIN)))


def jury_scores(contest: Contest) -> dict[str, dict[int, float]] | None:
    """category slug → entry → the jury's aggregated score (None: no jury)."""
    if contest.settings["judging"]["mode"] == "none":
        return None
    found = jury_ranking(contest)
    return {c["slug"]: {r["entry_id"]: float(r.get("jury_score", r.get("score"))) for r in c["ranking"]}
            for c in found["categories"]}


def decide(contest: Contest, ledger: dict[str, Any]) -> snapshot.Decision:
    rules = rules_of(contest)
    method = rules.counting_method
    votes = inputs.counted_votes(contest, method) if method else {}
    standing = inputs.standing_entries(contest)
    jury = jury_scores(contest)
    categories = []
    for category in contest.categories:
        found = votes.get(category.id, inputs.Votes())
        categories.append(snapshot.CategoryInput(
            slug=category.slug,
            entries=[awards.Entry(e.id, e.title, e.created_at.isoformat()) for e in standing.get(category.id, [])],
            ballots=found.ballots, types=found.kinds if method else None,
            jury=None if jury is None else jury.get(category.slug, {})))
    report = invalidation_report(contest)
    report.pop("categories", None)
    decision = snapshot.decide_contest(rules, categories, ledger["seed"], votes=report)
    return snapshot.Decision(decision.results, {**decision.inputs, "ledger": ledger}, decision.rules)


def consistent_reads() -> None:
    """Begin a transaction whose reads all see one snapshot (PostgreSQL's
    REPEATABLE READ; SQLite's transactions are serialisable already). Must
    come before the transaction's first statement."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def run(contest_id: int, preview: bool, user_id: int | None, now: datetime,
        progress: Callable[[str], None] = lambda stage: None) -> dict[str, Any]:
    """Tally the contest and store its snapshot; `progress` hears each stage's
    name as it starts (the job shows it in GET /api/v1/jobs/{id})."""
    contest = db.session.get(Contest, contest_id)
    if contest is None:
        return {"skipped": "no such contest"}
    if not preview:
        progress("final sweep")
        if fraud_services.ensure_final_sweep(contest_id, now):
            ballot_jobs.enqueue_rebuild(contest_id)  # what it held leaves the live counters
        contest = db.session.get(Contest, contest_id)
    progress("sealing")
    sealed = head.seal_all(contest.id, now)
    db.session.rollback()
    if not sealed and not preview:
        raise LedgerBusy("some decided ballots are still being sealed into the ledger; the tally will retry")
    progress("counting")
    # Every read below sees one snapshot of the database, so the ledger head
    # recorded is the one whose ballots are counted: a review decided (or, for
    # a preview, a ballot cast) meanwhile is in neither.
    consistent_reads()
    contest = db.session.get(Contest, contest_id)
    ledger = head.head(contest)
    unsealed = head.unsealed(contest.id)
    if unsealed and not preview:
        db.session.rollback()
        raise LedgerBusy("a ballot was decided while the tally sealed the ledger; the tally will retry")
    if unsealed:
        ledger["unsealed"] = unsealed  # a preview counts what the ledger does not hold yet, and says so
    decision = decide(contest, ledger)
    progress("storing")
    body, sha = decision.snapshot(), decision.sha256()
    contest.lock()
    last = db.session.scalar(select(ResultSnapshot).where(ResultSnapshot.contest_id == contest.id,
                                                         ResultSnapshot.preview.is_(preview))
                             .order_by(ResultSnapshot.seq.desc()).limit(1))
    newest = db.session.scalar(select(func.max(ResultSnapshot.seq)).where(ResultSnapshot.contest_id == contest.id))
    if last is not None and last.sha256 == sha and last.seq == newest:
        db.session.rollback()
        return {"snapshot": last.seq, "sha256": sha, "new": False}
    row = ResultSnapshot(contest_id=contest.id, seq=(newest or 0) + 1, sha256=sha, body=body, preview=preview,
                         created_at=now, created_by_id=user_id)
    db.session.add(row)
    actor = db.session.get(User, user_id) if user_id is not None else None
    audit.append(contest, actor, "results.tallied", f"snapshot {row.seq}",
                 {"sha256": sha, "preview": preview, "ledger": decision.inputs["ledger"]}, now)
    db.session.commit()
    return {"snapshot": row.seq, "sha256": sha, "new": True}
