"""The public vote's champions, for contests whose jury picks the winners among
them (`awards.policy = jury_among_champions`, the WSIS Prizes): per category,
the `champions_per_category` entries first in the public count.

The count is the tally's own: the same counted ballots, grouped the same way
(voting/ballots/counted.py), counted by the contest's method with the same
rules (voting/results/domain/counting.py: votes, stars, or the ranked method's
full order, not first preferences). A tie at the cut is not broken here:
every entry level with the last champion joins the jury's round, and the
answer names the category, so the jury scores them all. The results then
break it by the contest's tie chain, whose first rule is by default the
jury's score; nobody is dropped before the jury has seen them.
"""

from __future__ import annotations

from voting.ballots.counted import Votes, counted_votes, standing_entries
from voting.contests.models import Contest
from voting.results.domain import counting


def champions(contest: Contest) -> tuple[dict[str, list[int]], list[str]]:
    """(category slug → its champions, best first; the categories whose cut
    fell inside a tie). Approved entries only; an entry no counted ballot
    supports is no champion."""
    voting = contest.settings["voting"]
    method = voting.get("ranked_method", "irv") if voting["method"] == "ranked" else voting["method"]
    per_category = contest.settings["awards"]["champions_per_category"]
    votes = counted_votes(contest, method)
    standing = standing_entries(contest)
    chosen: dict[str, list[int]] = {}
    ties: list[str] = []
    for category in contest.categories:
        found = votes.get(category.id, Votes())
        ids = [e.id for e in standing.get(category.id, [])]
        if method in counting.RANKED:
            count = counting.count(method, ids, profile=found.kinds)
        else:
            totals: dict[int, int] = {}
            for key, n in found.kinds.items():
                for entry, amount in counting.key_increments(method, key).items():
                    totals[entry] = totals.get(entry, 0) + amount * n
            count = counting.marks(method, ids, totals, found.ballots)
        picked: list[int] = []
        for group in count.order:
            group = [e for e in group if e in count.supported]
            if len(picked) >= per_category or not group:
                break
            if len(picked) + len(group) > per_category:
                ties.append(category.slug)
            picked += sorted(group)
        # IRV breaks an elimination tie to go on counting, so its order is strict; the
        # tally breaks it by the contest's chain, which may start with the jury's score.
        # Everyone in such a tie across the cut goes to the jury, as any other tie would.
        inside = set(picked)
        for tie in count.detail.get("ties", []):
            tied = set(tie["tied"]) & count.supported
            if tied & inside and tied - inside:
                picked += sorted(tied - inside)
                inside |= tied
                if category.slug not in ties:
                    ties.append(category.slug)
        chosen[category.slug] = picked
    return chosen, ties
