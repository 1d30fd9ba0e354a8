"""The changes docs/benchmarks.md ("Tally") suggests, as monkeypatches, so
that `bench/tally.py --patch bench/tally_fixes.py --unsealed-index` measures
them without editing voting/ (the partial index is the third change: the
bench creates it in its own database and drops it afterwards). Each gives the
same snapshot hash as the code without it. Delete this file once the changes
are in the code.

1. `counted.counted_votes` without `yield_per`: the grouped result is small
   (one row per distinct ballot), and through a server-side cursor PostgreSQL
   plans for the first 10 % of the rows (cursor_tuple_fraction) and never in
   parallel: an index scan over (contest, category, voter) and a sort,
   instead of a parallel hash aggregate.
2. `snapshot.normalise` checks the exact built-in types first (str, int,
   bool, None; lists of ints; dicts with string keys) before the ABC
   isinstance checks, which cost about a microsecond each: a snapshot of
   ranked or score ballots holds millions of values, and is normalised three
   times (each ballot type, the whole inputs, then again for the hash).
"""

import json
from collections import defaultdict

from sqlalchemy import String, cast, func, select

from voting.ballots import counted
from voting.ballots.models import Ballot
from voting.extensions import db
from voting.results.domain import counting, snapshot


def counted_votes(contest, method):
    text = cast(Ballot.selection, String)
    rows = db.session.execute(
        select(Ballot.category_id, text, func.count())
        .where(Ballot.contest_id == contest.id, Ballot.status == "counted")
        .group_by(Ballot.category_id, text))
    found = defaultdict(counted.Votes)
    for category_id, selection, n in rows:
        votes = found[category_id]
        key = counting.ballot_key(method, json.loads(selection))
        votes.kinds[key] = votes.kinds.get(key, 0) + int(n)
        votes.ballots += int(n)
    return found


_general = snapshot.normalise


def normalise(value):
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is list or kind is tuple:
        for v in value:
            if type(v) is not int:
                return [normalise(v) for v in value]
        return list(value)
    if kind is dict:
        for k in value:
            if type(k) is not str:
                return _general(value)  # int keys become strings there, and a clash is refused
        return {k: normalise(v) for k, v in value.items()}
    return _general(value)  # floats, numpy, Decimal, other Mappings, to_json: as before


counted.counted_votes = counted_votes
snapshot.normalise = normalise  # _general's recursion looks `normalise` up in the module: the fast one
