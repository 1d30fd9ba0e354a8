"""The ledger: sealing ballots into chained Merkle batches (format 2: headers
hashed whole, rules and tree levels stored), amendments, what is published
when, receipt proofs, the CLI check and the RQ job. The paged API is in
test_ledger_api.py, the CLI against tampering in test_ledger_checks.py."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from voting.accounts.models import User
from voting.audit import services as audit
from voting.audit.models import AuditEntry
from voting.ballots.domain import receipts
from voting.ballots.models import Ballot
from voting.contests.models import Contest
from voting.contests.services import get_contest
from voting.extensions import db
from voting.fraud import decisions
from voting.ledger import amendments, jobs, publish, sealing
from voting.ledger.domain import encoding, merkle
from voting.ledger.api import bp as ledger_bp
from voting.ledger.cli import ledger as ledger_cli
from voting.ledger.models import LedgerAmendment, LedgerBatch, LedgerLeaf, LedgerRules
from voting.worker import run_worker

from tests.support.results import mark_published
from tests.support.api import Api
from tests.support.factories import PASSWORD, make_user
from tests.support.voting import cast, open_contest, voter_api


def now() -> datetime:
    return datetime.now(timezone.utc)


def add_ballots(app, slug, entries, count, status="counted", category="c1", first=0) -> list[str]:
    """`count` ballots straight into the table (the intake has its own tests); answers their receipt codes."""
    codes = []
    with app.app_context():
        contest = get_contest(slug)
        category_id = contest.category(category).id
        for n in range(first, first + count):
            voter = make_user(f"ledger-{category}-{n}@example.org")
            code = f"CODE-{category}-{n}".upper()
            db.session.add(Ballot(
                contest_id=contest.id, category_id=category_id, voter_id=voter.id,
                receipt_hash=receipts.code_hash(code), method="single", selection=[entries[n % len(entries)]],
                status=status, flags=[], client_ip="192.0.2.1", ip_prefix="192.0.2.0/24",
                user_agent_hash="0" * 64, device_id="", cast_at=now(),
                status_reason="honeypot" if status == "under_review" else None))
            codes.append(code)
        db.session.commit()
        db.session.remove()
    return codes


def seal(app, slug, **kw):
    """Seal the next batch; answers it as published (batch_json), or None."""
    with app.app_context():
        batch = sealing.seal(get_contest(slug).id, now(), **kw)
        result = None if batch is None else publish.batch_json(batch)
        db.session.remove()
    return result


def ballot_of(code: str) -> Ballot:
    return db.session.scalar(select(Ballot).where(Ballot.receipt_hash == receipts.code_hash(code)))


def organiser_api(app):
    api = Api(app.test_client())
    api.login("organiser@example.org", PASSWORD)
    return api


def close_voting(api: Api, slug: str) -> None:
    # Only the close moves: an opened vote keeps its opening time (voting.contests.domain.changes).
    resp = api.patch(f"/api/v1/contests/{slug}", json={"phases": {"voting": {
        "closes_at": (now() - timedelta(seconds=1)).isoformat()}}})
    assert resp.status_code == 200, resp.get_json()


def decide(app, code, to_status, reason="burst"):
    """A review decides one ballot, as the app does: count or invalidate through the fraud decisions
    (audited, amending a sealed ballot), a hold as a sweep makes it. Answers whether an amendment was made."""
    with app.app_context():
        ballot = ballot_of(code)
        contest = db.session.get(Contest, ballot.contest_id)
        before = db.session.scalar(select(db.func.count()).select_from(LedgerAmendment))
        if to_status == "under_review":  # as voting/fraud/filing.py holds a ballot for the rule `reason`
            entry = audit.append(contest, None, "fraud.sweep", f"contest {contest.slug}",
                                 {"ballots_by_rule": {reason: 1}, "newly_held": 1}, now())
            amendments.amend(ballot, "under_review", f"held by the {reason} rule", "system: fraud sweep",
                             entry.hash, now())
            ballot.status_reason = reason
            db.session.commit()
        else:
            organiser = db.session.scalar(select(User).where(User.email == "organiser@example.org"))
            decisions.decide(contest, [ballot.id], {"counted": "count", "invalidated": "invalidate"}[to_status],
                             reason, organiser, now())
        made = db.session.scalar(select(db.func.count()).select_from(LedgerAmendment)) > before
        db.session.remove()
    return made


def last_audit_hash(app, slug) -> str:
    with app.app_context():
        found = db.session.scalar(select(AuditEntry.hash).join(Contest, Contest.id == AuditEntry.contest_id)
                                  .where(Contest.slug == slug).order_by(AuditEntry.seq.desc()).limit(1))
        db.session.remove()
    return found


def header(batch: dict, slug: str) -> dict:
    """A published batch's header (what its chain value hashes)."""
    return encoding.header(slug, *(batch[k] for k in encoding.HEADER_FIELDS[1:]))


