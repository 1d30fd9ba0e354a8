"""Which categories of a contest a voter has used up. Read-only.

It answers when each ballot was cast and nothing else: pages that list a
voter's categories must never show (or even load) what the ballot chose.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from voting.ballots.models import Ballot
from voting.extensions import db


def cast_times(contest_id: int, voter_id: int) -> dict[int, datetime]:
    """{category id: when the voter's ballot in it was cast}."""
    rows = db.session.execute(select(Ballot.category_id, Ballot.cast_at)
                              .where(Ballot.contest_id == contest_id, Ballot.voter_id == voter_id))
    return {category_id: cast_at for category_id, cast_at in rows}
