"""The ledger when things happen at once: a review deciding a ballot again
while it is sealed or after, a seal committed while a page is read, and a
slow client reading a streamed page. Each must leave an honest ledger that
every check passes (`flask --app voting ledger verify`, the page's own head),
and hold no database connection longer than a read."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from voting import clock
from voting.ballots.models import Ballot
from voting.extensions import db
from voting.ledger import publish, sealing
from voting.ledger.models import LedgerLeaf

from tests.integration.test_ledger import add_ballots, ballot_of, decide, seal, verify
from tests.integration.test_ledger_export import sealed_contest
from tests.support.results import close_voting, mark_published
from tests.support.voting import open_contest


@pytest.fixture
def export_app(make_app, tmp_path):
    """An app with a store of its own, as in test_ledger_export.py."""
    return make_app(upload_dir=str(tmp_path / "uploads"))


def decision_of(app, code: str) -> str:
    with app.app_context():
        found = ballot_of(code).decision_audit_hash
        db.session.remove()
    return found


def test_a_sealed_ballot_decided_again_to_its_status_keeps_the_decision_its_leaf_names(app, make):
    """An organiser invalidates a ballot, it is sealed invalidated; later the organiser invalidates it
    again (a better reason): no amendment, as the status does not change, and the ballot keeps naming
    the decision its leaf names, so the server's own check still passes."""
    slug, ids = open_contest(app, pow_bits=0)
    held = add_ballots(app, slug, ids["c1"], 2, status="under_review")
    decide(app, held[0], "invalidated", "a bot")
    first = decision_of(app, held[0])
    seal(app, slug)
    assert verify(app, slug).exit_code == 0
    assert decide(app, held[0], "invalidated", "a bot: the same farm as cluster 7") is False  # no amendment
    assert decision_of(app, held[0]) == first
    result = verify(app, slug)
    assert result.exit_code == 0, result.output
    assert decide(app, held[0], "counted", "cleared on appeal") is True  # a change: amended, and recorded
    assert decision_of(app, held[0]) != first
    assert verify(app, slug).exit_code == 0


def test_an_unsealed_ballot_decided_again_names_the_latest_decision(app, make):
    slug, ids = open_contest(app, pow_bits=0)
    held = add_ballots(app, slug, ids["c1"], 1, status="under_review")
    decide(app, held[0], "invalidated", "a bot")
    first = decision_of(app, held[0])
    decide(app, held[0], "invalidated", "a bot of cluster 7")
    assert decision_of(app, held[0]) != first
    seal(app, slug)
    with app.app_context():
        assert "a bot of cluster 7" in db.session.scalar(select(LedgerLeaf.leaf))
        db.session.remove()
    assert verify(app, slug).exit_code == 0


def test_a_decision_made_while_the_ballot_is_sealed_abandons_the_seal(app, make, monkeypatch):
    """A second decision to the same status commits between the seal's read of the ballots and its
    marking them sealed: the leaf would name the first decision and the ballot the second. The seal
    is abandoned, and the next one seals the ballot with the decision it then has."""
    slug, ids = open_contest(app, pow_bits=0)
    held = add_ballots(app, slug, ids["c1"], 3, status="under_review")
    decide(app, held[1], "invalidated", "a bot")
    decide(app, held[0], "counted", "a person")
    decide(app, held[2], "counted", "a person")
    read = sealing.pending

    def pending_then_decide(contest_id, limit):
        rows = read(contest_id, limit)
        other = threading.Thread(target=decide, args=(app, held[1], "invalidated", "a bot of cluster 7"))
        other.start()  # a review in another request, on a connection of its own
        other.join()
        return rows

    monkeypatch.setattr(sealing, "pending", pending_then_decide)
    assert seal(app, slug) is None
    monkeypatch.undo()
    assert seal(app, slug)["size"] == 3
    with app.app_context():
        assert "a bot of cluster 7" in db.session.scalar(select(LedgerLeaf.leaf).where(LedgerLeaf.position == 1))
        db.session.remove()
    result = verify(app, slug)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_seal_while_a_page_is_read_shows_on_the_next_page(app, export_app, monkeypatch, when):
    """The page reads its head first and holds no batch beyond it: a seal committed just before or just
    after the page reads its batches gives a page whose head is the batches it holds, never one that
    names a batch it lacks (which a verifier rejects)."""
    slug, cid = sealed_contest(app, batch_limit=3, unsealed=2)
    read = publish._batches

    def another_seal():
        with export_app.app_context():
            assert sealing.seal(cid, clock.now()) is not None  # another worker's seal commits now
            db.session.remove()

    def racing(*args):
        if when == "before":
            another_seal()
        found = read(*args)
        if when == "after":
            another_seal()
        return found

    monkeypatch.setattr(publish, "_batches", racing)
    body = export_app.test_client().get(f"/api/v1/contests/{slug}/ledger").get_json()
    monkeypatch.undo()
    assert body["next"] is None
    assert body["head"]["batches"] == len(body["batches"]) == 4
    assert body["head"]["chain"] == body["batches"][-1]["chain"]
    assert body["head"]["ballots"] == sum(b["size"] for b in body["batches"])
    after = export_app.test_client().get(f"/api/v1/contests/{slug}/ledger?after=4").get_json()
    assert [b["seq"] for b in after["batches"]] == [5] and after["head"]["batches"] == 5


def test_a_streamed_page_holds_no_database_connection_while_the_client_reads(app, export_app):
    """Fifteen slow readers of a page of leaves must not take the pool: each batch's leaves are read,
    the connection given back, then sent."""
    slug, cid = sealed_contest(app, batch_limit=3)
    close_voting(app, slug)
    mark_published(app, slug)
    with export_app.app_context():
        pool = db.engine.pool
    resp = export_app.test_client().get(f"/api/v1/contests/{slug}/ledger?limit=10", buffered=False)
    read, held = [], []
    try:
        for piece in resp.response:  # a slow client: between two pieces, nothing is checked out
            read.append(piece)
            held.append(pool.checkedout())
    finally:
        resp.close()
    assert held == [0] * len(read), held
    text = b"".join(p if isinstance(p, bytes) else p.encode() for p in read)
    assert text.count(b'"leaves":[') == 4 and text.endswith(b"}")
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Ballot).where(Ballot.sealed.is_(True))) == 10
        db.session.remove()
