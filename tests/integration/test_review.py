"""Review decisions, the audit log and the invalidation report, on ballots the
intake held (honeypot) and ones it counted."""

from __future__ import annotations

from sqlalchemy import select, update

from voting.audit.models import AuditEntry
from voting.ballots.models import Ballot
from voting.extensions import db

from tests.support.results import mark_published
from tests.support.api import Api, assert_error
from tests.support.factories import PASSWORD
from tests.support.voting import cast, open_contest, voter_api


def organiser(app):
    api = Api(app.test_client())
    api.login("organiser@example.org", PASSWORD)
    return api


def setup_votes(app, make):
    slug, ids = open_contest(app, pow_bits=0)
    for n in range(3):
        assert cast(voter_api(app, make, f"honest{n}@example.org"), slug, "c1", [ids["c1"][0]],
                    with_proof=False).status_code == 201
    for n in range(2):
        assert cast(voter_api(app, make, f"bot{n}@example.org"), slug, "c1", [ids["c1"][1]], with_proof=False,
                    form={"website": "http://spam.example"}).status_code == 201
    with app.app_context():
        held = [b.id for b in db.session.scalars(select(Ballot).where(Ballot.status == "under_review"))]
        counted = [b.id for b in db.session.scalars(select(Ballot).where(Ballot.status == "counted"))]
    return slug, ids, held, counted


def test_invalidate_held_ballots_with_a_reason(app, make):
    slug, ids, held, counted = setup_votes(app, make)
    api = organiser(app)
    url = f"/api/v1/contests/{slug}/fraud/ballots/decision"
    err = assert_error(api.post(url, json={"ballot_ids": held, "decision": "invalidate", "reason": " "}),
                       422, "validation_error")
    assert "reason" in err["fields"]
    resp = api.post(url, json={"ballot_ids": held, "decision": "invalidate", "reason": "honeypot filled by a bot"})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["decided"] == 2

    report = api.get(f"/api/v1/contests/{slug}/fraud/report").get_json()
    assert (report["counted"], report["under_review"], report["invalidated"]) == (3, 0, 2)
    assert report["invalidated_by_reason"] == {"honeypot": 2}
    assert report["categories"][0]["slug"] == "c1" and report["categories"][0]["invalidated"] == 2

    entries = api.get(f"/api/v1/contests/{slug}/audit").get_json()["entries"]
    decision = entries[-1]
    assert decision["action"] == "fraud.invalidate" and decision["details"]["reason"] == "honeypot filled by a bot"
    assert decision["actor"].endswith("<organiser@example.org>")
    assert decision["prev_hash"] == (entries[-2]["hash"] if len(entries) > 1 else decision["prev_hash"])


def test_ballots_of_another_contest_are_refused(app, make):
    slug, ids, held, counted = setup_votes(app, make)
    resp = organiser(app).post(f"/api/v1/contests/{slug}/fraud/ballots/decision",
                               json={"ballot_ids": [held[0], 999999], "decision": "count", "reason": "ok"})
    assert_error(resp, 422, "validation_error")
    with app.app_context():
        assert db.session.get(Ballot, held[0]).status == "under_review"


def test_review_is_for_organisers(app, make):
    slug, *_ = setup_votes(app, make)
    voter = voter_api(app, make, "curious@example.org")
    for path in ("fraud/clusters", "fraud/report", "audit"):
        assert_error(voter.get(f"/api/v1/contests/{slug}/{path}"), 403, "forbidden")
    assert_error(voter.post(f"/api/v1/contests/{slug}/fraud/sweep"), 403, "forbidden")


def test_audit_chain_verifies_and_detects_tampering(app, make):
    slug, ids, held, counted = setup_votes(app, make)
    api = organiser(app)
    for decision, ballots in (("count", held[:1]), ("invalidate", held[1:])):
        assert api.post(f"/api/v1/contests/{slug}/fraud/ballots/decision",
                        json={"ballot_ids": ballots, "decision": decision, "reason": "reviewed"}).status_code == 200
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify", slug])
    assert result.exit_code == 0 and "entries, chain intact" in result.output
    with app.app_context():  # the two decisions, after the contest's creation and entries
        assert [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq))][-2:] == \
            ["fraud.count", "fraud.invalidate"]

    with app.app_context():
        db.session.execute(update(AuditEntry).where(AuditEntry.seq == 1).values(details={"reason": "rewritten"}))
        db.session.commit()
    result = runner.invoke(args=["audit", "verify", slug])
    assert result.exit_code == 1 and "entry 1: its content does not match its hash" in result.output


