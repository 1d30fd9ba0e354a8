"""judging/domain/ is pure: no module in it imports the web framework, the ORM,
Redis or RQ, and importing them (in a fresh interpreter, so nothing else has
loaded Flask first) loads none of those either, nor does the `judging` package."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = sorted(ROOT.glob("judging/domain/*.py"))
FORBIDDEN = {"flask", "flask_sqlalchemy", "flask_login", "flask_wtf", "flask_babel", "flask_limiter",
             "flask_migrate", "werkzeug", "sqlalchemy", "redis", "rq", "valkey", "voting"}


def modules() -> list[str]:
    return [".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__") for p in DOMAIN]


def test_the_domain_package_is_found_by_convention():
    assert {"judging.domain.assignment", "judging.domain.rubric", "judging.domain.pairwise"} <= set(modules())


def test_no_domain_module_imports_the_framework_anywhere_in_its_text():
    for path in DOMAIN:
        roots = set()
        for node in ast.walk(ast.parse(path.read_text())):  # function-level imports count too
            if isinstance(node, ast.Import):
                roots |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                roots.add(node.module.split(".")[0])
        assert not roots & FORBIDDEN, f"{path.name} imports {sorted(roots & FORBIDDEN)}"


def test_importing_every_domain_module_loads_no_framework():
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules()!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(FORBIDDEN)!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []
