"""The route index of docs/api.md, made from the OpenAPI document so that the
two cannot drift apart: `python -m voting.api.docs_index` rewrites the block
between the markers, and tests/api/test_api_doc.py fails when it is stale."""

from __future__ import annotations

import json
import sys
from pathlib import Path

DOCUMENT = Path(__file__).with_name("openapi.json")
GUIDE = Path(__file__).resolve().parents[2] / "docs" / "api.md"
BEGIN, END = "<!-- routes:begin -->", "<!-- routes:end -->"
METHODS = ("get", "post", "put", "patch", "delete")


def _who(operation: dict) -> str:
    # The description's first sentence says who may call it ("Anyone.", "Organisers only. ..."):
    # the index repeats it, cut at the first full stop.
    first = (operation.get("description") or "").split("\n")[0]
    sentence = first.split(". ")[0].rstrip(".")
    return sentence.replace("|", "\\|")


def route_table(document: dict) -> str:
    rows = ["| Route | What | Who, and the first thing to know |", "|---|---|---|"]
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                operation = item[method]
                rows.append(f"| `{method.upper()} {path}` | {operation.get('summary', '')} | {_who(operation)} |")
    return "\n".join(rows)


def rewritten(guide: str, document: dict) -> str:
    head, rest = guide.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{route_table(document)}\n{END}{tail}"


def main() -> int:
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    GUIDE.write_text(rewritten(GUIDE.read_text(encoding="utf-8"), document), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