@pytest.fixture
def ledger_app(app, make_app):
    """The suite's app if it serves the ledger already, else one that does."""
    if "ledger_api" in app.blueprints:
        return app
    other = make_app()
    other.register_blueprint(ledger_bp)
    return other


def test_ballots_are_sealed_into_a_batch_once(app, make):
    slug, ids = open_contest(app, pow_bits=0)
    add_ballots(app, slug, ids["c1"], 5)
    add_ballots(app, slug, ids["c2"], 2, status="invalidated", category="c2")
    batch = seal(app, slug)
    assert batch["seq"] == 1 and batch["size"] == 7
    assert batch["prev_chain"] == encoding.genesis(slug)
    assert batch["chain"] == encoding.chain(header(batch, slug))
    assert batch["sealed_at"].endswith("+00:00") and "." not in batch["sealed_at"]  # whole seconds, UTC
    with app.app_context():  # the audit log's head as it stood (the contest's creation, its entries)
        last = db.session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc())).first()
    assert (batch["audit_seq"], batch["audit_head"]) == tuple(last)
    with app.app_context():
        contest = get_contest(slug)
        leaves = db.session.execute(select(LedgerLeaf.position, LedgerLeaf.leaf, Ballot)
                                    .join(Ballot, Ballot.id == LedgerLeaf.ballot_id)
                                    .order_by(LedgerLeaf.position)).all()
        assert [p for p, _, _ in leaves] == list(range(7))
        assert [b.id for _, _, b in leaves] == sorted(b.id for _, _, b in leaves)  # id order
        assert all(b.sealed for _, _, b in leaves)
        texts = [t.encode() for _, t, _ in leaves]
        assert merkle.root(texts).hex() == batch["root"]
        assert db.session.scalar(select(LedgerBatch.tree)) == merkle.levels(texts)  # stored for receipt proofs
        first = json.loads(leaves[0][1])
        assert first == {"contest": slug, "category": "c1", "receipt_hash": leaves[0][2].receipt_hash,
                         "selection": leaves[0][2].selection, "status": "counted"}
        # Put straight into the table, these carry no decision: the leaf says so (and verifiers reject it).
        assert json.loads(leaves[-1][1])["status"] == "invalidated"
        assert {k: json.loads(leaves[-1][1])[k] for k in ("rule", "reason", "audit_hash")} == \
            {"rule": "", "reason": "", "audit_hash": ""}
        # The rules the batch answers to are stored as hashed, and are the contest's as they stand.
        rules = db.session.scalar(select(LedgerRules))
        assert rules.hash == batch["rules_hash"] == encoding.rules_hash(json.loads(rules.body))
        assert json.loads(rules.body) == sealing.current_rules(contest)
        assert json.loads(rules.body)["categories"][0]["entries"] == [
            {"id": i, "title": f"c1-{n}"} for n, i in enumerate(ids["c1"])]
    assert seal(app, slug) is None  # nothing new: no batch
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(LedgerBatch)) == 1


