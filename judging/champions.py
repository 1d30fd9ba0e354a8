"""The public vote's champions, for contests whose jury picks the winners among
them (`awards.policy = jury_among_champions`, the WSIS Prizes): per category,
the `champions_per_category` entries with the most valid public votes.

Only `counted` ballots count, read from SQL (never the live counters), a
batch at a time. Each ballot adds what the live counters add
(`selection.increments`: votes for single and approval, stars for score,
first preferences for ranked). A tie at the cut is not broken here: every
entry tied with the last champion joins the jury's round, and the answer
names the category, so the jury sees them all and nobody is dropped by an
unstated rule. (The tally's own tie chain and ranked counting belong to the
results, which replace this count once they exist.)
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from voting.ballots.models import Ballot
from voting.ballots.domain.selection import increments
from voting.contests.models import Contest, Entry
from voting.extensions import db

BATCH = 5000


def public_counts(contest: Contest) -> dict[int, dict[int, int]]:
    """category id → entry id → valid public votes (or stars)."""
    counts: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    rows = db.session.execute(
        select(Ballot.category_id, Ballot.method, Ballot.selection)
        .where(Ballot.contest_id == contest.id, Ballot.status == "counted")
        .execution_options(yield_per=BATCH))
    for category_id, method, chosen in rows:
        for entry_id, amount in increments(method, chosen).items():
            counts[category_id][entry_id] += amount
    return counts


def champions(contest: Contest) -> tuple[dict[str, list[int]], list[str]]:
    """(category slug → its champions, best first; the categories whose cut
    fell inside a tie). Approved entries only; an entry without votes is no
    champion."""
    per_category = contest.settings["awards"]["champions_per_category"]
    approved = {e.id: e.category_id for e in db.session.scalars(
        select(Entry).where(Entry.contest_id == contest.id, Entry.status == "approved"))}
    counts = public_counts(contest)
    chosen: dict[str, list[int]] = {}
    ties: list[str] = []
    for category in contest.categories:
        votes = {e: n for e, n in counts.get(category.id, {}).items() if approved.get(e) == category.id and n > 0}
        ordered = sorted(votes, key=lambda e: (-votes[e], e))
        picked = ordered[:per_category]
        if picked and len(ordered) > per_category and votes[ordered[per_category]] == votes[picked[-1]]:
            last = votes[picked[-1]]
            picked += [e for e in ordered[per_category:] if votes[e] == last]
            ties.append(category.slug)
        chosen[category.slug] = picked
    return chosen, ties
