"""docs/api.md's route index is the OpenAPI document's, and every document it names exists."""

import json
import re
from pathlib import Path

from voting.api import docs_index

ROOT = Path(__file__).resolve().parents[2]


def test_the_route_index_is_the_openapi_documents():
    document = json.loads(docs_index.DOCUMENT.read_text(encoding="utf-8"))
    guide = docs_index.GUIDE.read_text(encoding="utf-8")
    assert docs_index.rewritten(guide, document) == guide, "run: python -m voting.api.docs_index"
    for path, item in document["paths"].items():
        for method in docs_index.METHODS:
            if method in item:
                assert f"`{method.upper()} {path}`" in guide


def test_no_document_links_to_a_file_that_is_not_there():
    """README and docs/ link to each other by relative paths: none may dangle."""
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = page.read_text(encoding="utf-8")
        # Code (fenced blocks and `spans`) is not a link, though a pattern in it may look like one.
        text = re.sub(r"```.*?```", "", text, flags=re.S)
        text = re.sub(r"`[^`\n]*`", "", text)
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if "://" in target or target.startswith("mailto:"):
                continue
            assert (page.parent / target).exists(), f"{page.relative_to(ROOT)} links to missing {target}"
