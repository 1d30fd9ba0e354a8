"""The pure modules import no web framework, ORM, Redis or RQ, in their text or
when imported. They are found by convention, not by a list kept by hand: every
module inside a `domain/` package, and every module named `domain.py`, anywhere
in `voting/` or `judging/`."""

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {"flask", "flask_sqlalchemy", "flask_login", "flask_wtf", "flask_babel", "flask_limiter",
             "flask_migrate", "werkzeug", "sqlalchemy", "redis", "rq", "valkey"}


def pure_files() -> list[Path]:
    found = set()
    for top in ("voting", "judging"):
        found |= set((ROOT / top).glob("**/domain/*.py")) | set((ROOT / top).glob("**/domain.py"))
    return sorted(found)


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def imported(path: Path) -> set[str]:
    """Every absolute import in the file, at any depth (a function's import counts too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_convention_finds_the_pure_modules():
    names = {module_name(p) for p in pure_files()}
    assert {"voting.accounts.domain", "voting.contests.domain.spec", "voting.ballots.domain.selection",
            "voting.ledger.domain.merkle", "voting.fraud.domain.rules", "voting.audit.domain.chain",
            "judging.domain.assignment"} <= names


def test_pure_modules_import_no_framework():
    for path in pure_files():
        bad = {name.split(".")[0] for name in imported(path)} & FORBIDDEN
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_pure_modules_import_only_pure_modules_of_the_app():
    pure = {module_name(p) for p in pure_files()}  # domain packages' __init__ included
    for path in pure_files():
        for name in imported(path):
            if name.split(".")[0] in ("voting", "judging"):
                assert name in pure, f"{path.relative_to(ROOT)} imports {name}, which is not pure"


def test_importing_every_pure_module_loads_no_framework():
    """In a fresh interpreter, so that nothing else has loaded Flask first."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {sorted(module_name(p) for p in pure_files())!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(FORBIDDEN)!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []


def module_imports() -> dict[str, set[str]]:
    """Each module of the app and the app's modules it imports at its top level."""
    files = {module_name(p): p for p in [*ROOT.glob("voting/**/*.py"), *ROOT.glob("judging/**/*.py")]}
    graph = {}
    for name, path in files.items():
        found = set()
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        graph[name] = {m for m in found if m in files and m != name}
    return graph


def test_no_import_cycles():
    graph = module_imports()

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            current = todo.pop()
            if current == goal:
                return True
            if current not in seen:
                seen.add(current)
                todo.extend(graph[current])
        return False

    cycles = sorted(f"{a} <-> {b}" for a, deps in graph.items() for b in deps if reaches(b, a))
    assert not cycles, cycles
