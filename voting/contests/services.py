"""Contest use cases: create and edit from a SPEC, who sees a contest, and
CONTEST as the public and the contest's organisers see it.

Every change is committed with its audit entry (who, when, before and
after), and announced with `events.contest_changed` so that caches above
this layer (the intake's contest view) drop their copy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from voting.accounts.models import User, UserRole
from voting.audit import services as audit
from voting.contests import events
from voting.contests.domain import changes, phases, spec_translations
from voting.contests.models import Category, Contest, Entry
from voting.contests.domain.spec import ContestSpec, SpecErrors, is_slug, patch_spec, validate_spec
from voting.errors import ApiError, not_found, validation_error
from voting.extensions import db
from voting.i18n.domain import N_, msg

# What the public CONTEST leaves out: the anti-fraud settings (difficulty,
# timing, rate limits, fraud thresholds and origins), which would tell an
# attacker exactly how far to go. The contest's organisers see everything.
PRIVATE_VOTING_SETTINGS = ("pow_bits", "pow_spike_per_minute", "min_render_seconds", "rate_limits")
PRIVATE_SECTIONS = ("fraud",)
PRIVATE_SUBMISSION_SETTINGS = ("rate_limit",)


def slug_taken(slug: str) -> ApiError:
    return ApiError("slug_taken", msg("A contest with the slug “%(slug)s” already exists.", slug=slug), 409,
                    {"slug": N_("is already taken")})


def get_contest(slug: str) -> Contest:
    contest = db.session.scalar(select(Contest).where(Contest.slug == slug)) if is_slug(slug) else None
    if contest is None:
        raise not_found("contest")
    return contest


def get_contest_by_id(contest_id: int) -> Contest:
    contest = db.session.get(Contest, contest_id)
    if contest is None:
        raise not_found("contest")
    return contest


def list_contests() -> list[Contest]:
    return list(db.session.scalars(select(Contest).order_by(Contest.created_at, Contest.id)))


def visible_to(contest: Contest, viewer: User | None, now: datetime) -> bool:
    """A draft (before its first window) is seen only by its organisers."""
    return phase_of(contest, now) != "draft" or (viewer is not None and viewer.manages(contest.id))


def visible_contests(viewer: User | None, now: datetime) -> list[Contest]:
    return [c for c in list_contests() if visible_to(c, viewer, now)]


def get_visible_contest(slug: str, viewer: User | None, now: datetime) -> Contest:
    """The contest as the public reads it: a draft is not found (404), as are
    its entries, ledger and results, unless the viewer organises it."""
    contest = get_contest(slug)
    if not visible_to(contest, viewer, now):
        raise not_found("contest")
    return contest


def phase_of(contest: Contest, now: datetime) -> str:
    return phases.current_phase(contest.windows(), now, contest.published_at is not None)


def _apply(contest: Contest, spec: ContestSpec) -> None:
    contest.title = spec.title
    contest.kind = spec.kind
    contest.description = spec.description
    contest.settings = {"voting": spec.voting.model_dump(mode="json"),
                        "judging": spec.judging.model_dump(mode="json"),
                        "awards": spec.awards.model_dump(mode="json"),
                        "fraud": spec.fraud.model_dump(mode="json"),
                        "submissions": spec.submissions.model_dump(mode="json")}
    if spec.translations:  # kept as given, and only when given (CONTEST carries them so)
        contest.settings["translations"] = spec_translations.as_given(spec.translations)
    if spec.timezone != "UTC":  # stored only when chosen, so a SPEC without one reads back as it was given
        contest.settings["timezone"] = spec.timezone
    for name in phases.ORDER:
        window = spec.window(name)
        setattr(contest, f"{name}_opens_at", window.opens_at if window else None)
        setattr(contest, f"{name}_closes_at", window.closes_at if window else None)


# What a refused SPEC change answers (also the console's checks before it asks to confirm a phase move).
SPEC_REFUSED = N_("The contest SPEC has problems; nothing was changed.")
PHASE_REFUSED = N_("This change is not allowed in the contest's current phase; nothing was changed.")


def _spec_errors(err: SpecErrors) -> ApiError:
    return validation_error(err.fields, SPEC_REFUSED)


def create_contest(raw: Any, actor: User | None, now: datetime) -> Contest:
    """A contest from a SPEC; its creator becomes its first organiser."""
    try:
        spec = validate_spec(raw)
    except SpecErrors as err:
        raise _spec_errors(err) from None
    if db.session.scalar(select(Contest.id).where(Contest.slug == spec.slug)) is not None:
        raise slug_taken(spec.slug)
    contest = Contest(slug=spec.slug, created_by_id=actor.id if actor else None)
    _apply(contest, spec)
    contest.categories = [Category(slug=c.slug, title=c.title, description=c.description, position=i)
                          for i, c in enumerate(spec.categories)]
    db.session.add(contest)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise slug_taken(spec.slug) from None
    if actor is not None:
        actor.roles.append(UserRole(role="organiser", contest_id=contest.id))
    audit.append(contest, actor, "contest.created", f"contest {contest.slug}", {"spec": spec_of(contest)}, now)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise slug_taken(spec.slug) from None
    events.contest_changed.send(contest.slug)  # a contest of that slug may have existed and been deleted
    return contest


def update_contest(contest: Contest, patch: Any, actor: User | None, now: datetime) -> Contest:
    """Apply a PATCH (RFC 7396 merge patch of the SPEC), unless the contest's
    phase locks what it changes (409 `locked`); audited with before and after."""
    before = spec_of(contest)
    try:
        spec = patch_spec(before, patch)
    except SpecErrors as err:
        raise _spec_errors(err) from None
    keep = {c.slug for c in spec.categories}
    counts = entry_counts(contest, statuses=None)
    stuck = [c.slug for c in contest.categories if c.slug not in keep and counts.get(c.id)]
    problems = ({"categories": msg("categories with entries cannot be removed: %(slugs)s", slugs=", ".join(stuck))}
                if stuck else {})
    if problems:
        raise _spec_errors(SpecErrors(problems))
    _apply(contest, spec)
    existing = {c.slug: c for c in contest.categories}
    ordered = []
    for i, cat in enumerate(spec.categories):
        row = existing.get(cat.slug) or Category(slug=cat.slug)
        row.title, row.description, row.position = cat.title, cat.description, i
        ordered.append(row)
    contest.categories = ordered
    after = spec_of(contest)  # both sides as stored (UTC), so another offset for the same instant is no change
    locked = changes.lock_problems(before, after, now, contest.published_at is not None)
    if locked:
        db.session.rollback()
        raise ApiError("locked", PHASE_REFUSED, 409, locked)
    changed = changes.diff(before, after)
    if changed:
        audit.append(contest, actor, "contest.updated", f"contest {contest.slug}", {"changes": changed}, now)
    db.session.commit()
    events.contest_changed.send(contest.slug)
    return contest


def require_unpublished(contest: Contest) -> None:
    """Once the results are published, nothing that fed them may change:
    scores, conflicts, rounds, assignments, moderation (contests/domain/changes.py
    locks the SPEC's part)."""
    if contest.published_at is not None:
        raise ApiError("locked", "The results are published: what fed them can no longer change.", 409)


def spec_of(contest: Contest) -> dict[str, Any]:
    windows = {}
    for name, window in contest.windows().items():
        if window:
            windows[name] = {"opens_at": window.opens_at.isoformat(), "closes_at": window.closes_at.isoformat()}
    return {
        "slug": contest.slug, "title": contest.title, "kind": contest.kind, "description": contest.description,
        "categories": [{"slug": c.slug, "title": c.title, "description": c.description}
                       for c in contest.categories],
        "phases": windows,
        **contest.settings,
        "submissions": contest.submission_rules(),
    }


def entry_counts(contest: Contest, statuses: tuple[str, ...] | None = ("approved",)) -> dict[int, int]:
    query = select(Entry.category_id, func.count()).where(Entry.contest_id == contest.id)
    if statuses:
        query = query.where(Entry.status.in_(statuses))
    return {category_id: count for category_id, count in db.session.execute(query.group_by(Entry.category_id))}


def contest_json(contest: Contest, now: datetime, full: bool = False) -> dict[str, Any]:
    """CONTEST: the SPEC with phase and entry counts; without the anti-fraud
    settings unless `full` (for the contest's organisers)."""
    body = spec_of(contest)
    if not full:
        body["voting"] = {k: v for k, v in body["voting"].items() if k not in PRIVATE_VOTING_SETTINGS}
        body["submissions"] = {k: v for k, v in body["submissions"].items() if k not in PRIVATE_SUBMISSION_SETTINGS}
        for section in PRIVATE_SECTIONS:
            body.pop(section, None)
    counts = entry_counts(contest)
    for cat_json, cat in zip(body["categories"], contest.categories):
        cat_json["entry_count"] = counts.get(cat.id, 0)
    body["phase"] = phase_of(contest, now)
    change = phases.next_change(contest.windows(), now)
    body["next_change"] = ({"phase": change.phase, "event": change.event, "at": change.at.isoformat()}
                           if change else None)
    body["published_at"] = contest.published_at.isoformat() if contest.published_at else None
    return body


def contest_summary(contest: Contest, now: datetime) -> dict[str, Any]:
    return {"slug": contest.slug, "title": contest.title, "kind": contest.kind,
            "phase": phase_of(contest, now)}
