"""counting.py against the `pref_voting` library on random profiles.

pref_voting is not in the `test` extra: it pins numba, which pins numpy below
the project's, and brings matplotlib, pandas, seaborn, ortools, PuLP and
llvmlite (hundreds of MB) with it. These tests run wherever it is installed
(in a separate environment: `pip install pref_voting hypothesis pytest`, then
`pytest --noconftest tests/unit/test_results_pref_voting.py` with the project
on PYTHONPATH) and are skipped elsewhere; test_results_counting.py checks the
same methods against brute-force references from the definitions everywhere.

What is compared: pref_voting's `Profile` holds complete linear orders, so on
complete ballots the IRV winner (with the same tie order: pref_voting's
`tie_breaker[0]` is eliminated first, ours is the most preferred, hence
reversed), the Schulze (`beat_path`) winner set and the Borda scores and
winners. Truncated ballots go through `ProfileWithTies` with the extended
strict preference (ranked above unranked, unranked level), which is our
convention for Schulze: pairwise counts equal its `support`, and its beat path
with `support` as the strength (winning votes) gives our winner set. Its IRV
and Borda read truncated ballots differently (tops scores, other point
schemes), so those conventions are checked against the references only.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("pref_voting")

from pref_voting.iterative_methods import instant_runoff_tb  # noqa: E402
from pref_voting.margin_based_methods import beat_path  # noqa: E402
from pref_voting.profiles import Profile  # noqa: E402
from pref_voting.profiles_with_ties import ProfileWithTies  # noqa: E402
from pref_voting.scoring_methods import borda  # noqa: E402

from voting.results.domain import counting  # noqa: E402


@st.composite
def elections(draw, complete: bool):
    n = draw(st.integers(2, 6))
    ballots = []
    for _ in range(draw(st.integers(1, 15))):
        order = list(draw(st.permutations(range(n))))
        ballots.append(tuple(order if complete else order[:draw(st.integers(1, n))]))
    return n, ballots, list(draw(st.permutations(range(n))))


def ours(ballots, shift=100):
    """Our ids are entry ids: shift them so nothing relies on them being 0..n-1."""
    profile: dict[tuple[int, ...], int] = {}
    for b in ballots:
        key = tuple(c + shift for c in b)
        profile[key] = profile.get(key, 0) + 1
    return profile


@settings(max_examples=200, deadline=None)
@given(elections(complete=True))
def test_complete_ballots(case):
    n, ballots, tie_order = case
    cands = [c + 100 for c in range(n)]
    prof = Profile([list(b) for b in ballots])
    profile = ours(ballots)

    irv = counting.irv(cands, profile, [c + 100 for c in tie_order])
    assert [irv.order[0][0] - 100] == instant_runoff_tb(prof, tie_breaker=list(reversed(tie_order)))

    schulze = counting.schulze(cands, profile)
    assert sorted(c - 100 for c in schulze.order[0]) == beat_path(prof)

    b = counting.borda(cands, profile)
    assert {c - 100: s for c, s in b.scores.items()} == prof.borda_scores()
    assert sorted(c - 100 for c in b.order[0]) == borda(prof)


@settings(max_examples=200, deadline=None)
@given(elections(complete=False))
def test_truncated_ballots_schulze(case):
    n, ballots, _ = case
    cands = [c + 100 for c in range(n)]
    prof = ProfileWithTies([{c: i + 1 for i, c in enumerate(b)} for b in ballots], candidates=list(range(n)))
    prof.use_extended_strict_preference()
    d = counting.pairwise(cands, ours(ballots))
    assert all(d[a + 100][b + 100] == prof.support(a, b) for a in range(n) for b in range(n) if a != b)
    schulze = counting.schulze(cands, ours(ballots))
    assert sorted(c - 100 for c in schulze.order[0]) == beat_path(prof, strength_function=prof.support)
