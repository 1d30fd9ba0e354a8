"""The jury's round of a jury_among_champions contest takes the tally's own
champions: counted by the contest's method (IRV's order, not first
preferences), and with everyone tied across the cut, an IRV elimination tie
included, so the tally's tie chain (jury score first) has the jury's scores
for all of them."""

from __future__ import annotations

from judging.champions import champions
from tests.support.results import add_ballots, close_voting
from tests.support.voting import open_contest
from voting.contests.services import get_contest


def test_irv_champions_follow_transfers_and_keep_elimination_ties(app):
    slug, ids = open_contest(app, method="ranked", ranked_method="irv", entries_per_category=4,
                             awards={"policy": "jury_among_champions", "champions_per_category": 2})
    a, b, c, d = ids["c1"]
    # First preferences: a 4, b 3, c 2, d 0; c's ballots go to b, who then passes a.
    add_ballots(app, slug, "c1", [a], 4)
    add_ballots(app, slug, "c1", [b], 3)
    add_ballots(app, slug, "c1", [c, b], 2)
    # c2: two entries level on 3 each, one champion: IRV must eliminate one by a tie-break.
    e, f, _, _ = ids["c2"]
    add_ballots(app, slug, "c2", [e], 3)
    add_ballots(app, slug, "c2", [f], 3)
    close_voting(app, slug)
    with app.app_context():
        contest = get_contest(slug)
        contest.settings = {**contest.settings, "awards": {**contest.settings["awards"], "champions_per_category": 2}}
        chosen, ties = champions(contest)
    assert chosen["c1"] == [b, a]  # b wins after transfers; first preferences alone would put a first
    assert sorted(chosen["c2"]) == sorted([e, f]) and "c2" not in ties  # two places, two entries: no tie

    with app.app_context():
        contest = get_contest(slug)
        contest.settings = {**contest.settings, "awards": {**contest.settings["awards"], "champions_per_category": 1}}
        chosen, ties = champions(contest)
    assert sorted(chosen["c2"]) == sorted([e, f]) and "c2" in ties  # the elimination tie goes to the jury whole
    assert chosen["c1"] == [b]
