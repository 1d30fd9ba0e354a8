"""The counted ballots as a count reads them: per category, grouped by what
they say; and the approved entries that stand. Read by the tally
(voting/results/tally.py) and by the jury's champions round
(judging/champions.py), so both count the same ballots the same way.

Only `counted` ballots, from SQL, never the live counters. The grouping is
done by the database (GROUP BY the stored selection's text), so a category of
a million single-choice ballots arrives as a few hundred rows, one per entry
chosen, each with its number of ballots; ranked ballots arrive one row per
distinct ordering. Rows whose text differs but whose ballots mean the same
(key order in a score ballot, say) merge when parsed (`counting.ballot_key`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import String, cast, func, select

from voting.ballots.models import Ballot
from voting.contests.models import Contest, Entry
from voting.extensions import db
from voting.results.domain import counting



@dataclass
class Votes:
    """One category's counted ballots: distinct ballots (by `ballot_key`) and how many cast each."""
    ballots: int = 0
    kinds: dict[tuple, int] = field(default_factory=dict)


def counted_votes(contest: Contest, method: str) -> dict[int, Votes]:
    """category id → its counted ballots, grouped."""
    text = cast(Ballot.selection, String)
    # Not streamed: the rows are grouped already, and a server-side cursor (yield_per)
    # makes PostgreSQL plan for the first rows and never in parallel (an index scan and
    # a sort, ten times slower than a hash aggregate over 1.3 million ballots).
    rows = db.session.execute(
        select(Ballot.category_id, text, func.count())
        .where(Ballot.contest_id == contest.id, Ballot.status == "counted")
        .group_by(Ballot.category_id, text))
    found: dict[int, Votes] = defaultdict(Votes)
    for category_id, selection, n in rows:
        votes = found[category_id]
        key = counting.ballot_key(method, json.loads(selection))
        votes.kinds[key] = votes.kinds.get(key, 0) + int(n)
        votes.ballots += int(n)
    return found


def standing_entries(contest: Contest) -> dict[int, list[Entry]]:
    """category id → its approved entries, by id (the order ties fall back on)."""
    found: dict[int, list[Entry]] = defaultdict(list)
    for entry in db.session.scalars(select(Entry).where(Entry.contest_id == contest.id, Entry.status == "approved")
                                    .order_by(Entry.id)):
        found[entry.category_id].append(entry)
    return found
