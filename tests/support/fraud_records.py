"""The fraud rules' records built the plain way, through the ORM, one ballot at
a time: what `voting.fraud.loading.load_ballots` must agree with (it reads the
same in bounded memory, for a million ballots, into columns). Also
`bench/sweep.py --orm`'s baseline."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from voting.accounts.domain import email_domain
from voting.accounts.models import User
from voting.ballots.domain import selection
from voting.ballots.models import Ballot
from voting.extensions import db
from voting.fraud.domain.records import CLIENT_FLAGS, BallotRecord


def orm_records(contest_id: int) -> list[BallotRecord]:
    rows = db.session.execute(
        select(Ballot, User.created_at, User.email_normalised, User.country)
        .join(User, User.id == Ballot.voter_id).where(Ballot.contest_id == contest_id).order_by(Ballot.id)
        .execution_options(yield_per=5000))
    return [BallotRecord(
        id=b.id, category_id=b.category_id, entries=tuple(sorted(selection.increments(b.method, b.selection))),
        voter_id=b.voter_id, voter_created_at=created, voter_email_domain=email_domain(email),
        voter_country=country, ip=b.client_ip, prefix=b.ip_prefix, device_id=b.device_id,
        user_agent_hash=b.user_agent_hash, cast_at=b.cast_at, status=b.status, flags=tuple(b.flags or ()),
        page_seconds=None if b.page_ms is None else b.page_ms / 1000)
        for b, created, email, country in rows]


def as_rules_read(record: BallotRecord) -> BallotRecord:
    """What the rules read of a record: no address, no status, the client
    flags only (in their own order), each entry once. The loader reads no more."""
    return replace(record, ip="", status="counted", flags=tuple(f for f in CLIENT_FLAGS if f in record.flags),
                   entries=tuple(sorted(set(record.entries))))
