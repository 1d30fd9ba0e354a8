"""tools/verify_ledger.py --audit: every audit hash the ledger names must be the decision it says,
not merely an entry of the log. An invalidated leaf names a review's decision to invalidate
(`fraud.invalidate`, details.status "invalidated") with the leaf's reason; an amendment, a decision
to its `to` (`fraud.count` or `fraud.invalidate`) with its reason, by the organiser who signed it
off, or, for a hold, a fraud sweep's entry (`fraud.sweep`, by the system, "held by the RULE rule")."""

from __future__ import annotations

import json

import pytest

from tests.support import ledgers as L
from tests.unit.test_verifier_tampering import genuine, leaf, refused, verify


def checked(tmp_path, ledger: L.Ledger, audit: dict | None = None, why: str | None = None):
    """The ledger verified with its audit log (or `audit`): passes, or is refused saying `why`."""
    path = tmp_path / "audit.json"
    path.write_text(json.dumps(audit or L.audit_log(ledger)))
    if why is None:
        result = verify(tmp_path, ledger, "--audit", path)
        assert result.returncode == 0, result.stdout
        return result.stdout
    return refused(tmp_path, ledger, why, "--audit", path)


def test_the_genuine_decisions_pass(tmp_path):
    out = checked(tmp_path, genuine())
    assert "audit log: 5 entries chained" in out


def test_audit_hashes_naming_the_contests_creation(tmp_path):
    """Every audit hash pointed at entry 1 (contest.create): an entry of the log, but no decision."""
    ledger = genuine()
    first = ledger.audit[0]["hash"]
    for item in ledger.amendments:
        item["audit_hash"] = first
    ledger = leaf(ledger, 1, 2, lambda f: f.update(audit_hash=first))
    out = checked(tmp_path, ledger, why='batch 1 leaf 2: audit entry 1: its audit entry is not a decision to '
                                        'invalidated (fraud.invalidate with status invalidated): it is '
                                        '"contest.create"')
    assert 'amendment 1: audit entry 1: its audit entry is not a decision to invalidated' in out
    assert 'amendment 2: audit entry 1: its audit entry is not a decision to counted' in out
    assert 'amendment 3: audit entry 1: its audit entry is "contest.create", not a fraud sweep\'s hold' in out


def test_an_invalidated_leaf_whose_reason_is_not_its_decisions(tmp_path):
    ledger = leaf(genuine(), 1, 2, lambda f: f.update(reason="something else entirely", rule="made-up"))
    checked(tmp_path, ledger, why='batch 1 leaf 2: audit entry 2: its reason is not its decision\'s: '
                                  '"burst of ballots"')


def test_an_invalidated_leaf_naming_a_decision_to_count(tmp_path):
    ledger = genuine()
    counted = ledger.amendments[1]["audit_hash"]  # the decision counting ballot 2 back
    ledger = leaf(ledger, 1, 2, lambda f: f.update(audit_hash=counted, reason="review of ballot 2"))
    checked(tmp_path, ledger, why='batch 1 leaf 2: audit entry 4: its audit entry is not a decision to invalidated')


@pytest.mark.parametrize("n, fields, why", [
    (2, {"to": "under_review"}, 'its audit entry is "fraud.count", not a fraud sweep\'s hold'),
    (1, {"reason": "nothing to see"}, 'its reason is not its decision\'s: "review of ballot 0"'),
    (1, {"signed_off_by": "Bob Other <bob@example.org>"},
     'it is signed off by "Bob Other <bob@example.org>", its decision is by "Ada Organiser <ada@example.org>"'),
    (3, {"reason": "held because we felt like it"}, 'a hold\'s reason is "held by the RULE rule"'),
    (3, {"signed_off_by": "Ada Organiser <ada@example.org>"}, 'a hold is signed off by "system: fraud sweep"'),
], ids=["to", "reason", "signer", "hold-reason", "hold-signer"])
def test_an_amendment_that_is_not_its_decision(tmp_path, n, fields, why):
    ledger = genuine()
    audit = L.audit_log(ledger)
    ledger.amendments[n - 1].update(fields)
    checked(tmp_path, L.rechain(ledger), audit, why=f"amendment {n}: audit entry {n + 2}: {why}")


def test_a_hold_naming_an_organisers_decision(tmp_path):
    ledger = genuine()
    ledger.amendments[2]["audit_hash"] = ledger.amendments[1]["audit_hash"]
    checked(tmp_path, L.rechain(ledger), why='amendment 3: audit entry 4: its audit entry is "fraud.count", not '
                                             "a fraud sweep's hold")
