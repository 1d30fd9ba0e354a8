"""Helpers for result tests: counted ballots written straight into SQL (the
intake has its own tests; a tally only reads what SQL holds), voting closed
by moving the window as time would, and the tallies queue run by a real RQ
worker."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from itertools import count

from sqlalchemy import insert, select, update

from voting.accounts.models import User
from voting.ballots.models import Ballot
from voting.contests.models import Category, Contest
from voting.extensions import db
from voting.worker import run_worker

_serial = count(1)


def add_ballots(app, slug: str, category: str, selection, n: int, status: str = "counted",
                reason: str | None = None, method: str | None = None, serial=None, country: str | None = None,
                fresh: bool = False, decided_by: str | None = None) -> None:
    """`n` ballots with this selection, each from its own voter. Voters and
    receipts are numbered by `serial` (an iterator of ints; a shared one by
    default): pass your own for data that must come out the same twice. The
    voters look like people to the fraud rules, which a final tally runs
    first: accounts made at scattered times in the day and a half before voting
    (minutes, not seconds: no instant voters; not weeks: accounts asleep for
    weeks that wake together for one entry are a farm to dormant_wake), each on
    its own network; unless `fresh`: made seconds before voting. `country`: the voters' registered country.

    `decided_by` (an organiser's email): the ballots are held for the rule
    `reason`, then that organiser decides them to `status` by a real review
    decision (voting/fraud/decisions.py): audited, with the decision's hash on
    each ballot, as an invalidated ballot needs for its leaf to pass a verifier.
    Without it, the status is written straight in, with no decision."""
    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.slug == slug))
        category_id = db.session.scalar(select(Category.id).where(Category.contest_id == contest.id,
                                                                  Category.slug == category))
        now = datetime.now(timezone.utc)
        rows = []
        for _ in range(n):
            k = next(serial or _serial)
            made = now - (timedelta(seconds=5) if fresh else timedelta(
                minutes=2, seconds=int(hashlib.sha256(f"made-{k}".encode()).hexdigest(), 16) % (36 * 3600)))
            user = User(email=f"bulk{k}@example.org", email_normalised=f"bulk{k}@example.org", password_hash="-",
                        display_name=f"bulk{k}", verified_at=made, created_at=made, country=country)
            db.session.add(user)
            db.session.flush()
            rows.append({"contest_id": contest.id, "category_id": category_id, "voter_id": user.id,
                         "receipt_hash": hashlib.sha256(f"receipt-{k}".encode()).hexdigest(),
                         "method": method or contest.settings["voting"]["method"], "selection": selection,
                         "status": "under_review" if decided_by else status, "flags": [],
                         "client_ip": f"2001:db8:{k % 65536:x}::1",
                         "ip_prefix": f"2001:db8:{k % 65536:x}::/64",
                         "user_agent_hash": "0" * 64, "device_id": "", "cast_at": now, "status_reason": reason})
        if rows:
            db.session.execute(insert(Ballot), rows)
        db.session.commit()
        if decided_by and rows:
            from voting.fraud import decisions

            ids = db.session.scalars(select(Ballot.id).where(Ballot.receipt_hash.in_(
                [r["receipt_hash"] for r in rows]))).all()
            organiser = db.session.scalar(select(User).where(User.email == decided_by))
            decisions.decide(contest, list(ids), {"counted": "count", "invalidated": "invalidate"}[status],
                             f"review: {reason or status}", organiser, now)
        db.session.remove()


def close_voting(app, slug: str, minutes_ago: int = 1) -> None:
    """Voting ended a moment ago (the window moved as the clock would, not by a PATCH)."""
    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.slug == slug))
        closes = datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)
        db.session.execute(update(Contest).where(Contest.id == contest.id).values(
            voting_closes_at=closes, voting_opens_at=min(contest.voting_opens_at, closes - timedelta(days=1))))
        db.session.commit()
        db.session.remove()


def run_tallies(app) -> None:
    with app.app_context():
        run_worker(["tallies"], burst=True)


def mark_published(app, slug: str) -> None:
    """The contest's results are public from now (what publishing does to the
    contest; tests/api/test_results.py covers the publishing itself)."""
    with app.app_context():
        db.session.execute(update(Contest).where(Contest.slug == slug).values(
            published_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
        db.session.commit()
        db.session.remove()


def public_vote(app) -> tuple[str, dict[str, list[int]]]:
    """A prize contest decided by the public vote alone, in its voting phase:
    c1's entries get 5, 3 and 3 counted votes, c2's 2, 0 and 0; besides, three
    ballots invalidated by the burst rule and one under review."""
    from tests.support.voting import open_contest

    slug, ids = open_contest(app, awards={"policy": "public", "winners_per_category": 1})
    c1, c2 = ids["c1"], ids["c2"]
    add_ballots(app, slug, "c1", [c1[0]], 5)
    add_ballots(app, slug, "c1", [c1[1]], 3)
    add_ballots(app, slug, "c1", [c1[2]], 3)
    add_ballots(app, slug, "c2", [c2[0]], 2)
    add_ballots(app, slug, "c1", [c1[2]], 3, status="invalidated", reason="burst")
    add_ballots(app, slug, "c1", [c1[1]], 1, status="under_review", reason="shared_device")
    return slug, ids
