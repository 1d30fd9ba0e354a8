"""`flask --app voting ledger verify` against tampered ledgers (format 2).

Each case changes what is stored the way a dishonest server would, most of
them rebuilding every tree, root and chain (and the ballot rows too, where a
selection is changed) so that only the rule the case is about can catch it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from voting.audit.models import AuditEntry
from voting.ballots.models import Ballot
from voting.contests.services import get_contest
from voting.extensions import db
from voting.ledger import amendments, publish
from voting.ledger.domain import encoding, merkle
from voting.ledger.models import LedgerAmendment, LedgerBatch, LedgerLeaf, LedgerRules

from tests.integration.test_ledger import add_ballots, decide, seal, verify
from tests.support.voting import open_contest


def rebuild(slug: str) -> None:
    """Every batch's tree, root and chain recomputed from what is stored now (in an app context)."""
    prev = encoding.genesis(slug)
    for batch in db.session.scalars(select(LedgerBatch).order_by(LedgerBatch.seq)):
        batch.tree = merkle.levels([t.encode() for t in publish.batch_leaves(batch.id)])
        batch.root = batch.tree[-merkle.HASH_SIZE:].hex()
        batch.prev_chain = prev
        batch.chain = prev = encoding.chain(publish.header_of(batch, slug))


def rechain_amendments(slug: str) -> None:
    prev = encoding.amendments_genesis(slug)
    for row in db.session.scalars(select(LedgerAmendment).order_by(LedgerAmendment.seq)):
        row.prev_hash = prev
        row.hash = prev = encoding.amendment_hash(prev, amendments.fields_of(row))


def leaf_at(position: int) -> tuple[LedgerLeaf, dict]:
    row = db.session.scalar(select(LedgerLeaf).where(LedgerLeaf.position == position))
    return row, json.loads(row.leaf)


def set_leaf(row: LedgerLeaf, leaf: dict, selection_too: bool = False) -> None:
    row.leaf = encoding.canonical(leaf).decode()
    if selection_too:  # the ballot's row changed alike: only the leaf's own rules can tell
        db.session.execute(update(Ballot).where(Ballot.id == row.ballot_id).values(selection=leaf["selection"]))


@pytest.fixture
def ledger(app, make):
    """One batch: four counted ballots in c1 (positions 0-3), one invalidated by a review in c2 (position 4);
    then ballot 0 invalidated by a review (amendment 1). Verified."""
    slug, ids = open_contest(app, pow_bits=0)
    codes = add_ballots(app, slug, ids["c1"], 4)
    held = add_ballots(app, slug, ids["c2"], 1, status="under_review", category="c2")
    decide(app, held[0], "invalidated", "a bot")
    seal(app, slug)
    decide(app, codes[0], "invalidated", "found out")
    result = verify(app, slug)
    assert result.exit_code == 0, result.output
    return slug, ids


def two_entries(slug, ids):
    row, leaf = leaf_at(1)
    set_leaf(row, {**leaf, "selection": [ids["c1"][0], ids["c1"][1]]}, selection_too=True)
    rebuild(slug)


def string_id(slug, ids):
    row, leaf = leaf_at(1)
    set_leaf(row, {**leaf, "selection": [str(ids["c1"][1])]}, selection_too=True)
    rebuild(slug)


def entry_of_another_category(slug, ids):
    row, leaf = leaf_at(2)
    set_leaf(row, {**leaf, "selection": [ids["c2"][0]]}, selection_too=True)
    rebuild(slug)


def extra_field(slug, ids):
    row, leaf = leaf_at(1)
    set_leaf(row, {**leaf, "note": "hello"})
    rebuild(slug)


def leaf_not_canonical(slug, ids):
    row, leaf = leaf_at(1)
    row.leaf = json.dumps(leaf, indent=1)
    rebuild(slug)


