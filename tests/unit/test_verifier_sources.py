"""tools/verify_ledger.py against dishonest sources: API pages that do not
join or disagree, an export whose files are not the manifest's, an audit log
that does not hold what the ledger names, receipt proofs and results that are
not this ledger's. Each must exit 1 and say what and where."""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ledgers as L
from voting.ledger.domain import encoding

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "verify_ledger.py"
BASE = "/api/v1/contests/example/ledger"
HOLE = "ab" * 32


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-I", str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                          timeout=120)


def refused(why: str, *args) -> str:
    result = run(*args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert why in result.stdout, result.stdout
    return result.stdout


def genuine() -> L.Ledger:
    return L.build([L.Ballot("c1", [1]), L.Ballot("c1", [2]), L.Ballot("c2", [4], "invalidated", rule="burst"),
                    L.Ballot("c1", [1]), L.Ballot("c2", [5]), L.Ballot("c1", [3]), L.Ballot("c1", [2])],
                   changes=[(0, "invalidated"), (2, "counted"), (4, "under_review")])


# -- pages ---------------------------------------------------------------------------------------------

def second_page(routes):
    return routes[f"{BASE}?after=2&limit=2"]


def skip_a_batch(routes):
    page = second_page(routes)
    page["batches"] = page["batches"][1:]


def repeat_a_batch(routes):
    second_page(routes)["batches"].insert(0, routes[BASE]["batches"][1])


def loop(routes):
    routes[BASE]["next"] = BASE


def lose_page(routes):
    del routes[f"{BASE}?after=2&limit=2"]


def empty_page_with_next(routes):
    page = second_page(routes)
    page["batches"], page["next"] = [], f"{BASE}?after=2&limit=2"


def skip_an_amendment(routes):
    routes[f"{BASE}/amendments?after=1&limit=1"]["amendments"] = routes[f"{BASE}/amendments?after=2&limit=1"][
        "amendments"]


def repeat_an_amendment(routes):
    routes[f"{BASE}/amendments?after=2&limit=1"]["amendments"] = routes[f"{BASE}/amendments"]["amendments"]


def amendments_of_another_page(routes):
    routes[f"{BASE}/amendments?after=2&limit=1"]["amendments_genesis"] = HOLE


@pytest.mark.parametrize("change, why", [
    (lambda r: second_page(r).update(contest="another"), "contest differ from the first page's"),
    (lambda r: second_page(r).update(genesis=HOLE), "genesis differ from the first page's"),
    (lambda r: second_page(r).update(leaves_published=False), "leaves_published differ from the first page's"),
    (skip_a_batch, "batch 4: batch 3 expected here"),
    (repeat_a_batch, "batch 2 again after batch 2: the pages overlap"),
    (loop, "batch 1 again after batch 2: the pages overlap"),
    (lose_page, "the server answers 404"),
    (empty_page_with_next, "names a next page"),
    (lambda r: second_page(r).update(rules={}), "batch 3's rules are not on its page"),
    (lambda r: second_page(r)["head"].update(batches=3), "head: batches is 3, but the ledger read gives 4"),
    (lambda r: second_page(r)["head"].update(amendments=4), "head: amendments is 4, but 3 were read"),
    (lambda r: second_page(r)["head"].update(amendment_hash=HOLE), "head: amendment_hash is not the hash of"),
    (skip_an_amendment, "amendment 3: amendment 2 expected here"),
    (repeat_an_amendment, "amendment 1 again after amendment 2: the pages overlap"),
    (amendments_of_another_page, "amendments_genesis differ from the first page's"),
    (lambda r: r[f"{BASE}/amendments"].update(amendments_revealed=False),
     "amendments_revealed differ from the first page's"),
    (lambda r: r[BASE].update(amendments_url=None), "amendments_url is not a link"),
], ids=["contest", "genesis", "leaves-published", "gap", "overlap", "loop", "missing-page", "empty-page", "rules",
        "head-batches", "head-amendments", "head-amendment-hash", "amendment-gap", "amendment-overlap",
        "amendments-genesis",
        "amendments-revealed", "no-amendments-url"])
def test_pages(change, why):
    ledger = L.build([L.Ballot("c1", [n % 3 + 1]) for n in range(8)], batch_size=2,
                     changes=[(0, "invalidated"), (1, "invalidated"), (0, "counted")])
    routes = L.pages(ledger, per_page=2, per_amendments_page=1)
    change(routes)
    with L.serve(routes) as base:
        refused(why, base + BASE)


def test_a_ledger_that_grows_while_it_is_read_passes():
    """A late review amends a ballot after the amendments were read and before the pages were: the
    pages' heads name one amendment more. It is read too, and the leaf it amends, which went by
    before anyone knew it was wanted, is read again from its batch; the recount has it."""
    ledger = genuine()
    routes = L.pages(ledger, per_page=2, per_amendments_page=10)
    routes[f"{BASE}/amendments"]["amendments"] = ledger.amendments[:2]  # when the amendments were read
    routes[f"{BASE}/amendments?after=2"] = {**routes[f"{BASE}/amendments"], "amendments": ledger.amendments[2:]}
    routes[f"{BASE}/batches/2"] = L.batch_page(ledger, 2)  # amendment 3 holds ballot 4, of batch 2
    with L.serve(routes) as base:
        result = run(base + BASE)
        assert result.returncode == 0, result.stdout
        assert "1 amendment(s) were made while the ledger was read; read too" in result.stdout
        assert "c2: 1 ballot(s); entry 4: 1, entry 5: 0" in result.stdout  # ballot 4 (entry 5) held
        routes[f"{BASE}/batches/2"] = L.batch_page(genuine(), 3)  # another batch's leaves
        out = refused("batch 2 read again: its leaves are not those of batch 2 as first read", base + BASE)
        del routes[f"{BASE}/batches/2"]
        refused(f"batch page {base}{BASE}/batches/2: the server answers 404", base + BASE)
    assert "no leaf holds receipt_hash" in out


def test_amendments_made_after_the_pages_were_read_are_left_for_the_next_run():
    ledger = genuine()
    routes = L.pages(ledger, per_page=2, per_amendments_page=10)
    for page in (routes[BASE], routes[f"{BASE}?after=2&limit=2"]):  # the head before amendment 3
        page["head"].update(amendments=2, amendment_hash=ledger.amendments[1]["hash"])
    with L.serve(routes) as base:
        result = run(base + BASE)
    assert result.returncode == 0, result.stdout
    assert "1 amendment(s) were made after the ledger's pages were read; left for the next run" in result.stdout
    assert "c2: 2 ballot(s); entry 4: 1, entry 5: 1" in result.stdout  # ballot 4 not held yet


def first_head(**fields):
    return lambda routes: routes[BASE]["head"].update(fields)


@pytest.mark.parametrize("change, why", [
    (first_head(ballots=999, chain=HOLE), "head: chain and ballots are not those of batch 3 as read"),
    (first_head(batches=99), "head: batches is 99, but the ledger read gives 3"),
    (first_head(batches=1, ballots=3), "head: chain and ballots are not those of batch 1 as read"),
    (first_head(amendments=7), "head: amendments is 7, but 3 were read"),
    (first_head(amendment_hash=HOLE), "head: amendment_hash is not the hash of amendment 3"),
    (first_head(amendments="3"), 'head: amendments is "3", but 3 were read'),
    (lambda r: r[BASE].update(head=None), "'s head is not an object of batches, ballots, chain"),
], ids=["chain", "batches-beyond", "batches-fewer", "amendments-beyond", "amendment-hash", "amendments-string",
        "no-head"])
def test_every_pages_head_is_checked(change, why):
    """Each page's head, not only the last: a state the ledger read went through."""
    ledger = genuine()
    routes = L.pages(ledger, per_page=2, per_amendments_page=10)
    change(routes)
    with L.serve(routes) as base:
        refused(why, base + BASE)


def test_a_pages_head_is_never_behind_the_page_before_nor_its_own_batches():
    ledger = genuine()
    routes = L.pages(ledger, per_page=2, per_amendments_page=10)
    early = {"batches": 2, "ballots": 6, "chain": ledger.batches[1]["chain"], "amendments": 3,
             "amendment_hash": ledger.amendments[2]["hash"]}
    routes[BASE]["head"] = dict(early)  # an honest first page, read before batch 3 was sealed
    with L.serve(routes) as base:
        assert run(base + BASE).returncode == 0
        routes[f"{BASE}?after=2&limit=2"]["head"] = {**early, "amendments": 2,
                                                      "amendment_hash": ledger.amendments[1]["hash"]}
        refused("fewer than the page before (2 and 3): a ledger only grows", base + BASE)
        routes[f"{BASE}?after=2&limit=2"]["head"] = L.head(ledger)
        routes[BASE]["head"] = {**early, "batches": 1, "ballots": 3, "chain": ledger.batches[0]["chain"]}
        refused("head: batches is 1, but its page holds batch 2", base + BASE)


# -- the export ----------------------------------------------------------------------------------------

def export(tmp_path, change) -> Path:
    files = L.export_files(genuine())
    manifest = json.loads(files["manifest.json"])
    change(files, manifest)
    files["manifest.json"] = json.dumps(manifest).encode()
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    return tmp_path


def described(files, manifest, name, data):
    """A dishonest export: the file replaced, and the manifest describing the new file."""
    files[name] = data
    entry = next(b for b in manifest["batches"] + [manifest["amendments"]] if b["file"] == name)
    entry.update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))


