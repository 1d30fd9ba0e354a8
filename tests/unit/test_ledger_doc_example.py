"""docs/ledger.md's worked example is what the code computes: every leaf, rules
object, header and audit entry it prints is the code's canonical text, and
every hash it shows is the code's. An outsider writes a verifier from that
page; it must not drift from the server."""

import hashlib
from pathlib import Path

from voting.audit.domain import chain as audit
from voting.ledger.domain import encoding, merkle

DOC = (Path(__file__).resolve().parents[2] / "docs" / "ledger.md").read_text(encoding="utf-8")
SLUG = "example"
REASON = "one of fifty accounts made in a minute"


def receipt_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def test_every_text_and_hash_of_the_worked_example_is_the_codes():
    entry = {"seq": 1, "actor": "Ada Organiser <ada@example.org>", "action": "fraud.invalidate",
             "subject": "1 ballot(s)", "details": {"ballots": [2], "reason": REASON, "status": "invalidated"},
             "created_at": "2021-05-18T11:00:00+00:00"}
    audit_genesis = encoding.audit_genesis(SLUG)
    assert audit_genesis == audit.genesis(SLUG)
    audit_1 = audit.entry_hash(audit_genesis, entry)
    leaves = [encoding.leaf(SLUG, "c1", receipt_hash("KQ3TM7ZBXW2NR4DAP6YHC5FJ"), [7], "counted"),
              encoding.leaf(SLUG, "c1", receipt_hash("HV5QW2MEKD7RX3TNC6YJAP4Z"), [9], "invalidated",
                            ("burst", REASON, audit_1)),
              encoding.leaf(SLUG, "c1", receipt_hash("T6CMPW3KQYR2XN7DHB4EZJ5A"), [9], "counted")]
    raw = [leaf.encode() for leaf in leaves]
    root = merkle.root(raw).hex()
    rules = encoding.rules(SLUG, "single", None, None, None,
                           [("c1", "Healthy ageing", [(7, "Silver Surfers"), (9, "Care Circle")])])
    header = encoding.header(SLUG, 1, 3, root, encoding.genesis(SLUG), "2021-05-18T12:05:00+00:00",
                             encoding.rules_hash(rules), 1, audit_1)
    amendment = encoding.amendment_fields(1, receipt_hash("KQ3TM7ZBXW2NR4DAP6YHC5FJ"), "counted", "invalidated",
                                          "burst", "Ada Organiser <ada@example.org>", "ab" * 32,
                                          "2021-05-18T12:10:00+00:00")
    texts = [*leaves, audit.canonical(entry).decode(), encoding.canonical(rules).decode(),
             encoding.canonical(header).decode(),
             encoding.canonical({k: amendment[k] for k in encoding.AMENDMENT_FIELDS}).decode()]
    hashes = [audit_genesis, audit_1, *(merkle.leaf_hash(r).hex() for r in raw),
              merkle.node_hash(merkle.leaf_hash(raw[0]), merkle.leaf_hash(raw[1])).hex(), root,
              encoding.rules_hash(rules), encoding.genesis(SLUG), encoding.chain(header),
              encoding.amendments_genesis(SLUG),
              encoding.amendment_hash(encoding.amendments_genesis(SLUG), amendment),
              receipt_hash("KQ3TM7ZBXW2NR4DAP6YHC5FJ")]
    for text in texts:
        assert f"'{text}'" in DOC, text
    for value in hashes:
        assert value in DOC, value
    assert [p.hex() for p in merkle.inclusion_proof(raw, 2)] == [hashes[5]]