def rules_without_an_entry(slug, ids):
    rules_row = db.session.scalar(select(LedgerRules))
    rules = json.loads(rules_row.body)
    rules["categories"][0]["entries"] = [e for e in rules["categories"][0]["entries"] if e["id"] != ids["c1"][1]]
    rules_row.body = encoding.canonical(rules).decode()
    rules_row.hash = encoding.rules_hash(rules)
    db.session.execute(update(LedgerBatch).values(rules_hash=rules_row.hash))
    rebuild(slug)


def rules_changed_under_their_hash(slug, ids):
    rules_row = db.session.scalar(select(LedgerRules))
    rules = json.loads(rules_row.body)
    rules["max_choices"] = 3
    rules_row.body = encoding.canonical(rules).decode()


def rules_of_another_method(slug, ids):
    rules_row = db.session.scalar(select(LedgerRules))
    rules = {**json.loads(rules_row.body), "method": "approval", "max_choices": 3}
    rules_row.body = encoding.canonical(rules).decode()
    rules_row.hash = encoding.rules_hash(rules)
    db.session.execute(update(LedgerBatch).values(rules_hash=rules_row.hash))
    rebuild(slug)


def sealed_later(slug, ids):
    db.session.execute(update(LedgerBatch).values(
        sealed_at=db.session.scalar(select(LedgerBatch.sealed_at)) + timedelta(hours=1)))


def audit_head_of_nothing(slug, ids):
    db.session.execute(update(LedgerBatch).values(audit_seq=999))
    rebuild(slug)


def tree_changed(slug, ids):
    tree = bytearray(db.session.scalar(select(LedgerBatch.tree)))
    tree[40] ^= 1
    db.session.execute(update(LedgerBatch).values(tree=bytes(tree)))


def reason_rewritten(slug, ids):
    row, leaf = leaf_at(4)
    set_leaf(row, {**leaf, "reason": "nothing to see"})
    rebuild(slug)


def audit_entry_of_something_else(slug, ids):
    row, leaf = leaf_at(4)
    first = db.session.scalar(select(AuditEntry.hash).order_by(AuditEntry.seq).limit(1))  # the contest's creation
    set_leaf(row, {**leaf, "audit_hash": first})
    db.session.execute(update(Ballot).where(Ballot.id == row.ballot_id).values(decision_audit_hash=first))
    rebuild(slug)


def rule_rewritten(slug, ids):
    row, leaf = leaf_at(4)
    set_leaf(row, {**leaf, "rule": "burst"})
    rebuild(slug)


def amendment_to_itself(slug, ids):
    db.session.execute(update(LedgerAmendment).values(to_status="counted"))
    rechain_amendments(slug)


def amendment_before_its_seal(slug, ids):
    sealed_at = db.session.scalar(select(LedgerBatch.sealed_at))
    db.session.execute(update(LedgerAmendment).values(created_at=sealed_at - timedelta(hours=1)))
    rechain_amendments(slug)


def amendment_of_no_audit_entry(slug, ids):
    db.session.execute(update(LedgerAmendment).values(audit_hash="ab" * 32))
    rechain_amendments(slug)


def amendment_of_another_decision(slug, ids):
    other = db.session.scalar(select(AuditEntry.hash).where(AuditEntry.action == "fraud.invalidate")
                              .order_by(AuditEntry.seq).limit(1))  # the decision on the ballot in c2
    db.session.execute(update(LedgerAmendment).values(audit_hash=other, reason="a bot"))
    rechain_amendments(slug)


def amendment_reason_rewritten(slug, ids):
    db.session.execute(update(LedgerAmendment).values(reason="nothing to see"))
    rechain_amendments(slug)


def amendment_signed_by_another(slug, ids):
    db.session.execute(update(LedgerAmendment).values(signed_off_by="Someone Else <else@example.org>"))
    rechain_amendments(slug)


def amendment_made_a_hold(slug, ids):
    db.session.execute(update(LedgerAmendment).values(to_status="under_review"))
    rechain_amendments(slug)


