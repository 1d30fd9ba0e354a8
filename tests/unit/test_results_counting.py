"""voting/results/domain/counting.py: the counting methods on hand-built cases
with known answers, and against brute-force references written from the
definitions on random profiles (truncated ballots included)."""

from __future__ import annotations

import ast
import importlib.util
import itertools
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voting.results.domain import counting

ROOT = Path(__file__).resolve().parents[2]
COUNTING = ROOT / "voting/results/domain/counting.py"


# -- the file the standalone verifier loads ------------------------------------------------------

def test_counting_imports_the_standard_library_only_and_no_sibling():
    for node in ast.walk(ast.parse(COUNTING.read_text())):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, "a relative import"
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            root = name.split(".")[0]
            assert root in sys.stdlib_module_names or root == "__future__", f"counting.py imports {name}"


def test_counting_loads_by_path_in_a_bare_interpreter():
    code = ("import importlib.util, sys\n"
            f"spec = importlib.util.spec_from_file_location('standalone_counting', {str(COUNTING)!r})\n"
            "m = importlib.util.module_from_spec(spec); sys.modules[spec.name] = m; spec.loader.exec_module(m)\n"
            "c = m.count_selections('irv', [1, 2, 3], [[1, 2], [2], [3, 2], [2, 1]])\n"
            "print(c.order[0][0], sorted(k for k in sys.modules if k.split('.')[0] in ('voting', 'numpy')))\n")
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["2", "[]"]


def test_the_verifier_counts_with_this_file():
    spec = importlib.util.spec_from_file_location("verify_ledger_for_test", ROOT / "tools/verify_ledger.py")
    verifier = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(verifier)
    loaded = verifier.load_counting()  # by path: in the project's tree, the one beside the script missing
    assert Path(loaded.__file__).resolve() == COUNTING.resolve()
    ballots = [[5, 2, 8], [2, 5], [8], [], [9, 5]]
    for method in counting.RANKED:
        assert (loaded.count_selections(method, [2, 5, 8], ballots).to_json()
                == counting.count_selections(method, [2, 5, 8], ballots).to_json())


def test_ballot_keys_and_their_increments():
    assert counting.ballot_key("single", [7]) == (7,)
    assert counting.ballot_key("approval", [9, "3", 4]) == (3, 4, 9)
    assert counting.ballot_key("score", {"12": 1, "3": 5, "4": 0}) == ((3, 5), (12, 1))
    assert counting.ballot_key("irv", ["5", 2, 8]) == (5, 2, 8)
    assert counting.key_increments("score", ((3, 5), (12, 1))) == {3: 5, 12: 1}
    assert counting.key_increments("approval", (3, 4)) == {3: 1, 4: 1}
    assert counting.key_increments("borda", (5, 2)) == {5: 1}


# -- marks ---------------------------------------------------------------------------------------

def test_single_counts_and_keeps_ties_and_zero_entries():
    c = counting.marks("single", [1, 2, 3, 4], {1: 5, 2: 7, 3: 5})
    assert c.scores == {1: 5, 2: 7, 3: 5, 4: 0}
    assert c.order == ((2,), (1, 3), (4,))
    assert c.ballots == 17 and c.supported == {1, 2, 3}


def test_approval_and_score_from_selections():
    a = counting.count_selections("approval", [1, 2, 3], [[1, 2], [2], [2, 3], [3, 1]])
    assert a.scores == {1: 2, 2: 3, 3: 2} and a.ballots == 4 and a.order == ((2,), (1, 3))
    s = counting.count_selections("score", [1, 2, 3], [{"1": 5, "2": 1}, {"2": 4, "3": 0}, {"1": 0}])
    assert s.scores == {1: 5, 2: 5, 3: 0} and s.ballots == 3 and s.order == ((1, 2), (3,))
    assert s.supported == {1, 2}


def test_marks_drop_votes_for_non_candidates_and_say_so():
    c = counting.marks("single", [1, 2], {1: 3, 9: 4})
    assert c.scores == {1: 3, 2: 0} and c.detail == {"not_candidates": 4} and c.ballots == 7
    with pytest.raises(ValueError):
        counting.marks("approval", [1], {1: 1})  # the ballot number cannot be derived
    with pytest.raises(ValueError):
        counting.count("plurality", [1])


