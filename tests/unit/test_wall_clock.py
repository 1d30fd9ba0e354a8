"""voting/clock.py is the one place the app reads the wall clock (docs/architecture.md):
every other module asks it, so that a test or a replay can move time in one place."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLOCK = ROOT / "voting" / "clock.py"
# Attribute calls that read the wall clock: datetime.now(), datetime.utcnow(), date.today(), time.time(), ...
READERS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
           ("time", "time"), ("time", "time_ns"), ("time", "localtime"), ("time", "gmtime")}


def readers_in(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
            if (name, node.func.attr) in READERS:
                found.append(f"{path.relative_to(root)}:{node.lineno} {name}.{node.func.attr}()")
    return found


def test_only_the_clock_module_reads_the_wall_clock():
    found = []
    for top in ("voting", "judging"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if path != CLOCK:
                found += readers_in(path)
    assert not found, "read voting.clock.now() instead:\n" + "\n".join(found)


def test_the_check_sees_a_wall_clock_read(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import time\nfrom datetime import datetime\nx = datetime.now()\ny = time.time()\n")
    assert len(readers_in(sample, tmp_path)) == 2
