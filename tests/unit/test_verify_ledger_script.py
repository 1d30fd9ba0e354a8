"""tools/verify_ledger.py, the standalone verifier, run as outsiders run it
(a subprocess) on ledgers and receipts that the project's own code produced,
and on tampered copies of them, which it must refuse."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from voting.ballots import receipt_lookup
from voting.contests.services import get_contest
from voting.extensions import db
from voting.ledger import publish, sealing

from tests.integration.test_ledger import add_ballots, ballot_of, decide
from tests.support.voting import open_contest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "verify_ledger.py"
COUNTING = ROOT / "voting" / "results" / "domain" / "counting.py"


def run(*args, script: Path = SCRIPT, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-I", str(script), *map(str, args)], capture_output=True, text=True,
                          timeout=60, cwd=cwd)


@pytest.fixture
def produced(app, make, tmp_path):
    """A sealed ledger of two batches with amendments, as published during and
    after voting, and two receipts with their proofs."""
    slug, ids = open_contest(app, pow_bits=0)
    a, b, c = ids["c1"]
    codes = add_ballots(app, slug, [a, a, b], 3)
    codes += add_ballots(app, slug, [ids["c2"][0]], 1, status="invalidated", category="c2")
    with app.app_context():
        sealing.seal(get_contest(slug).id, datetime.now(timezone.utc))
    codes += add_ballots(app, slug, [c], 2, first=3)
    with app.app_context():
        sealing.seal(get_contest(slug).id, datetime.now(timezone.utc))
    decide(app, codes[0], "invalidated", "burst")   # a: 2 -> 1
    decide(app, codes[3], "counted", "appeal")      # the c2 ballot now counts
    with app.app_context():
        contest = get_contest(slug)
        during = publish.ledger_json(contest, datetime.now(timezone.utc))
        later = contest.voting_closes_at + timedelta(minutes=1)
        contest.published_at = later  # as if the results were announced then: the leaves come out with them
        after = publish.ledger_json(contest, later)
        receipts = [{**receipt_lookup.lookup(code, later),
                     "ledger": publish.receipt_ledger(ballot_of(code), contest, later)} for code in codes[1:3]]
        db.session.remove()
    files = {"during": during, "after": after, "receipt1": receipts[0], "receipt2": receipts[1]}
    for name, body in files.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(body))
    return {"dir": tmp_path, "codes": codes, "ids": ids, **files}


def write(tmp_path, name, body) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(body))
    return path


def test_a_genuine_ledger_verifies_with_its_recount(produced):
    d, ids = produced["dir"], produced["ids"]
    a, b, c = ids["c1"]
    result = run(d / "after.json", "--proof", d / "receipt1.json", "--proof", d / "receipt2.json",
                 "--receipt", produced["codes"][0].lower(), "--receipt", produced["codes"][4])
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "2 batch(es) chained" in out and "2 amendment(s) chained" in out
    assert out.count("included in batch") == 2
    looked_up = next(line for line in out.splitlines() if line.startswith(produced["codes"][0].lower()))
    assert looked_up.endswith(", invalidated")  # sealed counted, then amended
    # c1: a twice (one invalidated), b once, c twice; c2: the reinstated ballot.
    assert f"c1: 4 ballot(s); entry {c}: 2, entry {a}: 1, entry {b}: 1" in out
    assert f"c2: 1 ballot(s); entry {ids['c2'][0]}: 1" in out
    assert out.strip().endswith("OK")


def test_while_voting_is_open_the_roots_and_chains_verify(produced):
    result = run(produced["dir"] / "during.json")
    assert result.returncode == 0, result.stdout
    assert "2 shown without their fields" in result.stdout
    assert "roots and chain checked only" in result.stdout
    # A receipt cannot be looked up before the leaves are out.
    assert run(produced["dir"] / "during.json", "--receipt", produced["codes"][1]).returncode == 1


def tampered(produced, change) -> Path:
    body = copy.deepcopy(produced["after"])
    change(body)
    return write(produced["dir"], "tampered.json", body)


def swap_selection(body):
    leaf = json.loads(body["batches"][0]["leaves"][1])
    leaf["selection"] = [leaf["selection"][0] + 1]
    body["batches"][0]["leaves"][1] = json.dumps(leaf, sort_keys=True, separators=(",", ":"))


def set_root(body):
    body["batches"][1]["root"] = "00" * 32


@pytest.mark.parametrize("change, why", [
    (swap_selection, "root does not match its leaves"),
    (lambda body: body["batches"][0]["leaves"].pop(), "leaves for a size"),
    (set_root, "chain does not match"),
    (lambda body: body["batches"].pop(0), "prev_chain is not the chain"),
    (lambda body: body["amendments"].pop(0), "prev_hash is not the hash"),
    (lambda body: body["amendments"][1].update(reason="nothing to see"), "hash does not match its fields"),
    (lambda body: body["amendments"][0].update(**{"from": "invalidated"}), "hash does not match"),
    (lambda body: body.update(contest="another-contest"), "genesis"),
])
def test_a_tampered_ledger_fails(produced, change, why):
    result = run(tampered(produced, change))
    assert result.returncode == 1, result.stdout
    assert why in result.stdout
    assert "FAILED" in result.stdout


def test_a_tampered_or_foreign_proof_fails(produced):
    d = produced["dir"]
    receipt = copy.deepcopy(produced["receipt1"])
    receipt["ledger"]["proof"][0] = "11" * 32
    assert "does not lead to the root" in run(d / "after.json", "--proof", write(d, "p.json", receipt)).stdout
    receipt = copy.deepcopy(produced["receipt1"])
    receipt["receipt"] = produced["receipt2"]["receipt"]
    result = run(d / "after.json", "--proof", write(d, "p.json", receipt))
    assert result.returncode == 1 and "belongs to another receipt" in result.stdout
    receipt = copy.deepcopy(produced["receipt1"])
    receipt["ledger"]["root"] = produced["after"]["batches"][1]["root"]
    assert run(d / "after.json", "--proof", write(d, "p.json", receipt)).returncode == 1
    assert run(d / "after.json", "--receipt", "NOT-A-REAL-CODE").returncode == 1


def test_reads_urls_and_reports_unreadable_input(produced):
    handler = partial(SimpleHTTPRequestHandler, directory=str(produced["dir"]))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        result = run(f"{base}/after.json", "--proof", f"{base}/receipt2.json")
        assert result.returncode == 0, result.stdout + result.stderr
        assert run(f"{base}/missing.json").returncode == 2
    finally:
        server.shutdown()
        server.server_close()
    assert run(produced["dir"] / "nope.json").returncode == 2


def test_a_stranger_with_the_two_files_alone(produced, tmp_path_factory):
    """Downloaded into an empty directory, away from the project: the script finds counting.py beside it."""
    d, ids = produced["dir"], produced["ids"]
    a, b, c = ids["c1"]
    alone = tmp_path_factory.mktemp("stranger")
    shutil.copy(SCRIPT, alone / "verify_ledger.py")
    result = run(d / "after.json", script=alone / "verify_ledger.py", cwd=alone)
    assert result.returncode == 2
    assert str(alone / "counting.py") in result.stderr and "voting/results/domain/counting.py" in result.stderr
    assert run(d / "during.json", script=alone / "verify_ledger.py", cwd=alone).returncode == 0  # no recount needed
    shutil.copy(COUNTING, alone / "counting.py")
    result = run(d / "after.json", script=alone / "verify_ledger.py", cwd=alone)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"c1: 4 ballot(s); entry {c}: 2, entry {a}: 1, entry {b}: 1" in result.stdout
    assert sorted(p.name for p in alone.iterdir() if p.name != "__pycache__") == ["counting.py", "verify_ledger.py"]


def test_the_script_and_counting_import_only_the_standard_library():
    import ast

    for path in (SCRIPT, COUNTING):  # counting.py too: the script loads it by path, beside it or in the tree
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for alias in node.names}
        names |= {node.module.split(".")[0] if node.level == 0 else "." for node in ast.walk(tree)
                  if isinstance(node, ast.ImportFrom)}
        assert names <= set(sys.stdlib_module_names) | {"__future__"}, (path, names - set(sys.stdlib_module_names))