def test_new_ballots_make_a_second_batch_chained_to_the_first(app, make):
    slug, ids = open_contest(app, pow_bits=0)
    add_ballots(app, slug, ids["c1"], 3)
    first = seal(app, slug)
    add_ballots(app, slug, ids["c1"], 2, first=3)
    second = seal(app, slug)
    assert second["seq"] == 2 and second["size"] == 2
    assert second["prev_chain"] == first["chain"]
    assert second["chain"] == encoding.chain(header(second, slug))
    assert second["rules_hash"] == first["rules_hash"]  # the same rules: one row
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(LedgerRules)) == 1


def test_a_batch_header_binds_every_field(app, make):
    slug, ids = open_contest(app, pow_bits=0)
    add_ballots(app, slug, ids["c1"], 2)
    batch = seal(app, slug)
    base = header(batch, slug)
    changed = {"contest": "other", "seq": 2, "size": 3, "root": "00" * 32, "prev_chain": "00" * 32,
               "sealed_at": "2021-05-18T12:05:01+00:00", "rules_hash": "00" * 32, "audit_seq": 1,
               "audit_head": "00" * 32}
    assert set(changed) == set(encoding.HEADER_FIELDS)
    for field, value in changed.items():
        assert encoding.chain({**base, field: value}) != batch["chain"], field


def test_a_batch_holds_at_most_the_limit(app, make):
    slug, ids = open_contest(app, pow_bits=0)
    add_ballots(app, slug, ids["c1"], 5)
    assert [seal(app, slug, limit=2)["size"] for _ in range(3)] == [2, 2, 1]
    assert seal(app, slug, limit=2) is None


def test_under_review_ballots_wait_until_decided(app, make):
    slug, ids = open_contest(app, pow_bits=0)
    add_ballots(app, slug, ids["c1"], 2)
    held = add_ballots(app, slug, ids["c1"], 2, status="under_review", first=2)
    assert seal(app, slug)["size"] == 2
    assert seal(app, slug) is None
    # Deciding an unsealed ballot needs no amendment: its leaf will say it.
    assert decide(app, held[0], "counted") is False
    assert decide(app, held[1], "invalidated") is False
    decision = last_audit_hash(app, slug)
    assert seal(app, slug)["size"] == 2
    with app.app_context():
        leaves = [json.loads(t) for t in db.session.scalars(
            select(LedgerLeaf.leaf).join(LedgerBatch).where(LedgerBatch.seq == 2).order_by(LedgerLeaf.position))]
        assert [leaf["status"] for leaf in leaves] == ["counted", "invalidated"]
        assert "audit_hash" not in leaves[0]  # a counted leaf has its five fields only
        # The invalidated leaf says which rule held the ballot, why it was invalidated and where that is audited.
        assert {k: leaves[1][k] for k in ("rule", "reason", "audit_hash")} == \
            {"rule": "honeypot", "reason": "burst", "audit_hash": decision}
        assert ballot_of(held[1]).decision_audit_hash == decision
        assert db.session.scalar(select(db.func.count()).select_from(LedgerAmendment)) == 0
    assert verify(app, slug).exit_code == 0


def test_receipt_proof_verifies_and_shows_nothing_while_voting_is_open(app, make):
    slug, ids = open_contest(app, pow_bits=0)
    codes = []
    for n in range(3):
        resp = cast(voter_api(app, make, f"v{n}@example.org"), slug, "c1", [ids["c1"][n]], with_proof=False)
        codes.append(resp.get_json()["receipt"])
    with app.app_context():
        assert publish.receipt_proof(ballot_of(codes[1])) is None  # not sealed yet
    seal(app, slug)
    with app.app_context():
        contest = get_contest(slug)
        assert publish.receipt_ledger(ballot_of(codes[1]), contest, now()) is None  # voting is open
        proof = publish.receipt_proof(ballot_of(codes[1]))
        later = contest.voting_closes_at + timedelta(seconds=1)
        assert publish.receipt_ledger(ballot_of(codes[1]), contest, later) == proof
    assert proof["batch"] == 1 and proof["index"] == 1 and proof["size"] == 3
    assert json.loads(proof["leaf"])["receipt_hash"] == receipts.code_hash(codes[1])
    assert proof["leaf_hash"] == merkle.leaf_hash(proof["leaf"].encode()).hex()
    assert merkle.verify_inclusion(proof["leaf"].encode(), proof["index"], proof["size"],
                                   [bytes.fromhex(p) for p in proof["proof"]], bytes.fromhex(proof["root"]))
    # The receipt still reads `received` while voting is open.
    assert app.test_client().get(f"/api/v1/receipts/{codes[1]}").get_json()["status"] == "received"


