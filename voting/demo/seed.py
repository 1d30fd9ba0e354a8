"""Load the WSIS Forum 2021 demo: the demo organiser and four contests with
their entries. Idempotent: what already exists is reported and left alone.

Contests go through the same services as API input (`create_contest`,
`add_entry`), so the demo is validated exactly like an organiser's SPEC.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select

from voting import clock
from voting.accounts import services as accounts
from voting.accounts.models import User
from voting.contests import services as contests
from voting.contests.entries import add_entry
from voting.contests.models import Contest, Entry
from voting.demo.photos import make_photo
from voting.demo.wsis2021 import DemoContest, demo_contests
from voting.extensions import db
from voting.media import photos

DEMO_ORGANISER_EMAIL = "organiser@wsis-demo.org"
DEMO_ORGANISER_PASSWORD = "wsis-demo-2021"
DEMO_ORGANISER_NAME = "Demo Organiser"


def _count(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def ensure_organiser() -> tuple[User, str]:
    """The demo organiser, and a line saying what was done. An existing account
    keeps its password; it only gets what it lacks (verification, the role)."""
    existing = accounts.find_by_email(DEMO_ORGANISER_EMAIL)
    if existing is None:
        user, _ = accounts.ensure_user(DEMO_ORGANISER_EMAIL, DEMO_ORGANISER_PASSWORD, DEMO_ORGANISER_NAME,
                                       verified=True)
        db.session.flush()
        accounts.grant_role(user, "organiser")
        db.session.commit()
        return user, f"created organiser {DEMO_ORGANISER_EMAIL}"
    was_verified = existing.verified
    user, _ = accounts.ensure_user(DEMO_ORGANISER_EMAIL, None, None, verified=True)
    granted = accounts.grant_role(user, "organiser")
    db.session.commit()
    fixes = (["verified it"] if not was_verified else []) + (["granted the organiser role"] if granted else [])
    if fixes:
        return user, f"organiser {DEMO_ORGANISER_EMAIL} already exists; {' and '.join(fixes)}"
    return user, f"organiser {DEMO_ORGANISER_EMAIL} already exists; left as it is"


def _entry_count(contest: Contest) -> int:
    return db.session.scalar(select(func.count()).select_from(Entry).where(Entry.contest_id == contest.id)) or 0


def _discard(contest_id: int) -> None:
    """Leave no half-seeded contest behind, so that the next run starts afresh."""
    db.session.rollback()
    for entry in list(db.session.scalars(select(Entry).where(Entry.contest_id == contest_id))):
        if entry.photo is not None:
            photos.forget(entry.photo)  # its files go once the deletion commits
        db.session.delete(entry)
    db.session.delete(db.session.get(Contest, contest_id))
    db.session.commit()


def seed_contest(demo: DemoContest, organiser: User) -> str:
    slug = demo.spec["slug"]
    existing = db.session.scalar(select(Contest).where(Contest.slug == slug))
    if existing is not None:
        if accounts.grant_role(organiser, "organiser", existing.id):  # seeded before contests had organisers
            db.session.commit()
        entries = _count(_entry_count(existing), "entry", "entries")
        return f"contest {slug} already exists ({entries}); left as it is"
    contest = contests.create_contest(demo.spec, organiser, clock.now())
    try:
        now = clock.now()
        for entry in demo.entries:
            # The demo's alt text describes the generated picture: its caption says what the photographer saw.
            image = photos.Upload.of(make_photo(*entry.photo), entry.data["summary"]) if entry.photo else None
            add_entry(contest, dict(entry.data), organiser, now, image=image)
    except Exception:
        _discard(contest.id)
        raise
    categories = _count(len(contest.categories), "category", "categories")
    entries = _count(len(demo.entries), "entry", "entries")
    return f"created contest {slug} ({categories}, {entries})"


def seed_demo() -> Iterator[str]:
    """Seed the demo, one line of report at a time. Call inside an app context."""
    organiser, line = ensure_organiser()
    yield line
    for demo in demo_contests(clock.now()):
        yield seed_contest(demo, organiser)
    yield f"sign in as {DEMO_ORGANISER_EMAIL} with the password {DEMO_ORGANISER_PASSWORD}"