def test_empty_category():
    for method in counting.METHODS:
        c = counting.count(method, [], totals={}, profile={}, ballots=0)
        assert c.order == () and c.scores == {}
    c = counting.count("irv", [1, 2, 3], profile={})
    assert c.ballots == 0 and sorted(c.scores.values()) == [0, 0, 0] and len(c.order) == 3


# -- IRV -----------------------------------------------------------------------------------------

def test_irv_rounds_transfers_and_exhaustion():
    profile = {(1, 2, 3): 4, (2, 3, 1): 3, (3, 1, 2): 2, (3, 2): 1}
    c = counting.irv([1, 2, 3], profile, tie_order=[1, 2, 3])
    # round 1: 1:4, 2:3, 3:3 -> 2 and 3 level, 3 is later in the tie order and goes
    # round 2: 1:6, 2:4 -> 2 goes and 1 wins with the 6 of that round
    assert c.order == ((1,), (2,), (3,))
    assert c.scores == {1: 6, 2: 4, 3: 3}
    rounds = c.detail["rounds"]
    assert [r["eliminated"] for r in rounds] == [[3], [2]]
    assert rounds[-1]["exhausted"] == 0 and rounds[-1]["counts"] == {"1": 6, "2": 4}
    assert c.detail["ties"] == [{"round": 1, "tied": [2, 3], "eliminated": [3], "votes": 3}]
    # the other tie order eliminates 2 first, and then 3 wins
    d = counting.irv([1, 2, 3], profile, tie_order=[3, 2, 1])
    assert d.detail["ties"][0]["eliminated"] == [2]
    assert d.order == ((3,), (1,), (2,)) and d.scores == {3: 6, 1: 4, 2: 3}


def test_irv_known_case_majority_after_transfers():
    # the textbook Tennessee capital example (percent of voters)
    profile = {("M", "N", "C", "K"): 42, ("N", "C", "K", "M"): 26, ("C", "K", "N", "M"): 15,
               ("K", "C", "N", "M"): 17}
    ids = {"M": 1, "N": 2, "C": 3, "K": 4}
    c = counting.irv(ids.values(), {tuple(ids[x] for x in b): n for b, n in profile.items()})
    # C goes first (15) and K gets 32; then N (26) goes and K beats M by 58 to 42
    assert [g[0] for g in c.order] == [4, 1, 2, 3]
    assert c.scores == {4: 58, 1: 42, 2: 26, 3: 15}


def test_irv_candidates_without_votes_go_together_in_tie_order():
    c = counting.irv([1, 2, 3, 4, 5], {(1,): 3, (2, 1): 2}, tie_order=[5, 4, 3, 2, 1])
    first = c.detail["rounds"][0]
    assert first["eliminated"] == [3, 4, 5] and first["tied"] == [3, 4, 5]  # the latest in the tie order first
    assert len(c.detail["rounds"]) == 2
    assert c.order == ((1,), (2,), (5,), (4,), (3,))
    assert c.scores == {1: 3, 2: 2, 3: 0, 4: 0, 5: 0}


def test_irv_drops_unknown_and_repeated_ids():
    c = counting.irv([1, 2], {(9, 2, 2, 1): 2, (1,): 1})
    assert c.scores == {2: 2, 1: 1} and c.ballots == 3


# -- Schulze -------------------------------------------------------------------------------------

WIKI = {"ACBED": 5, "ADECB": 5, "BEDAC": 8, "CABED": 3, "CAEBD": 7, "CBADE": 2, "DCEBA": 7, "EBADC": 8}


def test_schulze_known_case():
    # the worked example of the Schulze method's description: E > A > C > B > D
    profile = {tuple("ABCDE".index(x) + 1 for x in ballot): n for ballot, n in WIKI.items()}
    c = counting.schulze([1, 2, 3, 4, 5], profile)
    assert c.order == ((5,), (1,), (3,), (2,), (4,))
    assert c.scores == {5: 4, 1: 3, 3: 2, 2: 1, 4: 0}
    assert c.detail["pairwise"]["1"]["2"] == 20 and c.detail["strength"]["5"]["4"] == 31


def test_schulze_level_candidates_share_a_layer():
    c = counting.schulze([1, 2], {(1, 2): 1, (2, 1): 1})
    assert c.order == ((1, 2),) and c.scores == {1: 0, 2: 0}


# -- Borda ---------------------------------------------------------------------------------------

