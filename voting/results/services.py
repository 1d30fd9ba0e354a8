"""Results for the ones who ask: asking for a tally, reading the latest result
(organisers: any; everyone: the published one), publishing it now or at an
announcement time, and correcting a published result.

Publication is final. It freezes the snapshot (its body never changes
anyway; from then on it is public), marks the contest published (so its
phase is `published` and nothing that fed the results may change, see
contests/domain/changes.py), and is audited. A correction is a new snapshot
published with a reason and a link to the one it replaces; both stay public.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select

from voting.accounts.models import User
from voting.audit import services as audit
from voting.contests.models import Contest
from voting.errors import ApiError, validation_error
from voting.extensions import db
from voting.fraud import overview
from voting.i18n.domain import N_, msg
from voting.results import jobs
from voting.results.models import ResultSnapshot

REASON_MAX = 2000
SHA256 = re.compile(r"[0-9a-f]{64}")


def voting_open(contest: Contest, now: datetime) -> bool:
    """Still taking ballots, or not yet opened: no final count can be made."""
    closes = contest.voting_closes_at
    return contest.settings["voting"]["method"] != "none" and closes is not None and now < closes


def uses_jury(contest: Contest) -> bool:
    return contest.settings["awards"]["policy"] != "public" and contest.settings["judging"]["mode"] != "none"


def judging_open(contest: Contest, now: datetime) -> bool:
    """The jury, whose scores decide, may still be scoring (or has not started)."""
    closes = contest.judging_closes_at
    return uses_jury(contest) and closes is not None and now < closes


def _started(opens: datetime | None, now: datetime) -> bool:
    return opens is not None and opens <= now


def pending_input(contest: Contest, now: datetime) -> tuple[str, datetime] | None:
    """What a final tally still waits for, and when that wait ends: the
    reason names the first input waited on, the vote before the jury, each
    either not opened yet (`voting_not_opened`, `judging_not_opened`) or
    still open (`voting_open`, `judging_open`); the time is when the tally
    really becomes possible, the latest close among every input still waited
    on (a jury closing after the vote keeps the tally waiting past the vote's
    close). None when both are done."""
    waits = []
    if voting_open(contest, now):
        waits.append(("voting_open" if _started(contest.voting_opens_at, now) else "voting_not_opened",
                      contest.voting_closes_at))
    if judging_open(contest, now):
        waits.append(("judging_open" if _started(contest.judging_opens_at, now) else "judging_not_opened",
                      contest.judging_closes_at))
    if not waits:
        return None
    return waits[0][0], max(closes for _wait, closes in waits)


# The API's words for each wait (its callers ask for a preview with ?preview=true); the pages word their own.
PENDING = {
    "voting_not_opened": N_("Voting has not opened yet: %(doing)s once it has opened and closed (?preview=true "
                            "counts so far; a preview is never published)."),
    "voting_open": N_("Voting is still open: %(doing)s once it has closed (?preview=true counts "
                      "so far; a preview is never published)."),
    "judging_not_opened": N_("Judging has not opened yet: %(doing)s once it has opened and closed (?preview=true "
                             "counts so far; a preview is never published)."),
    "judging_open": N_("Judging is still open: %(doing)s once it has closed (?preview=true counts "
                       "so far; a preview is never published)."),
}


def require_inputs_final(contest: Contest, now: datetime, doing: str) -> None:
    """409 `phase_closed` while the vote or the jury is not done (not opened
    yet or still open alike: the code is the API's contract, the message says which)."""
    pending = pending_input(contest, now)
    if pending is not None:
        raise ApiError("phase_closed", msg(PENDING[pending[0]], doing=doing), 409)


def request_tally(contest: Contest, user: User, preview: bool, now: datetime) -> str:
    """Enqueue the tally; its job id. A final tally needs the vote and the
    jury done, and runs the final fraud sweep first unless it has run
    (tally.run; review_status says which); a preview counts as things stand
    and can never be published."""
    if not preview:
        require_inputs_final(contest, now, msg("tally"))
    return jobs.enqueue_tally(contest.id, preview, user.id).id


def review_status(contest: Contest) -> dict[str, Any]:
    """What the fraud review still holds before a tally (voting/fraud/overview.status):
    ballots under review are not counted unless an organiser counts them."""
    return overview.status(contest)


def latest(contest: Contest, *, include_previews: bool) -> ResultSnapshot | None:
    query = select(ResultSnapshot).where(ResultSnapshot.contest_id == contest.id)
    if not include_previews:
        query = query.where(ResultSnapshot.preview.is_(False))
    return db.session.scalar(query.order_by(ResultSnapshot.seq.desc()).limit(1))


def published(contest: Contest) -> list[ResultSnapshot]:
    """Every published snapshot, the current one last."""
    return list(db.session.scalars(select(ResultSnapshot).where(
        ResultSnapshot.contest_id == contest.id, ResultSnapshot.published_at.is_not(None))
        .order_by(ResultSnapshot.published_at, ResultSnapshot.seq)))


def results_json(snapshot: ResultSnapshot, history: list[ResultSnapshot] | None = None) -> dict[str, Any]:
    """RESULTS of shared/API.md from a snapshot, with its uncertainty, ledger
    head and, for a correction, what it corrects and why."""
    body = snapshot.body
    out = {**body["results"], "published_at": snapshot.published_at.isoformat() if snapshot.published_at else None,
           "snapshot_sha256": snapshot.sha256, "seq": snapshot.seq, "preview": snapshot.preview,
           "tallied_at": snapshot.created_at.isoformat(), "ledger": body["inputs"]["ledger"],
           "tie_break": body["rules"]["awards"]["tie_chain"],
           "publish_at": snapshot.publish_at.isoformat() if snapshot.publish_at and not snapshot.published_at
           else None}
    if snapshot.corrects_id is not None:
        corrected = db.session.get(ResultSnapshot, snapshot.corrects_id)
        out["corrects"] = {"snapshot_sha256": corrected.sha256, "seq": corrected.seq,
                           "reason": snapshot.correction_reason}
    if history is not None:
        out["history"] = [{"snapshot_sha256": s.sha256, "seq": s.seq, "published_at": s.published_at.isoformat(),
                           "reason": s.correction_reason} for s in history if s.id != snapshot.id]
    return out


def draft_results(contest: Contest) -> dict[str, Any]:
    snapshot = latest(contest, include_previews=True)
    if snapshot is None:
        raise ApiError("not_found", "No tally yet: POST …/tally first.", 404)
    return results_json(snapshot, published(contest))


def public_results(contest: Contest) -> dict[str, Any]:
    shown = published(contest)
    if not shown:
        raise ApiError("not_published", "The results are not published yet.", 404)
    return results_json(shown[-1], shown)


def snapshot_body(contest: Contest, sha256: str, organiser: bool) -> dict[str, Any]:
    """A snapshot's whole body by its hash, with the hash. Before publication
    only the contest's organisers may read it (404 to anyone else: a hash
    must not confirm what an unpublished result says)."""
    if not SHA256.fullmatch(sha256):
        raise ApiError("not_found", "No such snapshot.", 404)
    query = select(ResultSnapshot).where(ResultSnapshot.contest_id == contest.id, ResultSnapshot.sha256 == sha256)
    if not organiser:
        query = query.where(ResultSnapshot.published_at.is_not(None))
    found = db.session.scalar(query.order_by(ResultSnapshot.seq.desc()).limit(1))
    if found is None:
        raise ApiError("not_found", "No such snapshot.", 404)
    return {"snapshot_sha256": found.sha256, "seq": found.seq, "body": found.body}


def publish(contest: Contest, user: User, now: datetime, at: datetime | None = None,
            reason: str | None = None, expected: str | None = None) -> dict[str, Any]:
    """Publish the latest tally now, or book it for `at` (booking again moves
    the booking; publishing or booking one tally cancels any other booking,
    so an older tally can never land over a newer one). A correction of a
    published result needs a reason. Commits."""
    contest.lock()
    snapshot = latest(contest, include_previews=False)
    problems: dict[str, str] = {}
    if at is not None and at <= now:
        problems["at"] = N_("must be in the future")
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > REASON_MAX:
        problems["reason"] = msg("at most %(num)d characters", num=REASON_MAX)
    if problems:
        raise validation_error(problems)
    require_inputs_final(contest, now, msg("results can be published"))
    if snapshot is None:
        raise ApiError("conflict", "Nothing to publish: tally the contest first.", 409)
    if expected is not None and expected != snapshot.sha256:
        raise ApiError("conflict", "A newer tally has been made since the one you reviewed: read it first.", 409)
    before = published(contest)
    if snapshot.published_at is not None:
        raise ApiError("already_published", "This tally is already published; tally again to correct it.", 409)
    reason = reason or snapshot.correction_reason  # given when it was booked
    if before and reason is None:
        raise validation_error({"reason": N_("a correction of published results needs a reason")})
    snapshot.correction_reason = reason if before else None
    for other in db.session.scalars(select(ResultSnapshot).where(
            ResultSnapshot.contest_id == contest.id, ResultSnapshot.id != snapshot.id,
            ResultSnapshot.publish_at.is_not(None), ResultSnapshot.published_at.is_(None))):
        audit.append(contest, user, "results.booking_cancelled", f"snapshot {other.seq}",
                     {"sha256": other.sha256, "at": other.publish_at.isoformat(), "replaced_by": snapshot.seq}, now)
        other.publish_at = None
    if at is not None:
        snapshot.publish_at = at
        audit.append(contest, user, "results.scheduled", f"snapshot {snapshot.seq}",
                     {"sha256": snapshot.sha256, "at": at.isoformat(), "reason": snapshot.correction_reason}, now)
        db.session.commit()
        jobs.schedule_publication(snapshot.id, at)
        return results_json(snapshot, before)
    _make_public(contest, snapshot, before, user, now)
    db.session.commit()
    return results_json(snapshot, published(contest))


def _make_public(contest: Contest, snapshot: ResultSnapshot, before: list[ResultSnapshot], user: User | None,
                 now: datetime) -> None:
    """What it corrects is settled now, at publication, not when it was booked."""
    snapshot.corrects_id = before[-1].id if before else None
    snapshot.published_at = now
    snapshot.publish_at = None
    if contest.published_at is None:
        contest.published_at = now
    audit.append(contest, user, "results.published", f"snapshot {snapshot.seq}",
                 {"sha256": snapshot.sha256, "corrects": snapshot.corrects_id, "reason": snapshot.correction_reason},
                 now)


def publish_due(snapshot_id: int, booked_for: datetime | None, now: datetime) -> bool:
    """The booked announcement has come: publish, unless it was already
    published, its booking was moved or cancelled, a later tally has been
    published since, or it would be a correction without a reason. Commits."""
    snapshot = db.session.get(ResultSnapshot, snapshot_id)
    if snapshot is None or snapshot.published_at is not None or snapshot.publish_at is None:
        return False
    contest = db.session.get(Contest, snapshot.contest_id)
    contest.lock()
    db.session.refresh(snapshot)
    due = snapshot.publish_at
    if snapshot.published_at is not None or due is None or due > now:
        return False
    if booked_for is not None and abs((due - booked_for).total_seconds()) >= 1:
        return False  # a job for a booking that has moved since; the new booking has its own
    before = published(contest)
    if (before and before[-1].seq > snapshot.seq) or (before and not snapshot.correction_reason):
        snapshot.publish_at = None
        audit.append(contest, None, "results.booking_cancelled", f"snapshot {snapshot.seq}",
                     {"sha256": snapshot.sha256, "at": due.isoformat(), "why": "a later result is published"}, now)
        db.session.commit()
        return False
    _make_public(contest, snapshot, before, None, now)
    db.session.commit()
    return True
