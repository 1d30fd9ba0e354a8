"""The jury's view of a round: each entry's aggregated score with its spread,
and each category's places (ties shown), from the submitted sheets."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from voting.contests.models import Contest
from voting.extensions import db

from judging import comparisons
from judging.assignments import current_round, round_entries
from judging.domain import aggregation, rubric
from judging.models import Assignment, ScoreSheet
from judging.scoring import criteria_of


def ranking(contest: Contest) -> dict[str, Any]:
    """Per category, the round's approved entries with at least one submitted sheet, best first."""
    rnd = current_round(contest, create=False)
    if rnd is not None and rnd.mode == "pairwise":
        return comparisons.ranking(contest, rnd)
    if rnd is None:
        return {"round": None, "normalization": contest.settings["judging"]["normalization"], "categories": []}
    # Only the round's entries as they are now: a sheet of an entry rejected since counts for nothing, not even
    # in its judge's normalisation.
    entries = {e.id: e for e in round_entries(contest, rnd)}
    sheets = [rubric.Sheet(a.judge_id, a.entry_id, s.scores) for a, s in db.session.execute(
        select(Assignment, ScoreSheet).join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .where(Assignment.round_id == rnd.id, ScoreSheet.status == "submitted")) if a.entry_id in entries]
    normalization = contest.settings["judging"]["normalization"]
    jury = aggregation.jury(criteria_of(rnd), sheets, normalization)
    categories = []
    for category in contest.categories:
        scored = {i: s for i, s in jury.entries.items() if entries[i].category_id == category.id}
        places = aggregation.rank(scored)
        categories.append({"slug": category.slug, "ranking": [{
            "entry_id": p.entry, "title": entries[p.entry].title, "rank": p.rank, "tied": p.tied,
            "jury_score": round(p.score, 4), "judges": scored[p.entry].count,
            "mean": round(scored[p.entry].mean, 4), "sd": None if scored[p.entry].sd is None
            else round(scored[p.entry].sd, 4), "range": round(scored[p.entry].range, 4),
            "disagreement": scored[p.entry].disagreement} for p in places]})
    return {"round": rnd.number, "normalization": normalization, "categories": categories}
