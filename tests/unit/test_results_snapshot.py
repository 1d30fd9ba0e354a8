"""voting/results/domain/snapshot.py: canonical JSON, its hash, and the whole
decision of a contest; and the purity of voting/results/domain/."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from voting.results.domain import snapshot
from voting.results.domain.awards import AwardRules, Entry
from voting.results.domain.snapshot import CategoryInput, ContestRules, canonical, decide_contest, digest, normalise

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = sorted(ROOT.glob("voting/results/domain/*.py"))
SEED = "c0ffee" * 10 + "abcd"


# -- canonical form ------------------------------------------------------------------------------

def test_floats_are_normalised_so_every_database_prints_them_alike():
    assert normalise(-0.0) == 0 and isinstance(normalise(-0.0), int)
    assert normalise(8.0) == 8 and isinstance(normalise(8.0), int)
    assert normalise(Decimal("8.000")) == 8 and normalise(Decimal("8.7000")) == 8.7
    assert normalise(0.1 + 0.2) == 0.3 and normalise(1e-7) == 0 and normalise(-1e-7) == 0
    assert normalise(2 / 3) == 0.666667
    assert normalise(np.float64(2.5)) == 2.5 and type(normalise(np.int64(3))) is int
    assert normalise(np.array([1.0, 0.5])) == [1, 0.5]
    assert normalise(True) is True and normalise(None) is None
    assert canonical({"a": 8.0}) == canonical({"a": Decimal("8.0000")}) == canonical({"a": 8}) == b'{"a":8}'
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError):
            canonical({"x": bad})
    with pytest.raises(TypeError):
        canonical({1, 2})


def test_canonical_json_sorts_keys_and_keeps_utf8():
    assert canonical({"b": [1, (2, 3)], "a": "Café"}) == '{"a":"Café","b":[1,[2,3]]}'.encode()
    assert digest({"x": 1, "y": {"b": 2, "a": 1}}) == digest({"y": {"a": 1, "b": 2}, "x": 1})


def test_integer_keys_hash_like_the_string_keys_json_gives_back():
    value = {7: 1, 10: 2, 9: {3: "x"}}
    assert canonical(value) == canonical(json.loads(json.dumps(value)))
    with pytest.raises(ValueError):
        normalise({7: 1, "7": 2})
    with pytest.raises(TypeError):
        normalise({(1, 2): 3})


# -- the whole decision --------------------------------------------------------------------------

def wsis_like(jury_kind=float, reverse=False):
    def order(d):
        items = list(d.items())
        return dict(reversed(items) if reverse else items)

    entries = [Entry(i, f"Projet n°{i}", f"2021-01-{i:02d}T08:00:00+01:00") for i in range(1, 9)]
    totals = order({1: 120, 2: 118, 3: 90, 4: 90, 5: 60, 6: 60, 7: 3})
    jury = order({1: jury_kind("7.25"), 2: jury_kind("8.5"), 3: jury_kind("8.5"), 4: jury_kind("6"),
                  6: jury_kind("9")})
    return [CategoryInput("c1", entries, totals=totals, jury=jury),
            CategoryInput("c2", [Entry(20, "Alone")], totals={}),
            CategoryInput("c3", [])]


RULES = ContestRules("wsis", method="single", awards=AwardRules("jury_among_champions"))


def test_naive_and_aware_submission_times_hash_alike():
    def contest(stamp):
        return [CategoryInput("c", [Entry(1, "A", stamp), Entry(2, "B")], totals={1: 3, 2: 3})]

    naive = decide_contest(RULES, contest("2021-01-01T07:00:00"), SEED)
    aware = decide_contest(RULES, contest("2021-01-01T08:00:00+01:00"), SEED)
    assert naive.sha256() == aware.sha256()
    assert naive.inputs["categories"][0]["entries"][0]["submitted_at"] == "2021-01-01T07:00:00+00:00"


def test_the_same_data_gives_the_same_hash_whatever_the_order_or_the_database():
    first = decide_contest(RULES, wsis_like(), SEED)
    again = decide_contest(RULES, wsis_like(), SEED)
    assert first == again and first.sha256() == again.sha256()
    shuffled = decide_contest(RULES, wsis_like(reverse=True), SEED)
    assert shuffled.sha256() == first.sha256()
    postgres = decide_contest(RULES, wsis_like(jury_kind=lambda s: Decimal(s).quantize(Decimal("0.000001"))), SEED)
    assert postgres.sha256() == first.sha256()
    assert decide_contest(RULES, wsis_like(), "00" * 32).sha256() != first.sha256()  # another draw, another hash
    text = canonical(first.snapshot())
    assert canonical(json.loads(text)) == text


def test_results_have_the_api_shape():
    d = decide_contest(RULES, wsis_like(), SEED, votes={"counted": 541, "under_review": 0, "invalidated": 2,
                                                         "invalidated_by_reason": {"burst": 2}})
    r = d.results
    assert r["contest"] == "wsis" and "published_at" not in r and "snapshot_sha256" not in r
    assert r["votes"]["invalidated_by_reason"] == {"burst": 2}
    c1, c2, c3 = r["categories"]
    assert [c["slug"] for c in (c1, c2, c3)] == ["c1", "c2", "c3"]
    assert set(c1) >= {"slug", "ranking", "champions", "winners", "ties", "cut_lines"}
    assert set(c1["ranking"][0]) == {"entry_id", "title", "rank", "public_votes", "jury_score", "award"}
    assert len(c1["champions"]) == 5 and len(c1["winners"]) == 1
    assert c1["winners"] == [6]  # the jury's 9 for the champion that won the fifth place on its score
    assert any(t["cut_lines"] == ["champion"] for t in c1["ties"])
    assert [e["public_votes"] for e in c2["ranking"]] == [0] and c2["winners"] == []
    assert c3["ranking"] == [] and c3["cut_lines"] == []
    inputs = d.inputs["categories"][0]
    assert inputs["totals"]["1"] == 120 and inputs["jury"]["2"] == 8.5 and d.rules["seed"] == SEED


@pytest.mark.parametrize("method", ["single", "approval", "score", "ranked", "none"])
@pytest.mark.parametrize("policy", ["public", "jury", "jury_among_champions", "hybrid"])
@pytest.mark.parametrize("kind", ["prize", "photo"])
def test_every_method_policy_and_kind_decides(method, policy, kind):
    ranked_methods = ["irv", "schulze", "borda"] if method == "ranked" else ["irv"]
    for ranked_method in ranked_methods:
        rules = ContestRules("x", method=method, ranked_method=ranked_method, replicates=50,
                             awards=AwardRules(policy, kind=kind, champions_per_category=3))
        entries = [Entry(i, f"E{i}") for i in range(1, 7)]
        types = {"single": None, "none": None,
                 "approval": {(1, 2): 10, (2,): 7, (3, 4): 5, (5,): 1},
                 "score": {((1, 5), (2, 3)): 10, ((2, 5),): 7, ((3, 4), (6, 1)): 5},
                 "ranked": {(1, 2, 3): 10, (2, 1): 7, (3, 4, 5, 6, 1, 2): 5, (6,): 2}}[method]
        totals = {1: 10, 2: 7, 3: 5, 5: 1} if method == "single" else None
        cats = [CategoryInput("a", entries, totals=totals, types=types, jury={1: 3.0, 2: 4.5, 4: 4.5}),
                CategoryInput("empty", entries[:2], totals={} if method == "single" else None),
                CategoryInput("none", [])]
        d = decide_contest(rules, cats, SEED)
        a = d.results["categories"][0]
        assert [p["rank"] for p in a["ranking"]] == [1, 2, 3, 4, 5, 6]
        awarded = [p["award"] for p in a["ranking"] if p["award"] not in (None, "champion")]
        assert awarded == (["first", "second", "third"] if kind == "photo" else ["winner"])[:len(awarded)]
        assert len(d.sha256()) == 64 and d == decide_contest(rules, cats, SEED)
        for line in a["cut_lines"]:
            assert line["flip_probability"] is None or 0 <= line["flip_probability"] <= 1


# -- purity --------------------------------------------------------------------------------------

FORBIDDEN = {"flask", "flask_sqlalchemy", "flask_login", "flask_wtf", "flask_babel", "flask_limiter",
             "flask_migrate", "werkzeug", "sqlalchemy", "redis", "rq", "valkey", "judging", "time", "random"}


def test_the_domain_imports_no_framework_nor_the_rest_of_the_app_nor_a_clock():
    assert {p.name for p in DOMAIN} >= {"counting.py", "ties.py", "awards.py", "uncertainty.py", "snapshot.py"}
    for path in DOMAIN:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                if isinstance(node, ast.Attribute):
                    assert node.attr not in {"now", "utcnow", "today", "perf_counter", "monotonic"}, path.name
                continue
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"
                if name.startswith("voting"):
                    assert name.startswith("voting.results.domain"), f"{path.name} imports {name}"


def test_importing_the_domain_loads_no_framework():
    modules = [f"voting.results.domain.{p.stem}" for p in DOMAIN if p.stem != "__init__"]
    code = ("import importlib, json, sys\n"
            f"for name in {modules!r}:\n"
            "    importlib.import_module(name)\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('flask', 'sqlalchemy', 'redis', 'rq', 'werkzeug', 'valkey', 'judging'))))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []


def test_snapshot_format_is_versioned():
    assert decide_contest(RULES, [], SEED).snapshot()["format"] == snapshot.FORMAT
