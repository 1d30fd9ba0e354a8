"""The pure modules must not import the web framework, the ORM, Redis or RQ."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PURE = ["voting/accounts/domain.py", "voting/contests/spec.py", "voting/contests/phases.py", "voting/contests/changes.py",
        "voting/ballots/selection.py", "voting/ballots/pow.py", "voting/ballots/ratelimit.py",
        "voting/ballots/receipts.py", "voting/ballots/screening.py", "voting/ledger/merkle.py",
        "voting/ledger/encoding.py", "voting/audit/chain.py", "voting/fraud/records.py",
        "voting/fraud/thresholds.py"]
FORBIDDEN = {"flask", "flask_sqlalchemy", "flask_login", "flask_wtf", "flask_babel", "flask_limiter",
             "sqlalchemy", "redis", "rq", "valkey"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_pure_modules_import_no_framework():
    rules = [str(p.relative_to(ROOT)) for p in ROOT.glob("voting/fraud/rules*.py")]
    for name in PURE + rules + [str(p.relative_to(ROOT)) for p in ROOT.glob("*/**/domain.py")]:
        bad = imported_roots(ROOT / name) & FORBIDDEN
        assert not bad, f"{name} imports {sorted(bad)}"


def module_imports() -> dict[str, set[str]]:
    """Each module of the app and the app's modules it imports at its top level."""
    files = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
             for p in [*ROOT.glob("voting/**/*.py"), *ROOT.glob("judging/**/*.py")]}
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
