"""Downloads of a contest's results and of what fed them: the RESULTS document
and its ranking rows (CSV), the anonymised ballots (CSV, streamed) and the
judges' score sheets (CSV).

Results come from the results services, so the same rule holds as in the
API: published results for everyone, the latest tally only for organisers
(the routes check who asks). Ballots and sheets are for organisers only.

What the ballots export leaves out, on purpose: the voter, their address,
network, browser signature, device and the time of casting, and the ballot's
id and receipt, all of which could lead back to a person (the ids and times
follow the order of casting). Ballots are listed in the order of their
receipt hashes within each category: a fixed order that says nothing about
when, or by whom, a ballot was cast.

Spreadsheets run a cell that starts with =, +, - or @ as a formula, and
titles and comments are typed by entrants and judges, so such text cells get
a leading apostrophe (numbers are written as numbers).
"""

from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Iterator

from sqlalchemy import String, cast, select

from voting.accounts.models import User
from voting.ballots.models import Ballot
from voting.contests.models import Category, Contest, Entry
from voting.extensions import db
from voting.results import services

from judging.domain import rubric
from judging.models import Assignment, Round, ScoreSheet
from judging.scoring import criteria_of

BATCH = 5000  # ballots fetched per round trip while streaming
ROWS_PER_CHUNK = 1000  # CSV rows per piece of the streamed answer
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
RESULT_COLUMNS = ("category", "rank", "entry_id", "title", "public_votes", "jury_score", "hybrid_score", "award",
                  "champion")
BALLOT_COLUMNS = ("category", "selection", "status", "status_reason")
SCORE_COLUMNS = ("round", "category", "entry_id", "entry_title", "judge", "status", "weighted_total")


def _text(value: str | None) -> str:
    text = value or ""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def results_document(contest: Contest, draft: bool) -> tuple[dict[str, Any], str]:
    """(RESULTS, its file name): the latest tally for `draft` (the caller has
    checked the organiser), else the published results (404 before)."""
    results = services.draft_results(contest) if draft else services.public_results(contest)
    return results, f"{contest.slug}-results-{results['snapshot_sha256'][:12]}"


def results_csv(contest: Contest, draft: bool) -> tuple[str, str]:
    """(one row per entry and category in the order of the results, file name)."""
    results, name = results_document(contest, draft)
    rows = []
    for cat in results["categories"]:
        champions = set(cat.get("champions") or [])
        for r in cat["ranking"]:
            rows.append((cat["slug"], r["rank"], r["entry_id"], _text(r["title"]), _blank(r.get("public_votes")),
                         _blank(r.get("jury_score")), _blank(r.get("hybrid_score")), r.get("award") or "",
                         "yes" if r["entry_id"] in champions else ""))
    return _csv(RESULT_COLUMNS, rows), name


def _blank(value: Any) -> Any:
    return "" if value is None else value


def ballots_csv(contest: Contest) -> tuple[Iterator[str], str]:
    """(the anonymised ballots as CSV pieces, file name). A generator over a
    server-side cursor: a contest of 1.3 million ballots is never in memory
    at once, and the first bytes leave before the last row is read."""
    query = (select(Category.slug, cast(Ballot.selection, String), Ballot.status, Ballot.status_reason)
             .join(Category, Category.id == Ballot.category_id)
             .where(Ballot.contest_id == contest.id)
             .order_by(Category.position, Category.id, Ballot.receipt_hash)
             .execution_options(yield_per=BATCH))

    def pieces() -> Iterator[str]:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(BALLOT_COLUMNS)
        rows = 0
        for slug, selection, status, reason in db.session.execute(query):
            writer.writerow((slug, selection, status, reason or ""))
            rows += 1
            if rows % ROWS_PER_CHUNK == 0:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
        yield out.getvalue()
        db.session.rollback()  # end the read's transaction now, not when the request's context goes

    return pieces(), f"{contest.slug}-ballots"


def scores_csv(contest: Contest) -> tuple[str, str]:
    """(every assignment of every round with its sheet, file name): the
    judge's name, the entry, each criterion's score (a column per criterion
    of any round), the weighted total on 0..10 of a complete sheet, the
    status (pending: no sheet yet) and the comment."""
    rows = db.session.execute(
        select(Round, Assignment.entry_id, ScoreSheet, Entry.title, Category.slug, User.display_name)
        .join(Assignment, Assignment.round_id == Round.id)
        .outerjoin(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .join(Entry, Entry.id == Assignment.entry_id)
        .join(Category, Category.id == Entry.category_id)
        .join(User, User.id == Assignment.judge_id)
        .where(Round.contest_id == contest.id)
        .order_by(Round.number, Category.position, Entry.id, User.display_name, User.id)).all()
    rounds: dict[int, Round] = {}
    for rnd, *_rest in rows:
        rounds.setdefault(rnd.id, rnd)
    keys = list(dict.fromkeys(c["key"] for rnd in rounds.values() for c in rnd.criteria or []))
    criteria = {rnd.id: criteria_of(rnd) if rnd.criteria else [] for rnd in rounds.values()}
    out = []
    for rnd, entry_id, sheet, title, category, judge in rows:
        scores = dict(sheet.scores or {}) if sheet is not None else {}
        total = ""
        if criteria[rnd.id] and sheet is not None and not rubric.problems(criteria[rnd.id], scores, submit=True):
            total = round(rubric.total(criteria[rnd.id], scores), 4)
        out.append((rnd.number, category, entry_id, _text(title), _text(judge),
                    sheet.status if sheet is not None else "pending", total,
                    *(_blank(scores.get(k)) for k in keys), _text(sheet.comment if sheet is not None else "")))
    return _csv((*SCORE_COLUMNS, *(f"score_{k}" for k in keys), "comment"), out), f"{contest.slug}-scores"
