"""voting/results/domain/awards.py: every policy on hand-built cases."""

from __future__ import annotations

import pytest

from voting.results.domain import counting, ties
from voting.results.domain.awards import AwardRules, Entry, decide_category, hybrid_scores

SEED = "ab" * 32


def entries(n: int) -> list[Entry]:
    return [Entry(i, f"Entry {i}", f"2021-02-{i:02d}T09:00:00+00:00") for i in range(1, n + 1)]


def single(totals: dict[int, int], n: int) -> counting.Count:
    return counting.marks("single", range(1, n + 1), totals)


def awards_of(decision) -> dict[int, str | None]:
    return {p.entry_id: p.award for p in decision.ranking}


def test_public_policy_ranks_by_votes_and_lists_every_entry():
    d = decide_category("c", entries(4), AwardRules("public"), count=single({1: 5, 2: 9, 3: 7}, 4), jury=None,
                        seed=SEED)
    assert [(p.entry_id, p.rank, p.public_votes, p.jury_score, p.award) for p in d.ranking] == [
        (2, 1, 9, None, "winner"), (3, 2, 7, None, None), (1, 3, 5, None, None), (4, 4, 0, None, None)]
    assert d.winners == (2,) and d.champions == () and d.ties == ()
    assert [(c.name, c.above, c.below, c.stage) for c in d.cut_lines] == [("winner", 2, 3, "public")]


def test_photo_contests_award_first_second_third():
    d = decide_category("c", entries(5), AwardRules("public", kind="photo"),
                        count=single({1: 5, 2: 9, 3: 7, 4: 1}, 5), jury=None, seed=SEED)
    assert awards_of(d) == {2: "first", 3: "second", 1: "third", 4: None, 5: None}
    assert d.winners == (2, 3, 1)
    assert [c.name for c in d.cut_lines] == ["first", "second", "third"]


def test_a_winner_tie_is_broken_by_jury_score_then_by_the_draw():
    rules = AwardRules("public", tie_chain=("jury_score", "draw"))
    count = single({1: 10, 2: 10, 3: 4}, 3)
    by_jury = decide_category("c", entries(3), rules, count=count, jury={1: 6.0, 2: 8.0}, seed=SEED)
    assert by_jury.winners == (2,)
    (tie,) = by_jury.ties
    assert (tie.place, tie.entries, tie.decided_by, tie.cut_lines) == (1, (2, 1), ("jury_score",), ("winner",))

    by_draw = decide_category("c", entries(3), rules, count=count, jury={1: 8.0, 2: 8.0}, seed=SEED)
    first = min((1, 2), key=lambda e: ties.draw_key(SEED, "c", e))
    assert by_draw.winners == (first,)
    (tie,) = by_draw.ties
    assert tie.decided_by == ("draw",) and tie.cut_lines == ("winner",) and tie.unresolved == ()


def test_jury_among_champions_with_a_tie_at_the_fifth_champion():
    votes = {1: 100, 2: 90, 3: 80, 4: 70, 5: 60, 6: 60, 7: 10}
    jury = {1: 7.0, 2: 9.5, 3: 8.0, 5: 6.0, 6: 9.9, 7: 10.0}  # 4 unscored; 7 is the jury's best, not a champion
    d = decide_category("c", entries(7), AwardRules("jury_among_champions"), count=single(votes, 7), jury=jury,
                        seed=SEED)
    # 5 and 6 share the fifth public place; the jury score (first rule) lets 6 in
    assert set(d.champions) == {1, 2, 3, 4, 6}
    public_tie = next(t for t in d.ties if t.stage == "public")
    assert (public_tie.place, public_tie.entries, public_tie.decided_by, public_tie.cut_lines) == (
        5, (6, 5), ("jury_score",), ("champion",))
    # the jury orders the champions: 6 (9.9) wins; 4, unscored, is the last champion and wins nothing
    assert d.winners == (6,)
    assert [(p.entry_id, p.rank, p.award) for p in d.ranking] == [
        (6, 1, "winner"), (2, 2, "champion"), (3, 3, "champion"), (1, 4, "champion"), (4, 5, "champion"),
        (5, 6, None), (7, 7, None)]
    assert d.champions == (6, 2, 3, 1, 4)
    lines = {c.name: c for c in d.cut_lines}
    assert (lines["champion"].above, lines["champion"].below, lines["champion"].stage) == (6, 5, "public")
    assert (lines["winner"].above, lines["winner"].below, lines["winner"].stage) == (6, 2, "jury")


def test_a_champion_tie_the_chain_cannot_break_makes_six_champions():
    votes = {1: 100, 2: 90, 3: 80, 4: 70, 5: 60, 6: 60}
    rules = AwardRules("jury_among_champions", tie_chain=("public_votes",))
    d = decide_category("c", entries(6), rules, count=single(votes, 6), jury={1: 5.0}, seed=SEED)
    assert set(d.champions) == {1, 2, 3, 4, 5, 6}
    (tie,) = [t for t in d.ties if t.stage == "public"]
    assert tie.unresolved == ((5, 6),) and tie.cut_lines == ("champion",)
    assert d.winners == (1,)


