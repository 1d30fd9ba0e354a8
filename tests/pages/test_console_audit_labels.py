"""The audit log page names every action in words (its code kept beside it),
says an import's count in the right number ("1 entry from CSV"), and its
introduction lists what is recorded. Every action name the services write is
found in the code and must have a label."""

from __future__ import annotations

import io
import re
from pathlib import Path

from tests.pages.support import page, sign_in
from tests.pages.test_page_quality import check_page
from voting.fraud.decisions import DECISIONS
from voting.organiser.audit_labels import ACTIONS

ROOT = Path(__file__).resolve().parents[2]
AUDIT = "/organiser/contests/wsis-prizes-test/audit"
IMPORT = "/organiser/contests/wsis-prizes-test/entries/import"
# audit.append(contest, actor, "<action>" or f"<prefix>.{name}", ...
APPEND = re.compile(r"audit\.append\(\s*[^,]+,\s*[^,]+,\s*(f?)\"([^\"]+)\"")


def _written_actions() -> set[str]:
    """Every action name a service passes to audit.append, the f-strings expanded from what fills them."""
    found: set[str] = set()
    templates: set[str] = set()
    for path in [*ROOT.joinpath("voting").rglob("*.py"), *ROOT.joinpath("judging").rglob("*.py")]:
        source = path.read_text(encoding="utf-8")
        calls = APPEND.findall(source)
        # A call whose action is not a literal (a variable) would escape this test: none may.
        assert len(calls) == source.count("audit.append("), f"{path}: an audit action this test cannot read"
        for is_f, name in calls:
            (templates if is_f else found).add(name)
    assert found, "no audit.append call found: the pattern no longer matches the code"
    expand = {
        "fraud.{decision}": {f"fraud.{d}" for d in DECISIONS},  # voting/fraud/decisions.py
        # judging/scoring.py: _record(..., "submitted" if submit else "saved", ...) and _record(..., "reopened", ...)
        "judging.{action}": {f"judging.{a}" for line in re.findall(
            r"_record\(([^\n]*)", ROOT.joinpath("judging", "scoring.py").read_text(encoding="utf-8"))
            for a in re.findall(r"\"(\w+)\"(?!:)", line)},
    }
    assert templates <= set(expand), f"an audit action made by an f-string this test cannot expand: {templates}"
    assert all(expand[t] for t in templates)
    return found | {name for t in templates for name in expand[t]}


def test_every_action_written_to_the_audit_log_has_a_label():
    written = _written_actions()
    assert {"entries.imported", "judging.submitted", "judging.saved", "judging.reopened",
            "fraud.count", "fraud.invalidate", "judge.removed"} <= written
    assert sorted(written - set(ACTIONS)) == []


def test_the_log_says_what_happened_in_words_with_its_code(client, make):
    organiser = make.organiser()
    make.contest()
    sign_in(client, organiser.email)
    token = page(client.get(IMPORT)).form(IMPORT)["fields"]["csrf_token"]
    resp = client.post(IMPORT, data={"csrf_token": token, "mode": "good_rows",
                                     "file": (io.BytesIO(b"category,title\r\nc1,Clean water\r\n"), "entries.csv")},
                       content_type="multipart/form-data")
    assert resp.status_code in {200, 303}, resp.status_code
    resp = client.get(AUDIT)
    check_page(resp)
    doc = page(resp)
    assert "1 entry from CSV" in doc.text and "1 entries" not in doc.text
    for label, code in (("Entries imported", "entries.imported"), ("Contest created", "contest.created")):
        assert label in doc.text
        assert {"class": "hint", "lang": "en", "dir": "ltr"} in doc.find("code")
        assert code in doc.text
    assert "settings, organisers and judges, entries and teams" in doc.text
    assert "Every sweep and every review decision is recorded here" not in doc.text
