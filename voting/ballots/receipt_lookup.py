"""Looking up a receipt: readable by anyone who holds the code."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StrictStr, StringConstraints
from sqlalchemy import select

from voting.ballots.domain import receipts
from voting.ballots.models import Ballot
from voting.contests.domain import phases
from voting.contests.models import Category, Contest
from voting.errors import not_found
from voting.extensions import db
from voting.ledger import publish


class LookupBody(BaseModel):
    """`POST /api/v1/receipts/lookup`: the code in the body, where no access log sees it."""
    model_config = ConfigDict(extra="forbid")
    receipt: Annotated[StrictStr, StringConstraints(max_length=200)]


def lookup(code: str, now: datetime) -> dict:
    if not code or len(code) > 64:
        raise not_found("receipt")
    ballot = db.session.scalar(select(Ballot).where(Ballot.receipt_hash == receipts.code_hash(code)))
    if ballot is None:
        raise not_found("receipt")
    contest = db.session.get(Contest, ballot.contest_id)
    category = db.session.get(Category, ballot.category_id)
    voting_open = phases.is_open(contest.windows(), "voting", now)
    return {"receipt": code.strip().upper(), "contest": contest.slug, "category": category.slug,
            "cast_at": ballot.cast_at.isoformat(), "status": receipts.public_status(ballot.status, voting_open),
            "ledger": publish.receipt_ledger(ballot, contest, now)}
