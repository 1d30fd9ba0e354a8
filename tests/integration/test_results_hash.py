"""Same data, same hash: a contest built twice, byte for byte, in the suite's
database and in a fresh SQLite one, tallies to the same snapshot SHA-256
(when the suite runs on PostgreSQL, that is the two databases agreeing)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import count

from sqlalchemy import update

from tests.conftest import _reset_schema, empty_tables
from tests.support.factories import make_contest, make_organiser
from tests.support.results import add_ballots, close_voting
from voting.contests import entries as entry_service
from voting.contests.models import Contest, Entry
from voting.extensions import db
from voting.results import tally
from voting.results.models import ResultSnapshot

SUBMITTED = datetime(2021, 3, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)


def build(app, method: str, **voting) -> int:
    """One contest, its entries submitted at fixed times, fixed ballots; its id."""
    with app.app_context():
        organiser = make_organiser("organiser@example.org")
        contest = make_contest(slug="same-data", voting={"method": method, "pow_bits": 0, **voting},
                               awards={"policy": "public", "tie_break": ["public_votes", "draw"]})
        ids = []
        for category in contest.categories:
            for i in range(4):
                entry = entry_service.add_entry(contest, {"category": category.slug, "title": f"{category.slug} №{i}"},
                                                organiser, contest.voting_opens_at)
                ids.append(entry.id)
        for n, entry_id in enumerate(ids):
            db.session.execute(update(Entry).where(Entry.id == entry_id)
                               .values(created_at=SUBMITTED + timedelta(minutes=n)))
        db.session.commit()
        contest_id = contest.id
        db.session.remove()
    serial = count(1)
    c1, c2 = ids[:4], ids[4:]
    ballots = {"single": [("c1", [c1[0]], 7), ("c1", [c1[1]], 7), ("c1", [c1[2]], 2), ("c2", [c2[3]], 5)],
               "ranked": [("c1", [c1[0], c1[1]], 4), ("c1", [c1[1], c1[2], c1[0]], 3), ("c1", [c1[2]], 2),
                          ("c2", [c2[1], c2[0]], 5)],
               "score": [("c1", {str(c1[0]): 3, str(c1[1]): 5}, 4), ("c1", {str(c1[2]): 1}, 3),
                         ("c2", {str(c2[0]): 2}, 6)]}[method]
    for category, selection, n in ballots:
        add_ballots(app, "same-data", category, selection, n, serial=serial)
    close_voting(app, "same-data")
    return contest_id


def tally_hash(app, contest_id: int) -> str:
    with app.app_context():
        found = tally.run(contest_id, False, None, datetime.now(timezone.utc))
        db.session.remove()
    return found["sha256"]


def test_the_same_data_hashes_alike_in_this_database_and_in_sqlite(app, make_app, tmp_path, time_machine):
    other = make_app(database_url="sqlite:///" + str(tmp_path / "other.sqlite3"))
    _reset_schema(other)
    # The same moment for both: the ledger's batch headers hash when they were sealed, and the
    # audit log's head (whose entries hash their times), so the same data means the same clock too.
    time_machine.move_to(datetime.now(timezone.utc).replace(microsecond=0), tick=False)
    for method, extra in [("single", {}), ("ranked", {"ranked_method": "schulze"}), ("score", {})]:
        contest_id = build(app, method, **extra)
        here = tally_hash(app, contest_id)
        assert tally_hash(other, build(other, method, **extra)) == here, method
        assert tally_hash(app, contest_id) == here  # and twice in one database
        empty_tables(app)
        empty_tables(other)


def test_the_draw_seed_is_fixed_at_the_voting_close(app):
    """A review decided after the close changes the ledger's head, not the seed of the draws:
    nobody who has seen a draft can steer a draw with a late decision."""
    from sqlalchemy import select

    from voting.ballots.models import Ballot
    from voting.ledger import amendments, sealing

    contest_id = build(app, "single")
    with app.app_context():  # sealed while voting runs, as the periodic job does
        db.session.execute(update(Contest).where(Contest.id == contest_id).values(
            voting_closes_at=datetime.now(timezone.utc) + timedelta(hours=1)))
        db.session.commit()
        assert sealing.seal(contest_id, datetime.now(timezone.utc)) is not None
        db.session.remove()
    close_voting(app, "same-data", minutes_ago=0)  # closes just after the seal
    with app.app_context():
        first = tally.run(contest_id, False, None, datetime.now(timezone.utc))
        body = db.session.scalar(select(ResultSnapshot.body).where(ResultSnapshot.seq == first["snapshot"]))
        ledger = body["inputs"]["ledger"]
        assert ledger["seed_source"] == "ledger at the voting close"
        ballot = db.session.scalar(select(Ballot).where(Ballot.contest_id == contest_id).limit(1))
        later_on = datetime.now(timezone.utc) + timedelta(seconds=5)  # amendments keep whole seconds
        assert amendments.amend(ballot, "invalidated", "found late", "organiser", "ab" * 32, later_on) is not None
        db.session.commit()
        second = tally.run(contest_id, False, None, datetime.now(timezone.utc))
        later = db.session.scalar(select(ResultSnapshot.body).where(ResultSnapshot.seq == second["snapshot"]))
        assert later["inputs"]["ledger"]["amendment_hash"] != ledger["amendment_hash"]
        assert later["inputs"]["ledger"]["seed"] == ledger["seed"]
        db.session.remove()