def test_borda_truncated_ballots_give_unranked_nothing():
    # 4 candidates: a full ballot gives 3,2,1,0; a ballot ranking two gives 3,2 and nothing else
    c = counting.borda([1, 2, 3, 4], {(1, 2, 3, 4): 2, (3, 4): 3})
    assert c.scores == {1: 6, 2: 4, 3: 2 + 9, 4: 6}
    assert c.order == ((3,), (1, 4), (2,))


# -- brute-force references ----------------------------------------------------------------------

def ref_irv(cands, ballots, tie_order):
    """One elimination a round, recounting every ballot from scratch."""
    rank = {c: i for i, c in enumerate(tie_order)}
    left, out, scores = list(cands), [], {}
    while left:
        tally = {c: 0 for c in left}
        for ballot in ballots:
            top = next((x for x in ballot if x in tally), None)
            if top is not None:
                tally[top] += 1
        if len(left) == 1:  # only when there was one candidate to begin with
            scores[left[0]] = tally[left[0]]
            out.append(left[0])
            break
        low = min(tally.values())
        loser = max((c for c in left if tally[c] == low), key=rank.__getitem__)
        scores[loser] = low
        out.append(loser)
        left.remove(loser)
        if len(left) == 1:
            scores[left[0]] = tally[left[0]]
            out.append(left[0])
            break
    return [(c,) for c in reversed(out)], scores


def ref_schulze(cands, ballots):
    def prefers(ballot, a, b):
        if a not in ballot:
            return False
        return b not in ballot or ballot.index(a) < ballot.index(b)

    d = {(a, b): sum(prefers(x, a, b) for x in ballots) for a in cands for b in cands if a != b}
    link = {k: (v if v > d[(k[1], k[0])] else 0) for k, v in d.items()}

    def strongest(a, b):
        best = 0
        others = [c for c in cands if c not in (a, b)]
        for k in range(len(others) + 1):
            for middle in itertools.permutations(others, k):
                path = (a, *middle, b)
                best = max(best, min(link[(path[i], path[i + 1])] for i in range(len(path) - 1)))
        return best

    p = {(a, b): strongest(a, b) for a in cands for b in cands if a != b}
    beats = {(a, b) for a in cands for b in cands if a != b and p[(a, b)] > p[(b, a)]}
    layers, left = [], list(cands)
    while left:
        layer = tuple(c for c in left if not any((o, c) in beats for o in left))
        layers.append(layer)
        left = [c for c in left if c not in layer]
    return layers, {a: sum((a, b) in beats for b in cands) for a in cands}


def ref_borda(cands, ballots):
    n = len(cands)
    pts = {c: sum(n - 1 - b.index(c) for b in ballots if c in b) for c in cands}
    groups = []
    for c in sorted(cands, key=lambda c: (-pts[c], c)):
        if groups and pts[groups[-1][0]] == pts[c]:
            groups[-1].append(c)
        else:
            groups.append([c])
    return [tuple(g) for g in groups], pts


@st.composite
def profiles(draw, complete=False, max_cands=5):
    n = draw(st.integers(1, max_cands))
    cands = list(range(10, 10 + n))
    ballots = []
    for _ in range(draw(st.integers(0, 12))):
        order = draw(st.permutations(cands))
        k = n if complete else draw(st.integers(0, n))
        ballots.append(tuple(order[:k]))
    tie_order = draw(st.permutations(cands))
    return cands, ballots, list(tie_order)


def as_profile(ballots):
    out = {}
    for b in ballots:
        out[b] = out.get(b, 0) + 1
    return out


@settings(max_examples=150, deadline=None)
@given(profiles())
def test_irv_matches_the_reference(case):
    cands, ballots, tie_order = case
    c = counting.irv(cands, as_profile(ballots), tie_order)
    order, scores = ref_irv(cands, ballots, tie_order)
    assert list(c.order) == order and dict(c.scores) == scores
    assert c.ballots == len(ballots)


@settings(max_examples=150, deadline=None)
@given(profiles())
def test_schulze_matches_the_reference(case):
    cands, ballots, _ = case
    c = counting.schulze(cands, as_profile(ballots))
    layers, scores = ref_schulze(cands, ballots)
    assert list(c.order) == layers and dict(c.scores) == scores


@settings(max_examples=150, deadline=None)
@given(profiles())
def test_borda_matches_the_reference(case):
    cands, ballots, _ = case
    c = counting.borda(cands, as_profile(ballots))
    order, pts = ref_borda(cands, ballots)
    assert list(c.order) == order and dict(c.scores) == pts
