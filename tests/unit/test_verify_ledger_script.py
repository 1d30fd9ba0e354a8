"""tools/verify_ledger.py, the standalone verifier, run as outsiders run it
(a subprocess, isolated from the project's packages) on genuine format-2
ledgers (tests/support/ledgers.py) read in each of its three shapes: the API's
pages through a local HTTP server, a saved file, and the static export; with
its options; and on input it cannot read. Tampered ledgers:
test_verifier_tampering.py and test_verifier_sources.py."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ledgers as L
from voting.results.domain import counting

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "verify_ledger.py"
COMPANIONS = [ROOT / "tools" / f"{name}.py" for name in ("ledger_checks", "ledger_sources", "ledger_chains")]
COUNTING = ROOT / "voting" / "results" / "domain" / "counting.py"


def run(*args, script: Path = SCRIPT, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-I", str(script), *map(str, args)], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


def passes(*args, **kw) -> str:
    result = run(*args, **kw)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("OK")
    return result.stdout


def write(path: Path, body) -> Path:
    path.write_text(json.dumps(body))
    return path


def genuine(**kw) -> L.Ledger:
    """Seven ballots in three batches, one sealed invalidated, then three decisions."""
    return L.build([L.Ballot("c1", [1]), L.Ballot("c1", [2]), L.Ballot("c2", [4], "invalidated", rule="burst"),
                    L.Ballot("c1", [1]), L.Ballot("c2", [5]), L.Ballot("c1", [3]), L.Ballot("c1", [2])],
                   changes=[(0, "invalidated"), (2, "counted"), (4, "under_review")], **kw)


COUNTED = "c1: 4 ballot(s); entry 2: 2, entry 1: 1, entry 3: 1"  # ballot 0 invalidated; c2: 4 counted back, 5 held


def test_the_api_pages_followed_through_a_local_server(tmp_path):
    ledger = genuine()
    routes = L.pages(ledger, per_page=2, per_amendments_page=1)
    assert len(routes) == 2 + 3  # two pages of batches, three of amendments
    with L.serve(routes) as base:
        out = passes(f"{base}/api/v1/contests/example/ledger", "--save", tmp_path / "saved.json")
    assert "3 batch(es) chained, 7 ballot(s)" in out and "3 amendment(s) chained" in out
    assert COUNTED in out and "c2: 1 ballot(s); entry 4: 1, entry 5: 0" in out
    assert "over the entries the rules name" in out
    # --save wrote the ledger read as one object in the page's shape, which reads back the same.
    saved = json.loads((tmp_path / "saved.json").read_text())
    assert saved["next"] is None and saved["head"] == L.head(ledger)
    assert saved["batches"] == L.saved(ledger)["batches"] and saved["amendments"] == ledger.amendments
    assert saved["rules"] == ledger.rules
    assert passes(tmp_path / "saved.json").split("recount")[1] == out.split("recount")[1]


def test_a_saved_file(tmp_path):
    out = passes(write(tmp_path / "ledger.json", L.saved(genuine())))
    assert COUNTED in out


def test_the_export_as_a_directory_a_manifest_file_and_a_url(tmp_path):
    ledger = genuine()
    manifest = L.export(ledger, tmp_path / "export")
    assert COUNTED in passes(tmp_path / "export")
    assert COUNTED in passes(manifest, "--save", tmp_path / "saved.json")
    assert passes(tmp_path / "saved.json")
    base = "/api/v1/contests/example/ledger/export"
    files = L.export_files(ledger)
    routes = {base: files.pop("manifest.json"), **{f"{base}/{name}": data for name, data in files.items()}}
    with L.serve(routes) as server:
        assert COUNTED in passes(server + base)


def test_while_the_leaves_are_embargoed_every_chain_is_still_checked(tmp_path):
    ledger = genuine()
    ledger.leaves_published = False
    with L.serve(L.pages(ledger)) as base:
        out = passes(f"{base}/api/v1/contests/example/ledger")
    assert "the leaves are not published yet" in out and "no recount" in out
    ledger.amendments_revealed = False  # and while voting is open, the amendments' fields too
    out = passes(write(tmp_path / "during.json", L.saved(ledger)))
    assert "3 amendment(s) chained (3 shown without their fields until voting closes)" in out
    # A receipt cannot be looked up before the leaves are out.
    result = run(tmp_path / "during.json", "--receipt", ledger.codes[1])
    assert result.returncode == 1 and "the leaves are not published yet" in result.stdout


def test_receipts_proofs_and_the_audit_log(tmp_path):
    ledger = genuine()
    path = write(tmp_path / "ledger.json", L.saved(ledger))
    proof = write(tmp_path / "proof.json", L.receipt(ledger, 0))
    audit = write(tmp_path / "audit.json", L.audit_log(ledger))
    out = passes(path, "--proof", proof, "--receipt", ledger.codes[0].lower(), "--receipt", ledger.codes[6],
                 "--audit", audit)
    assert "included in batch 1 at index 0" in out
    assert f"{ledger.codes[0].lower()}: batch 1 index 0, category c1, selection [1], invalidated" in out
    assert f"{ledger.codes[6]}: batch 3 index 0, category c1, selection [2], counted" in out
    assert "audit log: 5 entries chained" in out
    assert "audit hash(es) named" in passes(path)  # without the log, says what it could check with it


@pytest.mark.parametrize("method, options, ballots", [
    ("approval", {"max_choices": 2}, [[1, 2], [2], [2, 3], [1]]),
    ("score", {"score_max": 5}, [{"1": 5, "2": 3}, {"2": 4}, {"3": 0}, {"1": 1}]),
    ("ranked", {"ranked_method": "irv"}, [[1, 2, 3], [2, 1], [3, 2], [2]]),
    ("ranked", {"ranked_method": "schulze"}, [[1, 2, 3], [2, 1], [3, 2], [2]]),
    ("ranked", {"ranked_method": "borda"}, [[1, 2, 3], [2, 1], [3, 2], [2]]),
], ids=["approval", "score", "irv", "schulze", "borda"])
def test_every_method_recounts_and_agrees_with_its_results(tmp_path, method, options, ballots):
    ledger = L.build([L.Ballot("c1", s) for s in ballots], method=method, **options)
    name = options.get("ranked_method", method)
    expected = counting.count_selections(name, [1, 2, 3], ballots)
    results = {"contest": "example", "method": name, "ledger": L.head(ledger), "categories": [
        {"slug": "c1", "ballots": expected.ballots, "count": {"detail": expected.detail},
         "ranking": [{"entry_id": e, "public_votes": expected.scores[e]} for g in expected.order for e in g]},
        {"slug": "c2", "ballots": 0, "ranking": []}]}
    path = write(tmp_path / "ledger.json", L.saved(ledger))
    out = passes(path, "--results", write(tmp_path / "results.json", results))
    assert f"recount ({name}:" in out and "over the results' entries" in out
    assert "the results were tallied from this ledger" in out and "categories equal the recount" in out
    results["categories"][0]["ranking"][0]["public_votes"] += 1
    bad = run(path, "--results", write(tmp_path / "changed.json", results))
    assert bad.returncode == 1 and "in the results" in bad.stdout and "in the recount" in bad.stdout


def test_input_it_cannot_read(tmp_path):
    assert run(tmp_path / "nope.json").returncode == 2
    (tmp_path / "bad.json").write_text("{not json")
    assert run(tmp_path / "bad.json").returncode == 2
    path = write(tmp_path / "ledger.json", L.saved(genuine()))
    result = run(path, "--audit", tmp_path / "nope.json")
    assert result.returncode == 2 and "cannot read the input" in result.stderr
    with L.serve({}) as base:
        result = run(f"{base}/api/v1/contests/example/ledger")
    assert result.returncode == 2 and "404" in result.stderr
    result = run(path, "--save", tmp_path / "no-such-dir" / "saved.json")
    assert result.returncode == 2


def test_a_stranger_with_the_five_files_alone(tmp_path, tmp_path_factory):
    """Downloaded into an empty directory, away from the project: the script finds its three
    companions and counting.py beside it, and says which is missing."""
    path = write(tmp_path / "ledger.json", L.saved(genuine()))
    alone = tmp_path_factory.mktemp("stranger")
    shutil.copy(SCRIPT, alone / "verify_ledger.py")
    for companion in COMPANIONS:
        result = run(path, script=alone / "verify_ledger.py", cwd=alone)
        assert result.returncode == 2 and f"{companion.name} not found" in result.stderr, result.stderr
        shutil.copy(companion, alone / companion.name)
    result = run(path, script=alone / "verify_ledger.py", cwd=alone)
    assert result.returncode == 2
    assert str(alone / "counting.py") in result.stderr and "voting/results/domain/counting.py" in result.stderr
    embargoed = genuine()
    embargoed.leaves_published = False  # no recount needed
    assert passes(write(tmp_path / "during.json", L.saved(embargoed)), script=alone / "verify_ledger.py", cwd=alone)
    shutil.copy(COUNTING, alone / "counting.py")
    assert COUNTED in passes(path, script=alone / "verify_ledger.py", cwd=alone)
    assert sorted(p.name for p in alone.iterdir() if p.name != "__pycache__") == [
        "counting.py", "ledger_chains.py", "ledger_checks.py", "ledger_sources.py", "verify_ledger.py"]


def test_the_scripts_and_counting_import_only_the_standard_library():
    """And each other: the companions import those loaded before them by name (verify_ledger.py
    loads each by its path, under that name)."""
    companions = {p.stem for p in COMPANIONS}
    for path in [SCRIPT, *COMPANIONS, COUNTING]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for alias in node.names}
        names |= {node.module.split(".")[0] if node.level == 0 else "." for node in ast.walk(tree)
                  if isinstance(node, ast.ImportFrom)}
        assert names <= set(sys.stdlib_module_names) | {"__future__"} | companions, (
            path, names - set(sys.stdlib_module_names))