def test_fewer_qualified_champions_move_the_cut_line_up():
    d = decide_category("c", entries(6), AwardRules("jury_among_champions"), count=single({1: 9, 2: 5, 3: 2}, 6),
                        jury={1: 1.0, 2: 2.0, 3: 3.0, 4: 10.0}, seed=SEED)
    assert d.champions == (3, 2, 1) and d.winners == (3,)  # 4 has the jury's best score but no vote
    (line,) = [c for c in d.cut_lines if c.name == "champion"]
    assert (line.place, line.above, line.stage) == (3, 3, "public") and line.below in (4, 5, 6)


def test_an_unbreakable_winner_tie_makes_joint_winners():
    d = decide_category("c", entries(3), AwardRules("public", tie_chain=("jury_score",)),
                        count=single({1: 4, 2: 4, 3: 1}, 3), jury=None, seed=SEED)
    assert d.winners == (1, 2) and [p.rank for p in d.ranking] == [1, 1, 3]
    (tie,) = d.ties
    assert tie.unresolved == ((1, 2),) and tie.cut_lines == ("winner",) and tie.decided_by == ()


def test_a_winner_tie_in_the_jury_stage_goes_to_public_votes_then_the_draw():
    votes = {1: 50, 2: 40, 3: 40}
    level = decide_category("c", entries(3), AwardRules("jury_among_champions", champions_per_category=3),
                            count=single(votes, 3), jury={1: 7.0, 2: 9.0, 3: 9.0}, seed=SEED)
    jury_tie = next(t for t in level.ties if t.stage == "jury")
    assert jury_tie.decided_by == ("earliest_submission",) and level.winners == (2,)  # 2 was submitted first
    assert jury_tie.cut_lines == ("winner",)


def test_jury_policy_scores_alone_and_unscored_entries_never_win():
    d = decide_category("c", entries(3), AwardRules("jury"), count=single({3: 100}, 3), jury={1: 4.0, 2: 6.5},
                        seed=SEED)
    assert [(p.entry_id, p.award) for p in d.ranking] == [(2, "winner"), (1, None), (3, None)]
    nobody = decide_category("c", entries(2), AwardRules("jury"), count=None, jury=None, seed=SEED)
    assert nobody.winners == () and all(p.public_votes is None for p in nobody.ranking)


def test_hybrid_normalises_both_sides_min_max():
    combined = hybrid_scores([1, 2, 3], {1: 100, 2: 50, 3: 0}, {1: 2.0, 2: 10.0, 3: 6.0}, 0.5)
    assert combined == pytest.approx({1: 0.5, 2: 0.75, 3: 0.25})
    d = decide_category("c", entries(3), AwardRules("hybrid", public_weight=0.5),
                        count=single({1: 100, 2: 50}, 3), jury={1: 2.0, 2: 10.0, 3: 6.0}, seed=SEED)
    assert [(p.entry_id, p.hybrid_score, p.award) for p in d.ranking] == [
        (2, 0.75, "winner"), (1, 0.5, None), (3, 0.25, None)]
    # an unscored entry gets 0 on the jury side; with weight 1 the jury does not count at all
    assert hybrid_scores([1, 2], {1: 3, 2: 1}, {2: 9.0}, 1.0) == {1: 1.0, 2: 0.0}
    assert hybrid_scores([1, 2], {1: 3, 2: 1}, {2: 9.0}, 0.0) == {1: 0.0, 2: 1.0}


def test_no_ballots_and_no_entries():
    d = decide_category("c", entries(3), AwardRules("jury_among_champions"), count=single({}, 3), jury=None,
                        seed=SEED)
    assert [p.public_votes for p in d.ranking] == [0, 0, 0]
    assert d.champions == () and d.winners == ()
    assert d.ties and d.ties[0].entries and sorted(d.ties[0].entries) == [1, 2, 3]  # the level field is reported
    empty = decide_category("c", [], AwardRules("hybrid"), count=single({}, 0), jury=None, seed=SEED)
    assert empty.ranking == () and empty.cut_lines == () and empty.ties == ()


def test_irv_elimination_ties_are_recorded():
    rules = AwardRules("public")
    traits = {e.id: ties.Traits(None, None, e.submitted_at) for e in entries(3)}
    tie_order = ties.total_order([1, 2, 3], rules.tie_chain, traits, seed=SEED, category="c")
    assert tie_order == [1, 2, 3]  # no jury scores: by submission time
    count = counting.irv([1, 2, 3], {(1, 2, 3): 4, (2, 3, 1): 3, (3, 1, 2): 3}, tie_order=tie_order)
    d = decide_category("c", entries(3), rules, count=count, jury=None, seed=SEED)
    (tie,) = d.ties
    assert tie.stage == "irv" and tie.round == 1 and tie.entries == (2, 3) and tie.place == 2
    assert tie.decided_by == ("earliest_submission",)  # jury_score is missing for both; 2 came first
    assert d.ranking[0].public_votes == count.scores[d.ranking[0].entry_id]


def test_bad_rules_are_refused():
    for bad in (dict(policy="popular"), dict(public_weight=1.5), dict(champions_per_category=0),
                dict(tie_chain=("dice",))):
        with pytest.raises(ValueError):
            AwardRules(**bad)
