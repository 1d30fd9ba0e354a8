"""RQ entry points of judging. They take ids; running one twice is harmless.

Reminders, in order:
1. find the contest's open round (none, or judging closed: nobody is mailed);
2. count each judge's entries left in it (approved, not submitted, not in conflict);
3. for every active judge with work left, claim today's reminder in Redis
   (a set per contest and day), then mail them; a failed delivery gives the
   claim back.

So a button pressed twice in a day, or a job retried after it failed half-way,
mails nobody twice: each judge gets at most one reminder a day.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from rq.job import Job
from sqlalchemy import select

from voting import clock, queues, redis_keys
from voting.accounts.models import User
from voting.contests.models import Contest
from voting.errors import ApiError
from voting.extensions import db, get_redis
from voting.mail import send_template

from judging import assignments, judges, scoring
from judging.models import Round

# A day's claims outlive the day, so that a job queued just before midnight still finds them.
CLAIM_TTL_SECONDS = 2 * 86400


def work_left(contest: Contest, rnd: Round) -> dict[int, dict[str, int]]:
    """Per judge (user id), approved entries of the round not yet submitted: pending and draft."""
    conflicts = assignments.conflict_pairs(contest)
    left: dict[int, dict[str, int]] = {}
    for assignment in assignments.counted(rnd):
        status = scoring.status_of(assignment.sheet)
        if status == "submitted" or (assignment.judge_id, assignment.entry_id) in conflicts:
            continue
        counts = left.setdefault(assignment.judge_id, {"pending": 0, "draft": 0})
        counts[status] += 1
    return left


def _judging_url() -> str:
    return current_app.config["VOTING"].base_url.rstrip("/") + "/judging/"


def _closes(contest: Contest) -> datetime | None:
    window = contest.windows().get("judging")
    return window.closes_at if window is not None else None


def mail_reminders(contest_id: int, day: str) -> dict[str, Any]:
    """Mail every active judge of the contest who has entries left, once on `day`."""
    summary: dict[str, Any] = {"contest_id": contest_id, "day": day, "mailed": 0, "already": 0, "failed": 0}
    contest = db.session.get(Contest, contest_id)
    rnd = assignments.current_round(contest, create=False) if contest is not None else None
    if rnd is None:
        return {**summary, "skipped": "no judging round"}
    try:
        scoring.check_open(contest, rnd, clock.now())
    except ApiError:
        return {**summary, "skipped": "judging is not open"}
    left = work_left(contest, rnd)
    rows = [row for row in judges.judge_rows(contest) if row.user_id in left]
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_([r.user_id for r in rows])))}
    redis = get_redis()
    key = redis_keys.judging_reminded(contest_id, day)
    for row in rows:
        user = users[row.user_id]
        if not user.has_role("judge", contest.id):
            continue
        if not redis.sadd(key, user.id):
            summary["already"] += 1
            continue
        redis.expire(key, CLAIM_TTL_SECONDS)
        counts = left[user.id]
        # In the judge's language (voting/mail.py), dates as that language writes them.
        sent = send_template(user.email, "judge_reminder", user.locale, user=user, contest=contest,
                             pending=counts["pending"], draft=counts["draft"], closes=_closes(contest),
                             judging_url=_judging_url())
        if sent:
            summary["mailed"] += 1
        else:
            redis.srem(key, user.id)  # a retry may try this judge again
            summary["failed"] += 1
    return summary


def reminder_day(now: datetime) -> str:
    return now.date().isoformat()


def enqueue_reminders(contest_id: int) -> Job:
    """Queue today's reminders of the contest (asked again while it waits: the same job)."""
    day = reminder_day(clock.now())
    return queues.enqueue_once("default", mail_reminders, f"judging-reminders-{contest_id}-{day}", contest_id, day,
                               contest_id=contest_id)