def test_amendments_of_sealed_ballots_are_chained_and_published_in_full_after_voting(app, make, ledger_app):
    slug, ids = open_contest(app, pow_bits=0)
    codes = add_ballots(app, slug, ids["c1"], 3)
    seal(app, slug)
    assert decide(app, codes[0], "invalidated", "burst") is True
    assert decide(app, codes[0], "invalidated") is False  # no change, no amendment
    assert decide(app, codes[0], "counted", "cleared on appeal") is True
    assert decide(app, codes[2], "under_review", "found later") is True

    anyone = Api(ledger_app.test_client())
    url = f"/api/v1/contests/{slug}/ledger"
    during = anyone.get(url).get_json()
    assert during["leaves_published"] is False and during["amendments_revealed"] is False
    assert during["amendments_url"] == url + "/amendments"
    assert during["head"]["amendments"] == 3
    assert all("leaves" not in b for b in during["batches"])
    hidden = anyone.get(url + "/amendments").get_json()
    assert hidden["amendments_revealed"] is False and hidden["next"] is None
    assert [set(a) for a in hidden["amendments"]] == [{"seq", "created_at", "prev_hash", "hash"}] * 3

    close_voting(organiser_api(ledger_app), slug)
    after = anyone.get(url).get_json()
    assert after["leaves_published"] is False and all("leaves" not in b for b in after["batches"])
    assert after["amendments_revealed"] is True
    mark_published(app, slug)
    after = anyone.get(url).get_json()
    assert after["leaves_published"] is True and after["method"] == "single"
    shown = anyone.get(url + "/amendments").get_json()
    assert shown["amendments_genesis"] == encoding.amendments_genesis(slug)
    first, second, third = shown["amendments"]
    assert list(first) == ["seq", "receipt_hash", "from", "to", "reason", "signed_off_by", "audit_hash",
                           "created_at", "prev_hash", "hash"]
    assert first["receipt_hash"] == receipts.code_hash(codes[0])
    assert (first["from"], first["to"], first["reason"]) == ("counted", "invalidated", "burst")
    assert first["signed_off_by"] == "organiser <organiser@example.org>"
    with app.app_context():
        audited = list(db.session.scalars(select(AuditEntry.hash).where(AuditEntry.action.like("fraud.%"))
                                          .order_by(AuditEntry.seq)))
    assert [a["audit_hash"] for a in shown["amendments"]] == [audited[0], audited[2], audited[3]]
    assert first["prev_hash"] == encoding.amendments_genesis(slug)
    assert second["prev_hash"] == first["hash"] and third["prev_hash"] == second["hash"]
    assert after["head"]["amendment_hash"] == third["hash"]
    for item in shown["amendments"]:
        assert item["hash"] == encoding.amendment_hash(item["prev_hash"], item)
        assert {k: item[k] for k in ("seq", "created_at", "prev_hash", "hash")} == \
            hidden["amendments"][item["seq"] - 1]
    # The leaves stay as sealed: the amendments tell the rest.
    assert [json.loads(t)["status"] for t in after["batches"][0]["leaves"]] == ["counted"] * 3