def stamped(data: bytes) -> bytes:
    """The same gzip file of the same size, but for its header's time stamp: other bytes."""
    return data[:4] + b"\x01" + data[5:]


def lines(files, name) -> list[str]:
    return gzip.decompress(files[name]).decode().splitlines()


@pytest.mark.parametrize("change, why", [
    (lambda f, m: f.update({"batch-000002.jsonl.gz": stamped(f["batch-000002.jsonl.gz"])}),
     "batch 2: the SHA-256 of file batch-000002.jsonl.gz is not the manifest's"),
    (lambda f, m: m["batches"][1].update(bytes=1), "batch 2: file batch-000002.jsonl.gz has"),
    (lambda f, m: f.pop("batch-000003.jsonl.gz"), "batch 3: file batch-000003.jsonl.gz is missing"),
    (lambda f, m: m["batches"][0].update(file="../manifest.json"), 'batch 1: "../manifest.json" is not a plain'),
    (lambda f, m: m["batches"][0].pop("sha256"), "batch 1: the manifest names no file, sha256 and bytes"),
    (lambda f, m: described(f, m, "batch-000002.jsonl.gz",
                            L.gz_lines(lines(f, "batch-000002.jsonl.gz")[:2])),
     "batch 2: 2 leaves for a size of 3"),
    (lambda f, m: described(f, m, "batch-000002.jsonl.gz", gzip.decompress(f["batch-000002.jsonl.gz"])),
     "batch 2: file batch-000002.jsonl.gz is not gzip"),
    (lambda f, m: described(f, m, "batch-000002.jsonl.gz",
                            gzip.compress(gzip.decompress(f["batch-000002.jsonl.gz"])[:-1])),
     "batch 2: the last line does not end with a newline"),
    (lambda f, m: described(f, m, "batch-000001.jsonl.gz", gzip.compress(b"\xff\n")),
     "batch 1: not UTF-8"),
    (lambda f, m: m["amendments"].update(count=2), "amendments: the file holds 3, the manifest's count is 2"),
    (lambda f, m: described(f, m, m["amendments"]["file"], L.gz_lines(
        json.dumps(json.loads(x)) for x in lines(f, m["amendments"]["file"]))),
     "amendments file line 1: not canonical JSON"),
    (lambda f, m: described(f, m, m["amendments"]["file"], L.gz_lines(lines(f, m["amendments"]["file"])[1:])),
     "amendment 2: amendment 1 expected here"),
    (lambda f, m: m["head"].update(amendments=2), "head: amendments is 2, but the ledger read gives 3"),
    (lambda f, m: m["batches"][1].update(sealed_at="2021-05-18T12:02:02+00:00"),
     "batch 2: chain is not SHA-256 of its header"),
    (lambda f, m: m["batches"][1].update(contest="another"), 'batch 2: contest is "another"'),
], ids=["sha256", "bytes", "missing", "path", "undescribed", "lines", "not-gzip", "no-last-newline", "not-utf8",
        "amendments-count", "amendments-not-canonical", "amendments-line-dropped", "head", "header", "contest"])
