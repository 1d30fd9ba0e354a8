"""tools/verify_ledger.py against dishonest ledgers: each test changes one
thing in a genuine ledger (tests/support/ledgers.py) and, where a server could,
rebuilds every root and chain around the change, so that only the change
itself is wrong. The verifier, run as outsiders run it, must exit 1 and say
what and where."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ledgers as L
from voting.ledger.domain import encoding, merkle

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "verify_ledger.py"
HOLE = "ab" * 32  # a well-formed hash that nothing has


def genuine() -> L.Ledger:
    """Three batches of three, three and two ballots; one sealed invalidated; then three decisions."""
    return L.build([L.Ballot("c1", [1]), L.Ballot("c1", [2]), L.Ballot("c2", [4], "invalidated", rule="burst"),
                    L.Ballot("c1", [1]), L.Ballot("c2", [5]), L.Ballot("c1", [3]),
                    L.Ballot("c1", [2]), L.Ballot("c2", [4])],
                   changes=[(0, "invalidated"), (2, "counted"), (4, "under_review")])


def verify(tmp_path, body, *args) -> subprocess.CompletedProcess:
    path = tmp_path / "ledger.json"
    path.write_text(json.dumps(body if isinstance(body, dict) else L.saved(body)))
    return subprocess.run([sys.executable, "-I", str(SCRIPT), str(path), *map(str, args)], capture_output=True,
                          text=True, timeout=60)


def refused(tmp_path, body, why: str, *args) -> str:
    result = verify(tmp_path, body, *args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert why in result.stdout, result.stdout
    assert result.stdout.strip().endswith("problem(s)") and "FAILED" in result.stdout
    return result.stdout


def test_the_genuine_ledger_passes(tmp_path):
    result = verify(tmp_path, genuine())
    assert result.returncode == 0, result.stdout
    assert "3 batch(es) chained, 8 ballot(s)" in result.stdout and "3 amendment(s) chained" in result.stdout
    # c1: 1 (ballot 0, invalidated later), 2, 1, 3, 2; c2: 4 (counted back), 5 (held), 4.
    assert "c1: 4 ballot(s); entry 2: 2, entry 1: 1, entry 3: 1" in result.stdout
    assert "c2: 2 ballot(s); entry 4: 2, entry 5: 0" in result.stdout


def leaf(ledger: L.Ledger, batch: int, index: int, change=None, text: str | None = None) -> L.Ledger:
    """Leaf `index` of batch `batch` changed (its fields by `change`, or its text), every root and chain rebuilt."""
    texts = ledger.batches[batch - 1]["leaves"]
    if text is None:
        fields = json.loads(texts[index])
        change(fields)
        text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)  # floats too
    texts[index] = text
    return L.reseal(ledger)


# -- the ledger as a whole ----------------------------------------------------------------------------

@pytest.mark.parametrize("change, why", [
    (lambda b: b.update(format=1), "format is 1, not 2"),
    (lambda b: b.pop("format"), "format is null, not 2"),
    (lambda b: b.update(genesis=HOLE), "genesis is not SHA-256('voting-ledger:example')"),
    (lambda b: b.update(amendments_genesis=HOLE), "amendments_genesis is not SHA-256('voting-amendments:example')"),
    (lambda b: b.update(audit_genesis=HOLE), "audit_genesis is not SHA-256('voting-audit:example')"),
    (lambda b: b.update(contest="another"), "genesis is not SHA-256('voting-ledger:another')"),
    (lambda b: b.update(method="approval"), 'the ledger says method "approval"'),
    (lambda b: b.update(leaves_published="yes"), 'leaves_published is "yes", not true or false'),
    (lambda b: b["head"].update(chain=HOLE), "head: chain is"),
    (lambda b: b["head"].update(ballots=7), "head: ballots is 7, but the ledger read gives 8"),
    (lambda b: b["head"].update(amendments=2), "head: amendments is 2, but the ledger read gives 3"),
    (lambda b: b.pop("head"), "the ledger's head is not an object"),
    (lambda b: b.update(next="/api/v1/contests/example/ledger?after=3"), "one page of the ledger, not all of it"),
    (lambda b: b.pop("amendments"), "the amendments are not a list"),
], ids=["format", "no-format", "genesis", "amendments-genesis", "audit-genesis", "contest", "method",
        "leaves-published", "head-chain", "head-ballots", "head-amendments", "no-head", "a-page", "no-amendments"])
def test_the_ledger_as_a_whole(tmp_path, change, why):
    body = L.saved(genuine())
    change(body)
    refused(tmp_path, body, why)


def test_leaves_withheld_while_published(tmp_path):
    body = L.saved(genuine())
    del body["batches"][1]["leaves"]
    refused(tmp_path, body, "batch 2: leaves withheld although leaves_published is true")


def test_leaves_withheld_while_the_results_are_published(tmp_path):
    ledger = genuine()
    ledger.leaves_published = False
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"contest": "example", "method": "single", "ledger": L.head(ledger),
                                   "categories": []}))
    out = refused(tmp_path, ledger, "batch 1: leaves withheld although the results are published",
                  "--results", results)
    assert "batch 3: leaves withheld" in out


def test_leaves_given_for_some_batches_only(tmp_path):
    ledger = genuine()
    ledger.leaves_published = False
    body = L.saved(ledger)
    body["batches"][0]["leaves"] = ledger.batches[0]["leaves"]
    refused(tmp_path, body, "leaves are given for 1 batch(es) and withheld for 2")


# -- batches ----------------------------------------------------------------------------------------------

def drop_batch(ledger: L.Ledger) -> L.Ledger:
    del ledger.batches[1]
    return L.rechain(ledger)


def repeat_batch(ledger: L.Ledger) -> L.Ledger:
    ledger.batches.insert(1, json.loads(json.dumps(ledger.batches[0])))
    return L.rechain(ledger)


def swap_batches(ledger: L.Ledger) -> L.Ledger:
    ledger.batches[0], ledger.batches[1] = ledger.batches[1], ledger.batches[0]
    return L.rechain(ledger)


def other_prev_chain(ledger: L.Ledger) -> L.Ledger:
    batch = ledger.batches[1]
    batch["prev_chain"] = HOLE
    batch["chain"] = encoding.chain({**batch, "contest": "example"})
    return ledger


def rechained(**fields):
    def change(ledger: L.Ledger) -> L.Ledger:
        ledger.batches[1].update(fields)
        return L.rechain(ledger)
    return change


def field(name, value):
    def change(ledger: L.Ledger) -> L.Ledger:
        ledger.batches[1][name] = value
        return ledger
    return change


@pytest.mark.parametrize("change, why", [
    (drop_batch, "batch 3: batch 2 expected here (a batch missing, repeated or out of order)"),
    (repeat_batch, "batch 1: batch 2 expected here"),
    (swap_batches, "batch 2: batch 1 expected here"),
    (other_prev_chain, "batch 2: prev_chain is not the chain of batch 1"),
    (field("sealed_at", "2021-05-18T12:02:30+00:00"), "batch 2: chain is not SHA-256 of its header"),
    (field("rules_hash", HOLE), "batch 2: chain is not SHA-256 of its header"),
    (field("audit_seq", 1), "batch 2: chain is not SHA-256 of its header"),
    (field("audit_head", HOLE), "batch 2: chain is not SHA-256 of its header"),
    (field("size", 2), "batch 2: chain is not SHA-256 of its header"),
    (field("root", HOLE), "batch 2: chain is not SHA-256 of its header"),
    (rechained(sealed_at="2021-05-18T11:00:00+00:00"), "batch 2: sealed_at 2021-05-18T11:00:00+00:00 is earlier"),
    (rechained(sealed_at="2021-05-18 12:03:00"), 'batch 2: sealed_at "2021-05-18 12:03:00" is not a UTC time'),
    (rechained(audit_seq=0), "batch 2: audit_seq goes back from 2 to 0"),
    (rechained(audit_seq=2, audit_head=HOLE), "batch 2: audit_seq 2 again, with another audit_head"),
    (rechained(size=10_001), "batch 2: size 10001 is not a whole number from 1 to 10000"),
    (rechained(seq="2"), 'batch "2": seq is not a whole number'),
    (rechained(root="AB" * 32), "batch 2: root"),
], ids=["gap", "repeated", "reordered", "prev-chain", "sealed-at", "rules-hash", "audit-seq", "audit-head", "size",
        "root", "sealed-earlier", "sealed-not-utc", "audit-back", "audit-same-seq", "size-range", "seq-string",
        "root-upper"])
def test_batches(tmp_path, change, why):
    refused(tmp_path, change(genuine()), why)


def test_the_first_batch_starts_at_the_genesis(tmp_path):
    ledger = genuine()
    ledger.batches[0]["prev_chain"] = HOLE
    ledger.batches[0]["chain"] = encoding.chain({**ledger.batches[0], "contest": "example"})
    refused(tmp_path, ledger, "batch 1: prev_chain is not the genesis")


def test_rules_missing_changed_or_of_another_contest(tmp_path):
    body = L.saved(genuine())
    body["rules"] = {}
    refused(tmp_path, body, "batch 1: its rules")
    ledger = genuine()
    next(iter(ledger.rules.values()))["categories"][0]["entries"].append({"id": 9, "title": "Added later"})
    refused(tmp_path, ledger, "the object does not hash to its key")
    ledger = genuine()
    next(iter(ledger.rules.values()))["contest"] = "another"
    refused(tmp_path, L.rechain(ledger), 'names contest "another"')
    for change, why in [(lambda r: r.update(method="plurality"), 'unknown method "plurality"'),
                        (lambda r: r.update(max_choices=3), "max_choices is 3, not null"),
                        (lambda r: r["categories"][0]["entries"].reverse(), "not in ascending order of distinct ids"),
                        (lambda r: r["categories"][1].update(slug="c1"), "repeated")]:
        ledger = genuine()
        change(next(iter(ledger.rules.values())))
        refused(tmp_path, L.rechain(ledger), why)


# -- leaves -------------------------------------------------------------------------------------------

def fewer_leaves(ledger):
    ledger.batches[1]["leaves"].pop()
    ledger.batches[1]["root"] = merkle.root([t.encode() for t in ledger.batches[1]["leaves"]]).hex()
    return L.rechain(ledger)


def more_leaves(ledger):
    ledger.batches[1]["leaves"].append(encoding.leaf("example", "c1", "cd" * 32, [1], "counted"))
    ledger.batches[1]["root"] = merkle.root([t.encode() for t in ledger.batches[1]["leaves"]]).hex()
    return L.rechain(ledger)


def unsealed_change(ledger):
    texts = ledger.batches[0]["leaves"]
    texts[1] = texts[1].replace('"selection":[2]', '"selection":[3]')
    return ledger


def twice(ledger):
    return leaf(ledger, 3, 0, text=ledger.batches[0]["leaves"][1])


@pytest.mark.parametrize("change, why", [
    (fewer_leaves, "batch 2: 2 leaves for a size of 3"),
    (more_leaves, "batch 2: 4 leaves for a size of 3"),
    (unsealed_change, "batch 1: root is not the Merkle tree hash of its leaves"),
    (lambda g: leaf(g, 2, 1, text=json.dumps(json.loads(g.batches[1]["leaves"][1]))),
     "batch 2 leaf 1: not canonical JSON"),
    (lambda g: leaf(g, 2, 1, text=g.batches[1]["leaves"][1][:-1]), "batch 2 leaf 1: not JSON"),
    (lambda g: leaf(g, 2, 1, text="[1]"), "batch 2 leaf 1: not a JSON object"),
    (lambda g: leaf(g, 2, 1, lambda f: f.pop("category")), "batch 2 leaf 1: missing category for a counted leaf"),
    (lambda g: leaf(g, 2, 1, lambda f: f.update(note="x")), "batch 2 leaf 1: extra note for a counted leaf"),
    (lambda g: leaf(g, 2, 1, lambda f: f.update(rule="", reason="", audit_hash=HOLE)),
     "batch 2 leaf 1: extra audit_hash, reason, rule for a counted leaf"),
    (lambda g: leaf(g, 1, 2, lambda f: f.pop("audit_hash")),
     "batch 1 leaf 2: missing audit_hash for an invalidated leaf"),
    (lambda g: leaf(g, 2, 1, lambda f: f.update(contest="another")), 'batch 2 leaf 1: contest is "another"'),
    (lambda g: leaf(g, 2, 1, lambda f: f.update(category="c9")), 'category "c9" is not in the batch\'s rules'),
    (lambda g: leaf(g, 2, 1, lambda f: f.update(receipt_hash=f["receipt_hash"].upper())),
     "batch 2 leaf 1: receipt_hash"),
    (lambda g: leaf(g, 2, 1, lambda f: f.update(receipt_hash=f["receipt_hash"][:63])),
     "batch 2 leaf 1: receipt_hash"),
    (lambda g: leaf(g, 2, 1, lambda f: f.update(receipt_hash=7)), "batch 2 leaf 1: receipt_hash 7 is not 64"),
    (lambda g: leaf(g, 2, 1, lambda f: f.update(status="under_review")),
     'batch 2 leaf 1: status "under_review" is not counted or invalidated'),
    (twice, "batch 3 leaf 0: receipt_hash"),
    (lambda g: leaf(g, 1, 2, lambda f: f.update(audit_hash="")), 'batch 1 leaf 2: audit_hash "" is not 64'),
    (lambda g: leaf(g, 1, 2, lambda f: f.update(rule=5)), "batch 1 leaf 2: rule 5 is not a string"),
    (lambda g: leaf(g, 1, 2, lambda f: f.update(reason=None)), "batch 1 leaf 2: reason null is not a string"),
    (lambda g: leaf(g, 1, 2, lambda f: f.update(reason="x" * 501)), "batch 1 leaf 2: reason"),
], ids=["fewer", "more", "root", "not-canonical", "not-json", "not-object", "missing-key", "extra-key",
        "counted-with-invalidation", "invalidated-without-audit", "contest", "category", "hash-upper", "hash-short",
        "hash-number", "status", "twice", "audit-hash-empty", "rule", "reason", "reason-long"])
def test_leaves(tmp_path, change, why):
    refused(tmp_path, change(genuine()), why)


def test_a_split_leaf_is_not_two(tmp_path):
    """Two leaf texts that are halves of one object, and one text that holds two leaves, parse into
    as many objects as there are texts: the verifier still tells that the texts are not leaves."""
    ledger = genuine()
    texts = ledger.batches[1]["leaves"]
    cut = texts[0].index(',"receipt_hash"')
    texts[:] = [texts[0][:cut], texts[0][cut + 1:] + "," + texts[1][:-1] + "}", texts[2]]
    out = refused(tmp_path, L.reseal(ledger), "batch 2 leaf 0")
    assert "not JSON" in out


# The selection rules, per method: (method, options, selection, why).
IMPOSSIBLE = [
    ("single", {}, [1, 2], "names 2 entries; the single method takes 1 to 1"),
    ("single", {}, [], "names 0 entries"),
    ("single", {}, ["1"], '"1" is not an integer entry id'),
    ("single", {}, [True], "true is not an integer entry id"),
    ("single", {}, [1.0], "1.0 is not an integer entry id"),
    ("single", {}, [4], "entry 4 is not an entry of this category"),
    ("single", {}, [99], "entry 99 is not an entry of this category"),
    ("single", {}, 1, "not a list of entry ids"),
    ("single", {}, {"1": 1}, "not a list of entry ids"),
    ("approval", {"max_choices": 2}, [1, 2, 3], "names 3 entries; the approval method takes 1 to 2"),
    ("approval", {"max_choices": 2}, [1, 1], "names an entry more than once"),
    ("approval", {"max_choices": 2}, [], "names 0 entries"),
    ("ranked", {}, [1, 2, 1], "names an entry more than once"),
    ("ranked", {}, [], "names 0 entries"),
    ("ranked", {}, [3, 2, 1, 4], "names 4 entries; the ranked method takes 1 to 3"),
    ("score", {}, {}, "not a non-empty object"),
    ("score", {}, [1], "not a non-empty object"),
    ("score", {}, {"01": 3}, 'key "01" is not an entry id in canonical decimal'),
    ("score", {}, {"+1": 3}, 'key "+1" is not an entry id'),
    ("score", {}, {"-1": 3}, 'key "-1" is not an entry id'),
    ("score", {}, {" 1": 3}, 'key " 1" is not an entry id'),
    ("score", {}, {"4": 3}, "entry 4 is not an entry of this category"),
    ("score", {}, {"1": 6}, "stars 6 for entry 1 are not a whole number from 0 to 5"),
    ("score", {}, {"1": -1}, "stars -1 for entry 1"),
    ("score", {}, {"1": 2.5}, "stars 2.5 for entry 1"),
    ("score", {}, {"1": True}, "stars true for entry 1"),
    ("score", {}, {"1": "3"}, 'stars "3" for entry 1'),
    ("none", {}, [1], "the contest has no public vote"),
]


@pytest.mark.parametrize("method, options, selection, why", IMPOSSIBLE,
                         ids=[f"{m}-{json.dumps(s)}" for m, _, s, _ in IMPOSSIBLE])
def test_impossible_selections(tmp_path, method, options, selection, why):
    good = {"single": [1], "approval": [1, 2], "ranked": [2, 1], "score": {"1": 5, "2": 0}, "none": [1]}[method]
    ballots = [L.Ballot("c1", good), L.Ballot("c1", good), L.Ballot("c2", {"4": 1} if method == "score" else [4])]
    ledger = L.build(ballots, method=method, **options)
    if method != "none":
        assert verify(tmp_path, ledger).returncode == 0
    refused(tmp_path, leaf(ledger, 1, 1, lambda f: f.update(selection=selection)),
            f"batch 1 leaf 1: selection {json.dumps(selection)} in c1: {why}")


# -- amendments ----------------------------------------------------------------------------------------

def amended(n: int, **fields):
    def change(ledger: L.Ledger) -> L.Ledger:
        ledger.amendments[n - 1].update(fields)
        return L.rechain(ledger)
    return change


def drop_amendment(ledger):
    del ledger.amendments[0]
    for item in ledger.amendments:
        item["seq"] -= 1
    ledger.amendments[0]["seq"] = 2  # renumbered but for the first, which says it is the second
    return L.rechain(ledger)


def other_prev_hash(ledger):
    item = ledger.amendments[1]
    item["prev_hash"] = HOLE
    item["hash"] = encoding.amendment_hash(HOLE, item)
    for before, after in zip(ledger.amendments[1:], ledger.amendments[2:]):
        after["prev_hash"] = before["hash"]
        after["hash"] = encoding.amendment_hash(before["hash"], after)
    return ledger


def unhashed(ledger):
    ledger.amendments[1]["reason"] = "nothing to see"
    return ledger


@pytest.mark.parametrize("change, why", [
    (drop_amendment, "amendment 2: amendment 1 expected here (an amendment missing, repeated or out of order)"),
    (other_prev_hash, "amendment 2: prev_hash is not the hash of amendment 1"),
    (unhashed, "amendment 2: hash is not SHA-256 of prev_hash and its fields"),
    (amended(2, reason=""), 'amendment 2: reason "" is blank'),
    (amended(2, reason="   "), 'amendment 2: reason "   " is blank'),
    (amended(2, signed_off_by=""), 'amendment 2: signed_off_by "" is blank'),
    (amended(2, audit_hash=""), 'amendment 2: audit_hash "" is not 64'),
    (amended(2, receipt_hash=""), 'amendment 2: receipt_hash "" is not 64'),
    (amended(2, receipt_hash=HOLE), f"amendment 2: no leaf holds receipt_hash {HOLE}"),
    (amended(2, to="invalidated"), 'amendment 2: from and to are both "invalidated"'),
    (amended(2, to="deleted"), 'amendment 2: to "deleted" is not one of counted, under_review, invalidated'),
    (amended(1, **{"from": "invalidated", "to": "counted"}), "amendment 1: changes receipt"),
    (amended(1, created_at="2021-05-18T12:00:30+00:00"), "amendment 1: made at 2021-05-18T12:00:30+00:00, before "
     "batch 1 holding its leaf was sealed at 2021-05-18T12:01:01+00:00"),
    (amended(2, created_at="2021-05-18T12:03:20+00:00"), "amendment 2: created_at 2021-05-18T12:03:20+00:00 is "
     "earlier than amendment 1's 2021-05-18T12:03:31+00:00"),
    (amended(2, created_at="2021-05-18T12:04:00"), 'amendment 2: created_at "2021-05-18T12:04:00" is not a UTC'),
    (amended(2, seq="2"), "amendment 2: amendment 2 expected here"),
], ids=["gap", "prev-hash", "hash", "reason-blank", "reason-spaces", "signer-blank", "audit-blank", "receipt-blank",
        "unknown-receipt", "from-is-to", "unknown-status", "wrong-from", "before-its-batch", "backwards",
        "not-utc", "seq-string"])
def test_amendments(tmp_path, change, why):
    refused(tmp_path, change(genuine()), why)


def test_amendment_fields_withheld_after_the_close(tmp_path):
    ledger = genuine()
    ledger.leaves_published = False
    body = L.saved(ledger)
    for item in body["amendments"]:
        for name in encoding.AMENDMENT_FIELDS[1:-1]:
            item.pop(name)
    refused(tmp_path, body, "amendment 1: its fields are withheld although amendments_revealed is true")
    body["amendments_revealed"] = False  # a server that says so, yet publishes the leaves
    body["batches"] = L.saved(genuine())["batches"]
    body["leaves_published"] = True
    refused(tmp_path, body, "amendment 3: its fields are withheld although leaves_published is true")
    body["amendments"][0]["reason"] = "only some"
    refused(tmp_path, body, "amendment 1: missing audit_hash, from, receipt_hash, signed_off_by, to")


def test_without_the_leaves_the_changes_of_one_ballot_still_follow_each_other(tmp_path):
    ledger = L.build([L.Ballot("c1", [1]), L.Ballot("c1", [2])], changes=[(0, "under_review"), (0, "counted")])
    ledger.leaves_published = False
    assert verify(tmp_path, ledger).returncode == 0
    ledger.amendments[1]["from"] = "invalidated"
    ledger.amendments[1]["to"] = "counted"
    refused(tmp_path, L.rechain(ledger), "amendment 2: changes receipt")
    ledger = L.build([L.Ballot("c1", [1])], changes=[(0, "under_review")])
    ledger.leaves_published = False
    ledger.amendments[0]["from"] = "under_review"
    ledger.amendments[0]["to"] = "counted"
    refused(tmp_path, L.rechain(ledger), "amendment 1: the first change of receipt")