def rules_with_an_entry_in_two_categories(slug, ids):
    rules_row = db.session.scalar(select(LedgerRules))
    rules = json.loads(rules_row.body)
    rules["categories"][1]["entries"] = sorted(rules["categories"][1]["entries"] + [
        {"id": ids["c1"][0], "title": "Also here"}], key=lambda e: e["id"])
    rules_row.body = encoding.canonical(rules).decode()
    rules_row.hash = encoding.rules_hash(rules)
    db.session.execute(update(LedgerBatch).values(rules_hash=rules_row.hash))
    rebuild(slug)


def rules_moving_an_entry(slug, ids):
    rules = json.loads(db.session.scalar(select(LedgerRules.body)))
    moved = ids["c1"][2]
    rules["categories"][0]["entries"] = [e for e in rules["categories"][0]["entries"] if e["id"] != moved]
    rules["categories"][1]["entries"] = sorted(rules["categories"][1]["entries"] + [
        {"id": moved, "title": "Moved"}], key=lambda e: e["id"])
    contest_id = db.session.scalar(select(LedgerRules.contest_id))
    db.session.add(LedgerRules(contest_id=contest_id, hash=encoding.rules_hash(rules),
                               body=encoding.canonical(rules).decode()))


CASES = [
    (two_entries, "the selection names 2 entries, at most 1 allowed"),
    (string_id, "names an entry by something other than an integer id"),
    (entry_of_another_category, "which is not an entry of the category"),
    (extra_field, "a counted leaf has the keys"),
    (leaf_not_canonical, "leaf 1: not canonical JSON"),
    (rules_without_an_entry, "which is not an entry of the category"),
    (rules_changed_under_their_hash, "the body does not hash to its hash"),
    (rules_of_another_method, "method, max_choices differ from the contest's"),
    (sealed_later, "chain is not the hash of its header"),
    (audit_head_of_nothing, "audit head 999 is not that entry of the audit log"),
    (tree_changed, "the stored tree levels are not those of its leaves"),
    (reason_rewritten, "leaf 4: its reason is not the decision's"),
    (audit_entry_of_something_else, "leaf 4: its audit entry did not invalidate this ballot"),
    (rule_rewritten, "leaf 4: its rule is not the ballot's"),
    (amendment_to_itself, "amendment 1: changes counted to counted"),
    (amendment_before_its_seal, "amendment 1: made before the batch holding its ballot was sealed"),
    (amendment_of_no_audit_entry, "amendment 1: its audit_hash names no audit entry of the contest"),
    (amendment_of_another_decision, "amendment 1: its audit entry did not decide this ballot"),
    (amendment_reason_rewritten, "amendment 1: its reason is not the decision's"),
    (amendment_signed_by_another, "amendment 1: its signer is not the decision's author"),
    (amendment_made_a_hold, "amendment 1: a hold names a fraud sweep's entry"),
    (rules_with_an_entry_in_two_categories, "is in category 'c1' too"),
    (rules_moving_an_entry, "in other rules in 'c1'"),
]


@pytest.mark.parametrize("tamper, reason", CASES, ids=[c[0].__name__ for c in CASES])
def test_the_cli_catches_tampering(app, ledger, tamper, reason):
    slug, ids = ledger
    with app.app_context():
        tamper(slug, ids)
        db.session.commit()
        db.session.remove()
    result = verify(app, slug)
    assert result.exit_code == 1, result.output
    assert reason in result.output, result.output


def test_a_rebuild_alone_changes_nothing(app, ledger):
    """The rebuild the cases use is faithful: on an untouched ledger it leaves every check passing."""
    slug, _ = ledger
    with app.app_context():
        before = [(b.root, b.chain) for b in db.session.scalars(select(LedgerBatch))]
        rebuild(slug)
        rechain_amendments(slug)
        db.session.commit()
        assert [(b.root, b.chain) for b in db.session.scalars(select(LedgerBatch))] == before
        assert get_contest(slug).slug == slug
        db.session.remove()
    assert verify(app, slug).exit_code == 0
