"""Rubric scoring (judging/domain/rubric.py, normalisation.py, aggregation.py,
ranking.py): sheet validation by field path, the 0-10 total, per-judge z-scores
(a harsh and a lenient judge who agree end equal), trimmed means, spread,
disagreement, and ties kept visible."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings, strategies as st

from judging.domain import aggregation
from judging.domain.normalisation import zscores
from judging.domain.ranking import Place, rank, ties
from judging.domain.rubric import Criterion, Sheet, display_weights, problems, total
from judging.domain.tuning import SCORING, Scoring

PROPERTY = settings(max_examples=150, deadline=None, derandomize=True, database=None)
RUBRIC = [Criterion("impact", "Impact", 0.4, 0, 10), Criterion("design", "Design", 0.4, 1, 5),
          Criterion("pitch", "Pitch", 0.2, 0, 100)]


# --- validation -----------------------------------------------------------------

def test_a_complete_sheet_in_range_has_no_problems():
    assert problems(RUBRIC, {"impact": 7, "design": 4.5, "pitch": 80}, submit=True) == {}


def test_every_problem_is_reported_by_field_path():
    found = problems(RUBRIC, {"impact": 11, "design": float("nan"), "pitch": True, "charm": 3}, submit=True)
    assert found == {"scores.charm": "is not a criterion of this rubric",
                     "scores.design": "must be a finite number",
                     "scores.impact": "must be between 0 and 10",
                     "scores.pitch": "must be a number"}
    assert problems(RUBRIC, {"impact": float("inf"), "design": "4", "pitch": 1}, submit=False) == {
        "scores.design": "must be a number", "scores.impact": "must be a finite number"}


def test_a_draft_may_be_partial_but_a_submission_may_not():
    assert problems(RUBRIC, {"impact": 5, "design": None}, submit=False) == {}
    assert problems(RUBRIC, {"impact": 5, "design": None}, submit=True) == {
        "scores.design": "is required to submit", "scores.pitch": "is required to submit"}
    assert problems(RUBRIC, [5, 4], submit=False) == {"scores": "must be an object of criterion keys to numbers"}


def test_criteria_and_rubrics_that_make_no_sense_are_refused():
    for bad in (dict(weight=0), dict(weight=-1), dict(min=5, max=5), dict(max=float("nan"))):
        with pytest.raises(ValueError):
            Criterion("k", "K", **bad)
    with pytest.raises(ValueError):
        display_weights([Criterion("k", "K"), Criterion("k", "K2")])
    with pytest.raises(ValueError):
        Scoring(trim_from=3, trim_each_side=1, zscore_min_scores=1)
    with pytest.raises(ValueError):
        Scoring(disagreement_sd=float("inf"))


# --- the total ----------------------------------------------------------------------

def test_the_total_reads_on_zero_to_ten_whatever_the_ranges():
    assert total(RUBRIC, {"impact": 0, "design": 1, "pitch": 0}) == 0
    assert total(RUBRIC, {"impact": 10, "design": 5, "pitch": 100}) == 10
    # impact 0.7, design (4 - 1) / 4 = 0.75, pitch 0.5; weights 0.4, 0.4, 0.2.
    assert total(RUBRIC, {"impact": 7, "design": 4, "pitch": 50}) == pytest.approx(10 * (0.28 + 0.3 + 0.1))


def test_only_the_ratio_of_weights_matters_and_display_shows_shares():
    doubled = [Criterion(c.key, c.label, c.weight * 5, c.min, c.max) for c in RUBRIC]
    sheet = {"impact": 3, "design": 2, "pitch": 90}
    assert total(doubled, sheet) == pytest.approx(total(RUBRIC, sheet))
    shares = display_weights(doubled)
    assert shares == pytest.approx({"impact": 0.4, "design": 0.4, "pitch": 0.2})
    assert math.fsum(shares.values()) == pytest.approx(1)


def test_a_total_of_an_incomplete_sheet_is_refused():
    with pytest.raises(ValueError, match="scores.pitch"):
        total(RUBRIC, {"impact": 3, "design": 2})


# --- normalisation ----------------------------------------------------------------

ENTRIES = [1, 2, 3, 4, 5]


def test_a_harsh_and_a_lenient_judge_who_agree_on_the_order_end_equal():
    lenient = {1: 9.5, 2: 8.0, 3: 7.5, 4: 9.0, 5: 6.0}
    harsh = {e: 2 * v - 12 for e, v in lenient.items()}  # 7.0, 4.0, 3.0, 6.0, 0.0: same order, stretched and lower
    n = zscores({**{(1, e): v for e, v in lenient.items()}, **{(2, e): v for e, v in harsh.items()}})
    for e in ENTRIES:
        assert n.scores[(1, e)] == pytest.approx(n.scores[(2, e)], abs=1e-9)
    assert n.judges[1].method == n.judges[2].method == "zscore"
    # On the rubric's scale: centred on the mean of all totals.
    assert math.fsum(n.scores.values()) / len(n.scores) == pytest.approx(n.centre)


@PROPERTY
@given(st.lists(st.floats(0, 10), min_size=3, max_size=12, unique=True).filter(
    lambda xs: max(xs) - min(xs) > 2), st.floats(0.5, 3), st.floats(-20, 20), st.lists(st.floats(0, 10), max_size=6))
def test_property_judges_who_differ_by_a_positive_linear_map_end_equal(base, slope, shift, third):
    mean = math.fsum(base) / len(base)
    # Both judges must spread their scores beyond the floor (below it, see the floor's own test).
    assume(min(1, slope) * math.sqrt(math.fsum((v - mean) ** 2 for v in base) / len(base)) >= SCORING.sd_floor)
    totals = {(1, e): v for e, v in enumerate(base)}
    totals |= {(2, e): slope * v + shift for e, v in enumerate(base)}
    totals |= {(3, 100 + e): v for e, v in enumerate(third)}  # another judge, on other entries
    n = zscores(totals)
    for e in range(len(base)):
        assert n.scores[(1, e)] == pytest.approx(n.scores[(2, e)], abs=1e-6)


def test_judges_with_too_few_scores_are_kept_raw():
    totals = {(1, 1): 8.0, (2, 1): 3.0, (2, 2): 7.0, (3, 1): 4.0, (3, 2): 6.0, (3, 3): 8.0}
    n = zscores(totals)
    assert n.judges[1].method == n.judges[2].method == "raw"
    assert n.scores[(1, 1)] == 8.0 and n.scores[(2, 2)] == 7.0
    assert n.judges[3].method == "zscore"


def test_a_judge_who_gives_everyone_the_same_score_lands_on_the_centre():
    totals = {(1, e): 7.0 for e in ENTRIES} | {(2, e): float(e) for e in ENTRIES}
    n = zscores(totals)
    assert n.judges[1].method == "floored" and n.judges[1].sd == 0
    assert all(n.scores[(1, e)] == pytest.approx(n.centre) for e in ENTRIES)


def test_hair_splitting_is_not_stretched_to_a_full_spread():
    splitter = {(1, e): 7.0 + 0.05 * e for e in ENTRIES}  # sd 0.07, below the floor
    user = {(2, e): 2.0 * e for e in ENTRIES}  # sd 2.8: uses the scale
    n = zscores(splitter | user)
    gap_splitter = n.scores[(1, 5)] - n.scores[(1, 1)]
    gap_user = n.scores[(2, 5)] - n.scores[(2, 1)]
    assert n.judges[1].method == "floored"
    assert 0 < gap_splitter < gap_user / 5


def test_nothing_to_normalise():
    assert zscores({}).scores == {}
    n = zscores({(1, 1): 5.0})
    assert n.scores == {(1, 1): 5.0} and n.spread == 0


# --- aggregation per entry -----------------------------------------------------------

def test_mean_below_five_scores_trimmed_mean_from_five():
    three = aggregation.summarise(1, [6, 8, 7])
    assert three.trimmed_mean is None and three.score == three.mean == 7
    assert three.sd == pytest.approx(1) and three.range == 2 and not three.disagreement
    five = aggregation.summarise(2, [1, 7, 8, 9, 10])
    assert five.mean == 7 and five.trimmed_mean == 8 and five.score == 8
    one = aggregation.summarise(3, [4.5])
    assert one.sd is None and one.range == 0 and not one.disagreement


def test_strong_disagreement_is_flagged_at_a_quarter_of_the_scale():
    assert not aggregation.summarise(1, [5, 8.5]).disagreement  # sd 2.47
    assert aggregation.summarise(1, [5, 9]).disagreement  # sd 2.83
    assert SCORING.disagreement_sd == 2.5


def sheet(judge, entry, score):
    return Sheet(judge, entry, {"overall": score})


OVERALL = [Criterion("overall", "Overall")]


def test_normalisation_puts_a_lenient_and_a_harsh_judge_back_in_order():
    # Six entries, true quality 6 (entry 1) down to 1 (entry 6); each judged by two
    # of three judges who saw comparable mixes: a lenient one (quality + 3), a harsh
    # one who also uses little of the scale (quality / 2 - 1) and a plain one.
    quality = {e: 7 - e for e in range(1, 7)}
    judges = {"lenient": ({1, 3, 4, 6}, lambda q: q + 3), "harsh": ({2, 3, 4, 5}, lambda q: q / 2 - 1),
              "plain": ({1, 2, 5, 6}, lambda q: q)}
    sheets = [sheet(j, e, f(quality[e])) for j, (name, (entries, f)) in enumerate(judges.items())
              for e in sorted(entries)]
    raw = aggregation.rank(aggregation.jury(OVERALL, sheets, "none").entries)
    fair = aggregation.jury(OVERALL, sheets, "zscore")
    assert [p.entry for p in raw] == [1, 3, 2, 4, 6, 5]  # the lenient judge's entries float up
    assert [p.entry for p in aggregation.rank(fair.entries)] == [1, 2, 3, 4, 5, 6]
    assert {s.method for s in fair.judges.values()} == {"zscore"}


def test_two_sheets_from_one_judge_for_one_entry_are_an_error():
    with pytest.raises(ValueError):
        aggregation.jury(OVERALL, [sheet(1, 1, 5), sheet(1, 1, 6)], "zscore")
    with pytest.raises(ValueError):
        aggregation.jury(OVERALL, [sheet(1, 1, 5)], "robust")


# --- ranking and ties ---------------------------------------------------------------

def test_equal_scores_are_a_tie_and_the_next_place_is_skipped():
    places = rank({10: 8.7, 11: 9.1, 12: 8.7, 13: 7.0}, 1e-9)
    assert places == (Place(11, 1, 9.1), Place(10, 2, 8.7, True), Place(12, 2, 8.7, True), Place(13, 4, 7.0))
    assert ties(places) == [(2, (10, 12))]


def test_floating_point_noise_is_a_tie_a_real_difference_is_not():
    a = 0.1 + 0.2
    places = rank({1: a, 2: 0.3, 3: 0.3001}, SCORING.tie_tolerance)
    assert [(p.entry, p.rank, p.tied) for p in places] == [(3, 1, False), (1, 2, True), (2, 2, True)]


def test_a_chain_of_small_steps_does_not_merge_into_one_tie():
    places = rank({1: 1.0, 2: 1.0 - 0.6e-9, 3: 1.0 - 1.2e-9}, 1e-9)
    assert [p.rank for p in places] == [1, 1, 3]


def test_ranking_a_category_from_sheets_with_a_tie():
    sheets = [sheet(j, e, s) for j in (1, 2) for e, s in {1: 8, 2: 8, 3: 5}.items()]
    places = aggregation.rank(aggregation.jury(OVERALL, sheets, "none").entries)
    assert [(p.entry, p.rank, p.tied) for p in places] == [(1, 1, True), (2, 1, True), (3, 3, False)]