def test_export(tmp_path, change, why):
    refused(why, export(tmp_path, change))


# -- the audit log -----------------------------------------------------------------------------------

def audit_changed(change):
    def changed(ledger: L.Ledger) -> dict:
        log = copy.deepcopy(L.audit_log(ledger))
        change(log["entries"])
        return log
    return changed


def rewritten_history(ledger: L.Ledger) -> dict:
    """The log rewritten from entry 2 on, every hash made consistent again: the ledger's anchors show it."""
    other = copy.deepcopy(ledger)
    other.audit[1]["details"] = {"reason": "something else"}
    return L.audit_log(L.rechain(other))


@pytest.mark.parametrize("change, why", [
    (audit_changed(lambda e: e[1]["details"].update(reason="changed")),
     "audit entry 2: hash is not SHA-256 of prev_hash, a newline and its fields"),
    (audit_changed(lambda e: e.pop(1)), "audit entry 2: seq is 3"),
    (audit_changed(lambda e: e[2].update(prev_hash=HOLE)), "audit entry 3: prev_hash is not the hash of the entry"),
    (audit_changed(lambda e: e[0].pop("actor")), "audit entry 1: not an object of"),
    (audit_changed(lambda e: e.pop()), "amendment 3: audit_hash is no entry of the audit log"),
    (audit_changed(lambda e: e.__delitem__(slice(1, None))), "batch 1: its audit head is entry 2, but the audit log"),
    (rewritten_history, "batch 1: audit_head is not the hash of audit entry 2"),
    (lambda g: {**L.audit_log(g), "contest": "another"}, 'the audit log is of contest "another"'),
    (lambda g: {"contest": "example"}, "the audit log holds no list of entries"),
], ids=["entry-changed", "entry-dropped", "prev-hash", "malformed", "amendment-unknown", "log-shorter",
        "history-rewritten", "contest", "no-entries"])
