"""Rounds and shortlists: an organiser closes the current round and advances,
per category, its top N entries (or those at or above a score) to a new round
with its own rubric, judges per entry and judges. Entries tied at the cut go
through together, and the answer says so: a cut never splits a tie silently."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from voting.accounts.models import User
from voting.audit import services as audit
from voting.api.request import field_errors
from voting.contests.models import Contest
from voting.contests.services import require_unpublished
from voting.contests.domain.spec import Criterion as CriterionSpec
from voting.errors import ApiError, validation_error
from voting.extensions import db
from voting.i18n.domain import N_, msg

from judging import aggregate
from judging.assignments import current_round
from judging.judges import judge_rows, lock_contest
from judging.models import Round, RoundEntry


def shortlist(places: list[dict[str, Any]], top: int | None, min_score: float | None) -> tuple[list[int], bool]:
    """The entries of one category's ranking that go through, and whether a tie
    straddled the cut (every tied entry goes through then)."""
    if top is not None:
        chosen = [p for p in places if p["rank"] <= top]
        straddles = len(chosen) > top
    else:
        # A rubric round's jury score (0..10), or a pairwise round's fitted strength.
        chosen = [p for p in places if p.get("jury_score", p.get("score")) >= min_score]
        straddles = False
    return [p["entry_id"] for p in chosen], straddles


def advance(contest: Contest, actor: User, now: datetime, *, top: int | None = None, min_score: float | None = None,
            criteria: list[dict[str, Any]] | None = None, judges_per_entry: int | None = None,
            mode: str | None = None, judge_ids: list[int] | None = None) -> dict[str, Any]:
    """Close the current round and open the next with the shortlist. Commits."""
    if (top is None) == (min_score is None):
        raise validation_error({"top": N_("give either top or min_score")})
    lock_contest(contest)
    require_unpublished(contest)
    rnd = current_round(contest, create=False)
    if rnd is None:
        raise ApiError("phase_closed", "There is no round to advance from: make the assignments first.", 409)
    if criteria is not None:
        problems = {}
        for i, raw in enumerate(criteria):
            try:
                found = CriterionSpec.model_validate(raw)
            except ValidationError as exc:
                problems.update(field_errors(exc, f"criteria.{i}"))
                continue
            if found.max <= found.min:
                problems[f"criteria.{i}.max"] = N_("must be greater than min")
        if not criteria or len({c.get("key") for c in criteria if isinstance(c, dict)}) != len(criteria):
            problems["criteria"] = N_("give at least one criterion, each with its own key")
        if problems:
            raise validation_error(problems)
    known = {r.user_id for r in judge_rows(contest)}
    unknown = sorted(set(judge_ids or []) - known)
    if unknown:
        raise validation_error({"judge_ids": msg("not judges of this contest: %(ids)s",
                                                 ids=", ".join(map(str, unknown)))})
    ranking = aggregate.ranking(contest)
    chosen: dict[str, list[int]] = {}
    ties_at_cut = []
    for category in ranking["categories"]:
        ids, straddles = shortlist(category["ranking"], top, min_score)
        chosen[category["slug"]] = ids
        if straddles:
            ties_at_cut.append(category["slug"])
    if not any(chosen.values()):
        raise ApiError("conflict", "No entry reaches that cut: the round would have no entries.", 409)
    rnd.closed_at = now
    nxt = Round(shortlisted=True, contest_id=contest.id, number=rnd.number + 1, mode=mode or rnd.mode,
                criteria=[CriterionSpec.model_validate(c).model_dump() for c in criteria] if criteria
                else rnd.criteria, judges_per_entry=judges_per_entry or rnd.judges_per_entry,
                seed=secrets.randbits(31), judge_ids=sorted(set(judge_ids)) if judge_ids else None, created_at=now)
    db.session.add(nxt)
    db.session.flush()
    for ids in chosen.values():
        for entry_id in ids:
            db.session.add(RoundEntry(round_id=nxt.id, entry_id=entry_id))
    details = {"from_round": rnd.number, "round": nxt.number, "top": top, "min_score": min_score,
               "shortlist": chosen, "ties_at_cut": ties_at_cut, "mode": nxt.mode,
               "judges_per_entry": nxt.judges_per_entry, "judge_ids": nxt.judge_ids}
    audit.append(contest, actor, "judging.round_opened", f"round {nxt.number}", details, now)
    db.session.commit()
    return details
