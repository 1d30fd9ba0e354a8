"""The ledger's public API in format 2 (docs/ledger.md): batches paged by
cursor, a page with leaves streamed, amendments paged, one batch; receipt
proofs read from the stored tree levels; the rules each batch names."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from voting import clock
from voting.contests import entries as entry_service
from voting.contests.services import get_contest
from voting.extensions import db
from voting.ledger import amendments, head, publish
from voting.ledger.domain import encoding, merkle
from voting.ledger.models import LedgerBatch, LedgerLeaf

from tests.integration.test_ledger import (add_ballots, ballot_of, close_voting, decide, header, last_audit_hash,
                                           organiser_api, seal, verify)
from tests.support.api import Api, assert_error
from tests.support.factories import make_organiser
from tests.support.results import mark_published
from tests.support.voting import open_contest


@pytest.fixture
def batches(app, make):
    """A contest with 12 batches of 1 to 3 ballots; (slug, ids, sizes)."""
    slug, ids = open_contest(app, pow_bits=0)
    sizes, first = [], 0
    for n in range(12):
        size = n % 3 + 1
        add_ballots(app, slug, ids["c1"], size, first=first)
        sizes.append(seal(app, slug)["size"])
        first += size
    return slug, ids, sizes


def url(slug: str) -> str:
    return f"/api/v1/contests/{slug}/ledger"


def pages(client, first: str) -> list[dict]:
    """Every page, following `next` from `first`."""
    found, link = [], first
    while link:
        resp = client.get(link)
        assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
        found.append(resp.get_json())
        link = found[-1]["next"]
    return found


def test_pages_follow_the_cursor_to_the_head(app, batches):
    slug, _, sizes = batches
    client = app.test_client()
    got = pages(client, url(slug) + "?limit=5")
    assert [[b["seq"] for b in p["batches"]] for p in got] == [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], [11, 12]]
    assert [p["next"] for p in got] == [url(slug) + "?after=5&limit=5", url(slug) + "?after=10&limit=5", None]
    assert [b["size"] for p in got for b in p["batches"]] == sizes
    # The pages join into one chain, each batch's chain value the hash of its header.
    prev = encoding.genesis(slug)
    for batch in (b for p in got for b in p["batches"]):
        assert batch["prev_chain"] == prev and batch["chain"] == encoding.chain(header(batch, slug))
        prev = batch["chain"]
    with app.app_context():
        expected = head.head(get_contest(slug), seeded=False)
    assert all(p["head"] == expected for p in got) and expected["chain"] == prev
    assert expected["ballots"] == sum(sizes) and expected["batches"] == 12
    # The default page holds every batch; a cursor at or past the head, none.
    whole = client.get(url(slug)).get_json()
    assert len(whole["batches"]) == 12 and whole["next"] is None
    for after in (12, 13, publish.SEQ_MAX):
        page = client.get(url(slug) + f"?after={after}").get_json()
        assert page["batches"] == [] and page["next"] is None and page["rules"] == {}
    assert client.get(url(slug) + "?after=11&limit=1").get_json()["next"] is None  # the last page: no next
    assert len(client.get(url(slug) + "?limit=1000").get_json()["batches"]) == 12


@pytest.mark.parametrize("query, field", [
    ("limit=0", "limit"), ("limit=-1", "limit"), ("limit=abc", "limit"), ("limit=", "limit"),
    ("limit=1.5", "limit"), ("limit=%C2%B2", "limit"), ("after=-1", "after"), ("after=x", "after"),
    (f"after={2**31}", "after"), ("after=" + "9" * 40, "after"), ("after=1e3", "after")])
def test_bad_cursors_are_refused_by_field(app, make, query, field):
    slug, _ = open_contest(app, pow_bits=0)
    client = app.test_client()
    for path in (url(slug), url(slug) + "/amendments"):
        err = assert_error(client.get(f"{path}?{query}"), 422, "validation_error")
        assert list(err["fields"]) == [field]
    assert_error(client.get(url(slug) + "?limit=1001"), 422, "validation_error")
    assert_error(client.get(url(slug) + "/amendments?limit=10001"), 422, "validation_error")
    assert client.get(url(slug) + "/amendments?limit=10000").status_code == 200


def test_a_page_with_leaves_is_streamed_ten_batches_at_most(app, batches):
    slug, _, sizes = batches
    close_voting(organiser_api(app), slug)
    mark_published(app, slug)
    client = app.test_client()
    resp = client.get(url(slug) + "?limit=100")
    assert resp.status_code == 200 and resp.is_streamed and resp.mimetype == "application/json"
    first = resp.get_json()
    assert first["leaves_published"] is True and len(first["batches"]) == publish.LEAF_PAGE_BATCHES
    assert first["next"] == url(slug) + "?after=10&limit=100"
    got = [first] + pages(client, first["next"])
    assert len(got) == 2 and got[1]["next"] is None
    # The streamed page is the JSON the contract describes, key for key, with every batch's leaves as stored.
    assert list(first) == ["contest", "format", "genesis", "amendments_genesis", "audit_genesis", "method",
                           "ranked_method", "leaves_published", "amendments_revealed", "head", "rules", "batches",
                           "next", "amendments_url", "export"]
    with app.app_context():
        stored = {seq: list(db.session.scalars(select(LedgerLeaf.leaf).join(LedgerBatch)
                                                .where(LedgerBatch.seq == seq).order_by(LedgerLeaf.position)))
                  for seq in range(1, 13)}
        plain = publish.ledger_page(get_contest(slug), clock.now(), 0, 3)
    for page in got:
        for batch in page["batches"]:
            assert batch["leaves"] == stored[batch["seq"]]
            assert merkle.root([t.encode() for t in batch["leaves"]]).hex() == batch["root"]
            assert list(batch)[-1] == "leaves"
    # Without the leaves, the streamed page is the same as the page built whole.
    assert {k: v for k, v in first.items() if k not in ("batches", "next")} == \
        {k: v for k, v in plain.body.items() if k not in ("batches", "next")}
    assert [{k: v for k, v in b.items() if k != "leaves"} for b in first["batches"][:3]] == plain.body["batches"]
    # A limit under ten still holds.
    assert [b["seq"] for b in client.get(url(slug) + "?after=2&limit=3").get_json()["batches"]] == [3, 4, 5]


def test_rules_are_published_for_the_batches_of_the_page(app, make):
    slug, ids = open_contest(app, pow_bits=0)
    add_ballots(app, slug, ids["c1"], 2)
    first = seal(app, slug)
    with app.app_context():  # an entry added mid-vote (organisers may): the next batch names new rules
        contest = get_contest(slug)
        organiser = make_organiser("organiser@example.org")
        late = entry_service.add_entry(contest, {"category": "c1", "title": "Late entry"}, organiser,
                                       contest.voting_opens_at).id
        db.session.remove()
    add_ballots(app, slug, [late], 1, first=2)
    second = seal(app, slug)
    assert first["rules_hash"] != second["rules_hash"]
    client = app.test_client()
    one = client.get(url(slug) + "?limit=1").get_json()
    assert list(one["rules"]) == [first["rules_hash"]]
    two = client.get(url(slug) + "?after=1").get_json()
    assert list(two["rules"]) == [second["rules_hash"]]
    new_rules = two["rules"][second["rules_hash"]]
    assert encoding.rules_hash(new_rules) == second["rules_hash"]
    assert {"id": late, "title": "Late entry"} in new_rules["categories"][0]["entries"]
    assert {"id": late, "title": "Late entry"} not in one["rules"][first["rules_hash"]]["categories"][0]["entries"]
    both = client.get(url(slug)).get_json()
    assert list(both["rules"]) == [first["rules_hash"], second["rules_hash"]]
    assert verify(app, slug).exit_code == 0


def test_one_batch(app, make):
    slug, ids = open_contest(app, pow_bits=0)
    add_ballots(app, slug, ids["c1"], 3)
    sealed = seal(app, slug)
    client = app.test_client()
    body = client.get(url(slug) + "/batches/1").get_json()
    assert list(body) == ["contest", "rules", "batch"] and body["contest"] == slug
    assert body["batch"] == sealed and list(body["rules"]) == [sealed["rules_hash"]]
    for seq in ("0", "2", "999999999", str(2**31), str(2**63), "10" * 20):
        assert_error(client.get(url(slug) + f"/batches/{seq}"), 404, "not_found")
    for seq in ("-1", "x", "1.0"):
        assert_error(client.get(url(slug) + f"/batches/{seq}"), 404, "not_found")
    assert_error(client.get("/api/v1/contests/no-such/ledger/batches/1"), 404, "not_found")
    close_voting(organiser_api(app), slug)
    mark_published(app, slug)
    body = client.get(url(slug) + "/batches/1").get_json()
    with app.app_context():
        assert body["batch"]["leaves"] == publish.batch_leaves(db.session.scalar(select(LedgerBatch.id)))


def test_amendments_are_paged(app, make):
    slug, ids = open_contest(app, pow_bits=0)
    codes = add_ballots(app, slug, ids["c1"], 3)
    seal(app, slug)
    for code in codes:
        assert decide(app, code, "invalidated", "a bot") is True
    assert decide(app, codes[1], "counted", "not a bot after all") is True
    client = app.test_client()
    got = pages(client, url(slug) + "/amendments?limit=3")
    assert [[a["seq"] for a in p["amendments"]] for p in got] == [[1, 2, 3], [4]]
    assert got[0]["next"] == url(slug) + "/amendments?after=3&limit=3" and got[1]["next"] is None
    assert list(got[0]) == ["contest", "amendments_genesis", "amendments_revealed", "amendments", "next"]
    assert all(set(a) == {"seq", "created_at", "prev_hash", "hash"} for p in got for a in p["amendments"])
    assert client.get(url(slug) + "/amendments?after=4").get_json() == {
        "contest": slug, "amendments_genesis": encoding.amendments_genesis(slug), "amendments_revealed": False,
        "amendments": [], "next": None}
    close_voting(organiser_api(app), slug)
    revealed = pages(client, url(slug) + "/amendments?after=1&limit=2")
    items = [a for p in revealed for a in p["amendments"]]
    assert [a["seq"] for a in items] == [2, 3, 4] and all(p["amendments_revealed"] for p in revealed)
    assert items[-1]["from"] == "invalidated" and items[-1]["to"] == "counted"
    for item in items:
        assert item["hash"] == encoding.amendment_hash(item["prev_hash"], item)


def test_amendments_are_never_dated_before_the_seal_of_their_leaf(app, make):
    slug, ids = open_contest(app, pow_bits=0)
    codes = add_ballots(app, slug, ids["c1"], 1)
    sealed = seal(app, slug)
    with app.app_context():  # a decision whose clock was read before the seal
        early = datetime.fromisoformat(sealed["sealed_at"]) - timedelta(minutes=5)
        row = amendments.amend(ballot_of(codes[0]), "invalidated", "late", "someone", last_audit_hash(app, slug),
                               early)
        assert row.created_at.isoformat() == sealed["sealed_at"]
        db.session.rollback()


# --- receipt proofs from the stored tree levels ----------------------------------------------------------------

@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 8, 13])
def test_proofs_from_stored_levels_are_the_audit_paths(app, make, size):
    slug, ids = open_contest(app, pow_bits=0)
    codes = add_ballots(app, slug, ids["c1"], size)
    batch = seal(app, slug)
    with app.app_context():
        texts = [t.encode() for t in publish.batch_leaves(db.session.scalar(select(LedgerBatch.id)))]
        for index, code in enumerate(codes):
            proof = publish.receipt_proof(ballot_of(code))
            assert (proof["batch"], proof["index"], proof["size"], proof["root"]) == (1, index, size, batch["root"])
            assert proof["leaf"].encode() == texts[index]
            assert proof["proof"] == [h.hex() for h in merkle.inclusion_proof(texts, index)]
            assert merkle.verify_inclusion(texts[index], index, size, [bytes.fromhex(h) for h in proof["proof"]],
                                           bytes.fromhex(proof["root"]))
        db.session.remove()


def test_a_batch_without_stored_levels_gets_them_on_its_first_proof(app, make):
    slug, ids = open_contest(app, pow_bits=0)
    codes = add_ballots(app, slug, ids["c1"], 6)
    seal(app, slug)
    with app.app_context():
        stored = db.session.scalar(select(LedgerBatch.tree))
        proofs = [publish.receipt_proof(ballot_of(c)) for c in codes]
        db.session.execute(update(LedgerBatch).values(tree=None))
        db.session.commit()
        assert publish.receipt_proof(ballot_of(codes[4])) == proofs[4]
        db.session.remove()
    with app.app_context():
        assert db.session.scalar(select(LedgerBatch.tree)) == stored  # computed and stored once
        assert [publish.receipt_proof(ballot_of(c)) for c in codes] == proofs
        db.session.remove()
    assert verify(app, slug).exit_code == 0


def test_a_proof_lookup_reads_no_leaves_but_its_own(app, make):
    """Two statements: the leaf with its batch's numbers, then the path's slices of the stored levels."""
    from sqlalchemy import event

    slug, ids = open_contest(app, pow_bits=0)
    codes = add_ballots(app, slug, ids["c1"], 9)
    seal(app, slug)
    with app.app_context():
        ballot = ballot_of(codes[3])
        seen: list[str] = []
        listener = lambda conn, cursor, statement, *rest: seen.append(statement)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            proof = publish.receipt_proof(ballot)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert len(proof["proof"]) == 4 and len(seen) == 2
        assert "substr" in seen[1].lower() and "ledger_leaves" not in seen[1]
        db.session.remove()


def test_receipts_carry_proofs_from_the_levels_once_voting_closes(app, make):
    slug, ids = open_contest(app, pow_bits=0)
    codes = add_ballots(app, slug, ids["c1"], 5)
    seal(app, slug)
    client = app.test_client()
    assert client.get(f"/api/v1/receipts/{codes[2]}").get_json()["ledger"] is None
    close_voting(organiser_api(app), slug)
    proof = client.get(f"/api/v1/receipts/{codes[2]}").get_json()["ledger"]
    assert proof["index"] == 2 and proof["size"] == 5
    assert merkle.verify_inclusion(proof["leaf"].encode(), 2, 5, [bytes.fromhex(h) for h in proof["proof"]],
                                   bytes.fromhex(proof["root"]))
    assert client.get(url(slug) + "/batches/1").get_json()["batch"]["root"] == proof["root"]


def test_the_ledger_of_a_contest_without_batches(app, make):
    slug, _ = open_contest(app, pow_bits=0)
    body = Api(app.test_client()).get(url(slug)).get_json()
    assert body["batches"] == [] and body["next"] is None and body["rules"] == {}
    assert body["head"] == {"batches": 0, "ballots": 0, "chain": encoding.genesis(slug), "amendments": 0,
                            "amendment_hash": encoding.amendments_genesis(slug)}
    assert body["amendments_url"] == url(slug) + "/amendments"