def test_audit(tmp_path, change, why):
    ledger = genuine()
    path = tmp_path / "ledger.json"
    path.write_text(json.dumps(L.saved(ledger)))
    (tmp_path / "audit.json").write_text(json.dumps(change(ledger)))
    refused(why, path, "--audit", tmp_path / "audit.json")


def test_audit_hashes_the_ledger_names_but_the_log_lacks(tmp_path):
    ledger = genuine()
    texts = ledger.batches[0]["leaves"]
    fields = json.loads(texts[2])
    fields["audit_hash"] = HOLE  # the invalidation names an entry the log does not have
    texts[2] = encoding.canonical(fields).decode()
    ledger.amendments[0]["audit_hash"] = HOLE
    L.reseal(ledger)
    (tmp_path / "ledger.json").write_text(json.dumps(L.saved(ledger)))
    (tmp_path / "audit.json").write_text(json.dumps(L.audit_log(ledger)))
    out = refused("batch 1 leaf 2: audit_hash is no entry of the audit log", tmp_path / "ledger.json",
                  "--audit", tmp_path / "audit.json")
    assert "amendment 1: audit_hash is no entry of the audit log" in out
    # An invalidation recorded after the batch that holds it was sealed.
    ledger = genuine()
    later = ledger.audit[-1]["hash"]
    texts = ledger.batches[0]["leaves"]
    fields = json.loads(texts[2])
    fields["audit_hash"] = later
    texts[2] = encoding.canonical(fields).decode()
    (tmp_path / "ledger.json").write_text(json.dumps(L.saved(L.reseal(ledger))))
    (tmp_path / "audit.json").write_text(json.dumps(L.audit_log(ledger)))
    refused("batch 1 leaf 2: its decision, audit entry 5, comes after the batch's audit head 2",
            tmp_path / "ledger.json", "--audit", tmp_path / "audit.json")


# -- receipts and results ----------------------------------------------------------------------------

def test_a_tampered_or_foreign_proof(tmp_path):
    ledger = genuine()
    path = tmp_path / "ledger.json"
    path.write_text(json.dumps(L.saved(ledger)))

    def proof(change) -> Path:
        receipt = L.receipt(ledger, 1)
        change(receipt)
        (tmp_path / "proof.json").write_text(json.dumps(receipt))
        return tmp_path / "proof.json"

    refused("does not lead to the root", path, "--proof", proof(lambda r: r["ledger"]["proof"].__setitem__(0, HOLE)))
    refused("belongs to another receipt", path, "--proof", proof(lambda r: r.update(receipt=ledger.codes[0])))
    refused("with that root and size is not in the ledger", path, "--proof",
            proof(lambda r: r["ledger"].update(root=ledger.batches[1]["root"])))
    refused("the receipt says invalidated, the ledger counted", path, "--proof",
            proof(lambda r: r.update(status="invalidated")))
    refused("leaf_hash is not the hash of the leaf", path, "--proof",
            proof(lambda r: r["ledger"].update(leaf_hash=HOLE)))
    refused("no ledger proof", path, "--proof", proof(lambda r: r.update(ledger=None)))
    refused("not in the ledger", path, "--receipt", "NOT-A-REAL-CODE")


def test_results_of_another_ledger(tmp_path):
    ledger = genuine()
    path = tmp_path / "ledger.json"
    path.write_text(json.dumps(L.saved(ledger)))
    head = L.head(ledger)
    results = {"contest": "example", "method": "single", "ledger": {**head, "ballots": 6}, "categories": []}
    (tmp_path / "results.json").write_text(json.dumps(results))
    refused("the results were tallied from another ledger: ballots differ", path, "--results",
            tmp_path / "results.json")
    results["ledger"] = {**head, "seed": f"{HOLE}:{head['amendment_hash']}", "seed_source": "ledger at the tally"}
    (tmp_path / "results.json").write_text(json.dumps(results))
    refused("the results' seed (ledger at the tally) is not a chain value and an amendment hash of this ledger",
            path, "--results", tmp_path / "results.json")
    results["ledger"] = {**head, "seed": f"{ledger.batches[0]['chain']}:{ledger.amendments[0]['hash']}",
                         "seed_source": "ledger at the voting close"}
    results["contest"] = "another"
    (tmp_path / "results.json").write_text(json.dumps(results))
    refused('the results are of contest "another"', path, "--results", tmp_path / "results.json")