def test_leaves_are_published_with_the_results(app, make, ledger_app):
    slug, ids = open_contest(app, pow_bits=0)
    add_ballots(app, slug, ids["c1"], 3)
    seal(app, slug)
    add_ballots(app, slug, ids["c2"], 2, category="c2")
    seal(app, slug)
    anyone = Api(ledger_app.test_client())
    resp = anyone.get(f"/api/v1/contests/{slug}/ledger")
    assert resp.status_code == 200
    body = resp.get_json()
    assert list(body) == ["contest", "format", "genesis", "amendments_genesis", "audit_genesis", "method",
                          "ranked_method", "leaves_published", "amendments_revealed", "head", "rules", "batches",
                          "next", "amendments_url", "export"]
    assert body["format"] == 2 and body["next"] is None and body["export"] is None
    assert body["ranked_method"] is None  # a single-choice contest: there is no ranked method
    assert body["genesis"] == encoding.genesis(slug) and body["leaves_published"] is False
    assert body["audit_genesis"] == encoding.audit_genesis(slug)
    assert [(b["seq"], b["size"]) for b in body["batches"]] == [(1, 3), (2, 2)]
    assert all("leaves" not in b for b in body["batches"])
    assert list(body["batches"][0]) == ["seq", "size", "root", "prev_chain", "sealed_at", "rules_hash", "audit_seq",
                                        "audit_head", "chain"]
    assert {k: body["head"][k] for k in ("batches", "ballots", "chain")} == (
        {"batches": 2, "ballots": 5, "chain": body["batches"][1]["chain"]})
    (rules_hash, rules), = body["rules"].items()
    assert rules_hash == body["batches"][0]["rules_hash"] == encoding.rules_hash(rules)
    assert rules["method"] == "single" and [c["slug"] for c in rules["categories"]] == ["c1", "c2"]

    close_voting(organiser_api(ledger_app), slug)
    body = anyone.get(f"/api/v1/contests/{slug}/ledger").get_json()
    assert body["leaves_published"] is False  # the leaves are the count: embargoed with the results
    mark_published(app, slug)
    body = anyone.get(f"/api/v1/contests/{slug}/ledger").get_json()
    assert body["leaves_published"] is True
    with app.app_context():
        stored = [list(db.session.scalars(select(LedgerLeaf.leaf).join(LedgerBatch).where(LedgerBatch.seq == s)
                                          .order_by(LedgerLeaf.position))) for s in (1, 2)]
    assert [b["leaves"] for b in body["batches"]] == stored
    for batch in body["batches"]:
        assert merkle.root([t.encode() for t in batch["leaves"]]).hex() == batch["root"]
    assert anyone.get("/api/v1/contests/no-such/ledger").status_code == 404


def verify(app, slug):
    return app.test_cli_runner().invoke(ledger_cli, ["verify", slug])


def test_cli_verify_passes_and_catches_tampering(app, make):
    slug, ids = open_contest(app, pow_bits=0)
    codes = add_ballots(app, slug, ids["c1"], 4)
    bad = add_ballots(app, slug, ids["c2"], 1, status="under_review", category="c2")
    decide(app, bad[0], "invalidated", "a bot")
    seal(app, slug)
    decide(app, codes[0], "invalidated")
    add_ballots(app, slug, ids["c1"], 1, first=4)  # counted, not sealed yet: not a failure
    result = verify(app, slug)
    assert result.exit_code == 0, result.output
    assert "1 batch(es), 5 leaves, 1 amendment(s); 1 counted ballot(s) not sealed yet" in result.output
    assert "verified" in result.output

    with app.app_context():
        with db.engine.begin() as conn:
            leaf = conn.execute(text("SELECT ballot_id, leaf FROM ledger_leaves WHERE position = 1")).one()
            changed = leaf.leaf.replace(f"[{ids['c1'][1]}]", f"[{ids['c1'][2]}]")
            assert changed != leaf.leaf
            conn.execute(text("UPDATE ledger_leaves SET leaf = :leaf WHERE ballot_id = :id"),
                         {"leaf": changed, "id": leaf.ballot_id})
    result = verify(app, slug)
    assert result.exit_code == 1
    assert "root does not match its leaves" in result.output
    assert "stored tree levels are not those of its leaves" in result.output
    assert "does not match its ballot (selection)" in result.output
    assert "recount from the ledger differs" in result.output


