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


def documented_string(text: str) -> str:
    """A JSON string written by the rule docs/ledger.md states, character by character."""
    named = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
    out = []
    for ch in text:
        if ch in named:
            out.append(named[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def test_strings_are_escaped_exactly_as_the_page_says():
    """Every character below U+0080, DEL, U+2028, U+2029 and a few beyond: the page's rule gives the
    bytes Python's json gives, and so the bytes the ledger and the audit chain hash."""
    for phrase in ('`"` as `\\"`, `\\` as `\\\\`', "U+0008 as `\\b`, U+000C as `\\f`, U+000A as `\\n`",
                   "`\\u00XX` with\n  lower-case hexadecimal digits", "not `/`, not DEL (U+007F), not U+2028 or U+2029",
                   "count Unicode code\n  points"):
        assert phrase in DOC, phrase
    for code in [*range(0x80), 0x2028, 0x2029, 0xE9, 0x301, 0xFEFF, 0x1F600]:
        text = f"a{chr(code)}b"
        assert encoding.canonical(text).decode() == documented_string(text), hex(code)
        assert audit.canonical({"x": text}).decode() == '{"x":' + documented_string(text) + "}", hex(code)


def test_numbers_with_a_fraction_in_the_audit_chain_are_pythons_repr():
    """The audit chain hashes a contest's settings as they are, floats included (contest.created):
    the page says how they are written, and an entry hashed by that rule is the server's hash."""
    assert "Numbers with a fraction" in DOC and "`1e-05`, `1e+16`" in DOC and "(`1.0`,\n  `100.0`)" in DOC
    written = {1.0: "1.0", 0.5: "0.5", 0.8: "0.8", 100.0: "100.0", 0.0001: "0.0001", 0.00001: "1e-05",
               1e15: "1000000000000000.0", 1e16: "1e+16", 1.5e16: "1.5e+16", 1 / 3: "0.3333333333333333",
               2.5e-7: "2.5e-07"}
    for value, text in written.items():
        assert audit.canonical({"w": value}).decode() == '{"w":' + text + "}"
    entry = {"seq": 1, "actor": "system", "action": "contest.created", "subject": SLUG,
             "details": {"weight": 1.0, "public_weight": 0.5, "tiny": 1e-05}, "created_at": "2021-05-18T11:00:00+00:00"}
    by_hand = ('{"action":"contest.created","actor":"system","created_at":"2021-05-18T11:00:00+00:00",'
               '"details":{"public_weight":0.5,"tiny":1e-05,"weight":1.0},"seq":1,"subject":"example"}')
    genesis = audit.genesis(SLUG)
    assert audit.entry_hash(genesis, entry) == hashlib.sha256(f"{genesis}\n{by_hand}".encode()).hexdigest()