def test_audit_has_no_update_or_delete_path():
    """Append-only by construction: no code outside migrations updates or deletes audit rows."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "voting"
    for path in root.rglob("*.py"):
        text = path.read_text()
        assert "delete(AuditEntry" not in text and "update(AuditEntry" not in text, path
    service = (root / "audit" / "services.py").read_text()
    assert ".delete(" not in service and ".hash =" in service  # the one assignment: the new row's hash


def test_receipt_carries_its_inclusion_proof_once_voting_closes(app, make):
    from datetime import datetime, timedelta, timezone

    from voting.ledger.domain import merkle
    from voting.ledger.jobs import seal_ledger

    slug, ids = open_contest(app, pow_bits=0)
    receipt = cast(voter_api(app, make), slug, "c1", [ids["c1"][2]], with_proof=False).get_json()["receipt"]
    with app.app_context():
        from voting.contests.services import get_contest
        seal_ledger(get_contest(slug).id)
        db.session.remove()
    client = app.test_client()
    assert client.get(f"/api/v1/receipts/{receipt}").get_json()["ledger"] is None  # voting still open
    api = organiser(app)
    assert api.patch(f"/api/v1/contests/{slug}", json={"phases": {"voting": {
        "closes_at": (datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat()}}}).status_code == 200
    body = client.get(f"/api/v1/receipts/{receipt}").get_json()
    assert body["status"] == "counted"
    proof = body["ledger"]
    assert merkle.verify_inclusion(proof["leaf"].encode(), proof["index"], proof["size"],
                                   [bytes.fromhex(h) for h in proof["proof"]], bytes.fromhex(proof["root"]))
    mark_published(app, slug)
    ledger = client.get(f"/api/v1/contests/{slug}/ledger").get_json()
    assert ledger["leaves_published"] and ledger["batches"][0]["root"] == proof["root"]
    result = app.test_cli_runner().invoke(args=["ledger", "verify", slug])
    assert result.exit_code == 0, result.output


def test_review_status_counts_what_awaits_a_decision(app, make):
    slug, ids, held, counted = setup_votes(app, make)
    api = organiser(app)
    status = api.get(f"/api/v1/contests/{slug}/fraud/status").get_json()
    assert status == {"last_sweep": None, "final_sweep_at": None, "under_review": 2, "flagged": 0,
                      "invalidated": 0, "open_clusters": 0}
    assert api.post(f"/api/v1/contests/{slug}/fraud/ballots/decision", json={
        "ballot_ids": held[:1], "decision": "invalidate", "reason": "honeypot"}).status_code == 200
    status = api.get(f"/api/v1/contests/{slug}/fraud/status").get_json()
    assert (status["under_review"], status["invalidated"]) == (1, 1)
    voter = voter_api(app, make, "curious@example.org")
    assert_error(voter.get(f"/api/v1/contests/{slug}/fraud/status"), 403, "forbidden")


def test_the_fraud_policy_is_validated_and_stays_private(app, make):
    slug, ids = open_contest(app, pow_bits=0)
    api = organiser(app)
    err = assert_error(api.patch(f"/api/v1/contests/{slug}", json={"fraud": {
        "rules": {"burst": "sometimes", "made_up": "off"}, "hold_threshold": 0.01}}), 422, "validation_error")
    assert set(err["fields"]) == {"fraud.rules.burst", "fraud.rules.made_up", "fraud.hold_threshold"}
    resp = api.patch(f"/api/v1/contests/{slug}", json={"fraud": {"rules": {"burst": "off", "country": "flag"},
                                                                 "hold_threshold": 1.5}})
    assert resp.status_code == 200, resp.get_json()
    full = api.get(f"/api/v1/contests/{slug}").get_json()["fraud"]
    assert full["rules"] == {"burst": "off", "country": "flag"} and full["hold_threshold"] == 1.5
    from voting.fraud.domain.policy import Policy

    assert full["flag_threshold"] == Policy.flag_threshold
    public = voter_api(app, make, "curious@example.org").get(f"/api/v1/contests/{slug}").get_json()
    assert "fraud" not in public and "hold_threshold" not in str(public)