def test_cli_verify_catches_a_status_changed_without_amendment(app, make):
    slug, ids = open_contest(app, pow_bits=0)
    codes = add_ballots(app, slug, ids["c1"], 2)
    seal(app, slug)
    with app.app_context():
        ballot_of(codes[1]).status = "invalidated"  # behind the ledger's back
        db.session.commit()
    result = verify(app, slug)
    assert result.exit_code == 1
    assert "the database says invalidated, the ledger counted" in result.output
    assert verify(app, "no-such-contest").exit_code == 1


def test_a_seal_that_loses_the_race_changes_nothing(app, make, monkeypatch):
    slug, ids = open_contest(app, pow_bits=0)
    add_ballots(app, slug, ids["c1"], 2)
    seal(app, slug)
    add_ballots(app, slug, ids["c1"], 2, first=2)
    # As if another seal had committed batch 1 after we looked.
    monkeypatch.setattr(sealing, "last_batch", lambda contest_id: None)
    assert seal(app, slug) is None
    monkeypatch.undo()
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(LedgerLeaf)) == 2
        assert db.session.scalar(select(db.func.count()).select_from(Ballot).where(Ballot.sealed.is_(True))) == 2
    assert seal(app, slug)["seq"] == 2


def test_a_seal_is_abandoned_when_a_ballot_changes_meanwhile(app, make, monkeypatch):
    slug, ids = open_contest(app, pow_bits=0)
    codes = add_ballots(app, slug, ids["c1"], 3)
    read = sealing.pending

    def pending_then_review(contest_id, limit):
        rows = read(contest_id, limit)
        with db.engine.begin() as conn:  # a review deciding at that moment
            conn.execute(text("UPDATE ballots SET status = 'invalidated' WHERE receipt_hash = :h"),
                         {"h": receipts.code_hash(codes[1])})
        return rows

    monkeypatch.setattr(sealing, "pending", pending_then_review)
    assert seal(app, slug) is None
    monkeypatch.undo()
    assert seal(app, slug)["size"] == 3
    with app.app_context():
        assert json.loads(db.session.scalar(select(LedgerLeaf.leaf).where(LedgerLeaf.position == 1)))[
            "status"] == "invalidated"


def test_concurrent_seals_make_one_batch(app, make):
    slug, ids = open_contest(app, pow_bits=0)
    add_ballots(app, slug, ids["c1"], 6)
    results, barrier = [], threading.Barrier(3)

    def run():
        barrier.wait()
        results.append(seal(app, slug))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    made = [r for r in results if r]
    assert len(results) == 3 and len(made) == 1 and made[0]["size"] == 6
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(LedgerBatch)) == 1


def test_seal_job_through_rq(app, make, redis_client):
    slug, ids = open_contest(app, pow_bits=0)
    add_ballots(app, slug, ids["c1"], 3)
    with app.app_context():
        contest_id = get_contest(slug).id
        assert sealing.pending_contests() == [contest_id]
        job = jobs.enqueue_seal(contest_id)
        assert job.id == f"seal-ledger-{contest_id}"
        assert jobs.enqueue_seal(contest_id).id == job.id  # waiting already: the same job
        run_worker(["ledger"], burst=True)
        job.refresh()
        assert job.get_status() == "finished"
        assert job.return_value() == {"batches": 1, "ballots": 3}
        assert sealing.pending_contests() == []
        assert jobs.enqueue_pending() == 0
    result = verify(app, slug)
    assert result.exit_code == 0, result.output


def test_amend_must_make_the_status_change_itself(app, make):
    slug, ids = open_contest(app, pow_bits=0)
    codes = add_ballots(app, slug, ids["c1"], 1)
    seal(app, slug)
    with app.app_context():
        ballot = ballot_of(codes[0])
        with pytest.raises(ValueError):
            amendments.amend(ballot, "maybe", "why", "someone", "ab" * 32, now())
        ballot.status = "invalidated"
        with pytest.raises(ValueError):  # the amendment would have been lost
            amendments.amend(ballot, "invalidated", "why", "someone", "ab" * 32, now())
        db.session.rollback()
