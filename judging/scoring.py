"""Judges' score sheets: a draft until submitted, then changed only after an
organiser reopens it. Every change is kept (who, when, before, after) and
enters the contest's audit log in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from voting.accounts.models import User
from voting.audit import services as audit
from voting.contests.entries import get_entry
from voting.contests.models import Contest, Entry
from voting.contests.services import require_unpublished
from voting.errors import ApiError, not_found, validation_error
from voting.extensions import db
from voting.i18n.domain import N_, msg

from judging.assignments import conflict_pairs, counted, current_round, sheet_of
from judging.domain import rubric
from judging.judges import judge_of, judge_rows
from judging.models import Assignment, Round, ScoreSheet, SheetChange

COMMENT_LIMIT = 5000


def not_assigned() -> ApiError:
    return ApiError("not_assigned", "This entry is not on your judging list.", 403)


def require_judge(contest: Contest, user: User) -> None:
    """A judge of this contest; anyone else is told the entry is not on their list."""
    if judge_of(contest, user) is None:
        raise not_assigned()


def criteria_of(rnd: Round) -> list[rubric.Criterion]:
    return [rubric.Criterion(c["key"], c["label"], float(c.get("weight", 1.0)), float(c.get("min", 0.0)),
                             float(c.get("max", 10.0))) for c in rnd.criteria]


def check_open(contest: Contest, rnd: Round, now: datetime) -> None:
    """Scores are taken while the round is open and, where the contest has a
    judging window, while it is open."""
    require_unpublished(contest)
    window = contest.windows().get("judging")
    if rnd.closed_at is not None or (window is not None and not window.contains(now)):
        raise ApiError("phase_closed", "Judging is not open for this contest.", 409)


def _record(contest: Contest, rnd: Round, sheet: ScoreSheet, entry_id: int, judge_id: int, actor: User, action: str,
            before: dict[str, Any] | None, now: datetime) -> None:
    after = sheet.snapshot()
    db.session.add(SheetChange(sheet_id=sheet.id, round_id=rnd.id, judge_id=judge_id, entry_id=entry_id,
                               actor_id=actor.id, action=action, before=before, after=after, at=now))
    audit.append(contest, actor, f"judging.{action}", f"entry {entry_id}",
                 {"entry_id": entry_id, "judge_id": judge_id, "before": before, "after": after}, now)


def save(contest: Contest, entry_id: int, judge: User, scores: Any, comment: str, comment_to_entrant: bool,
         submit: bool, now: datetime) -> dict[str, Any]:
    """Save (and with `submit`, submit) a judge's sheet for an entry. Refusals,
    in order: not a judge of this contest or not assigned (403 `not_assigned`),
    a conflict (403 `conflict_of_interest`), judging closed (409
    `phase_closed`), already submitted (409 `already_submitted`), bad scores
    (422 with each field). Nothing is half-saved."""
    require_judge(contest, judge)
    entry = get_entry(entry_id, contest)  # 404 for an entry of no contest or of another
    if (judge.id, entry_id) in conflict_pairs(contest):
        raise ApiError("conflict_of_interest", "You have a conflict of interest with this entry.", 403)
    rnd = current_round(contest, create=False)
    assignment, sheet = sheet_of(rnd, judge.id, entry_id, lock=True) if rnd else (None, None)
    if assignment is None or entry.status != "approved":  # a rejected entry is on nobody's list
        raise not_assigned()
    check_open(contest, rnd, now)
    if sheet is not None and sheet.status == "submitted":
        raise ApiError("already_submitted", "This score was submitted; an organiser can reopen it.", 409)
    problems = rubric.problems(criteria_of(rnd), scores, submit=submit)
    if len(comment) > COMMENT_LIMIT:
        problems["comment"] = msg("must be at most %(num)d characters", num=COMMENT_LIMIT)
    if problems:
        raise validation_error(problems)
    before = sheet.snapshot() if sheet is not None else None
    if sheet is None:
        sheet = ScoreSheet(assignment_id=assignment.id)
        db.session.add(sheet)
    sheet.scores = {k: v for k, v in scores.items() if v is not None}
    sheet.comment, sheet.comment_to_entrant = comment, comment_to_entrant
    sheet.status = "submitted" if submit else "draft"
    sheet.submitted_at = now if submit else None
    sheet.updated_at = now
    db.session.flush()
    _record(contest, rnd, sheet, entry_id, judge.id, judge, "submitted" if submit else "saved", before, now)
    db.session.commit()
    return serialise_sheet(rnd, entry_id, sheet)


def reopen(contest: Contest, judge_id: int, entry_id: int, actor: User, reason: str, now: datetime) -> dict[str, Any]:
    """An organiser sends a submitted sheet back to draft (a mis-click undone)."""
    require_unpublished(contest)
    rnd = current_round(contest, create=False)
    _assignment, sheet = sheet_of(rnd, judge_id, entry_id, lock=True) if rnd else (None, None)
    if sheet is None:
        raise not_found("score sheet")
    if sheet.status != "submitted":
        raise ApiError("locked", "Only a submitted score can be reopened.", 409)
    if not reason.strip():
        raise validation_error({"reason": N_("say why the score is reopened")})
    before = sheet.snapshot()
    sheet.status, sheet.submitted_at, sheet.updated_at = "draft", None, now
    db.session.flush()
    _record(contest, rnd, sheet, entry_id, judge_id, actor, "reopened", {**before, "reason": reason}, now)
    db.session.commit()
    return serialise_sheet(rnd, entry_id, sheet)


def serialise_sheet(rnd: Round, entry_id: int, sheet: ScoreSheet | None) -> dict[str, Any]:
    body: dict[str, Any] = {"entry_id": entry_id, "status": sheet.status if sheet else "pending",
                            "scores": dict(sheet.scores or {}) if sheet else {},
                            "comment": sheet.comment if sheet else "",
                            "comment_to_entrant": sheet.comment_to_entrant if sheet else False}
    criteria = criteria_of(rnd)
    if sheet is not None and not rubric.problems(criteria, sheet.scores or {}, submit=True):
        body["total"] = round(rubric.total(criteria, sheet.scores), 4)
    return body


def status_of(sheet: ScoreSheet | None) -> str:
    return sheet.status if sheet is not None else "pending"


def my_assignments(judge: User) -> list[dict[str, Any]]:
    """Every entry on this judge's lists, in every contest they judge, without
    those they now conflict with or that were rejected since."""
    rows = db.session.execute(
        select(Assignment, Entry, Contest).join(Round, Round.id == Assignment.round_id)
        .join(Entry, Entry.id == Assignment.entry_id).join(Contest, Contest.id == Round.contest_id)
        .where(Assignment.judge_id == judge.id, Round.closed_at.is_(None), Entry.status == "approved")
        .options(selectinload(Assignment.sheet)).order_by(Contest.id, Entry.category_id, Entry.id)).all()
    found, conflicts = [], {}
    for assignment, entry, contest in rows:
        if not judge.has_role("judge", contest.id):
            continue
        if contest.id not in conflicts:
            conflicts[contest.id] = conflict_pairs(contest)
        if (judge.id, entry.id) in conflicts[contest.id]:
            continue
        found.append({"contest": contest.slug, "entry_id": entry.id, "title": entry.title,
                      "category": entry.category.slug, "status": status_of(assignment.sheet)})
    return found


def progress(contest: Contest) -> list[dict[str, Any]]:
    """Per judge: assigned, started (drafts) and submitted sheets in the current
    round, of approved entries."""
    rnd = current_round(contest, create=False)
    counts: dict[int, dict[str, int]] = {}
    if rnd is not None:
        for assignment in counted(rnd):
            c = counts.setdefault(assignment.judge_id, {"assigned": 0, "draft": 0, "submitted": 0})
            c["assigned"] += 1
            if assignment.sheet is not None:
                c[assignment.sheet.status] += 1
    out = []
    rows = judge_rows(contest, active_only=False)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_([r.user_id for r in rows])))}
    for row in rows:
        user = users[row.user_id]
        c = counts.get(row.user_id, {"assigned": 0, "draft": 0, "submitted": 0})
        out.append({"judge_id": user.id, "display_name": user.display_name, "email": user.email,
                    "active": row.active, "assigned": c["assigned"], "draft": c["draft"],
                    "submitted": c["submitted"], "started": c["draft"] + c["submitted"] > 0})
    return out

