"""The audit log: every decision, appended, never changed.

`append` adds an entry inside the caller's transaction (the caller commits),
so a decision and its record are committed together or not at all."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from voting.accounts.models import User
from voting.audit.domain import chain
from voting.audit.models import AuditEntry
from voting.contests.models import Contest
from voting.extensions import db


def _fields(entry: AuditEntry) -> dict[str, Any]:
    return {"seq": entry.seq, "actor": entry.actor, "action": entry.action, "subject": entry.subject,
            "details": entry.details, "created_at": entry.created_at.isoformat()}


def append(contest: Contest, actor: User | None, action: str, subject: str, details: dict[str, Any],
           now: datetime) -> AuditEntry:
    # Serialise appends per contest: the row lock on PostgreSQL; SQLite takes
    # one writer at a time anyway. The unique (contest, seq) is the backstop.
    contest.lock()
    last = db.session.scalar(select(AuditEntry).where(AuditEntry.contest_id == contest.id)
                             .order_by(AuditEntry.seq.desc()).limit(1))
    prev_hash = last.hash if last else chain.genesis(contest.slug)
    entry = AuditEntry(contest_id=contest.id, seq=(last.seq + 1) if last else 1,
                       actor_id=actor.id if actor else None,
                       actor=f"{actor.display_name} <{actor.email}>" if actor else "system",
                       action=action, subject=subject, details=details, created_at=now.replace(microsecond=0),
                       prev_hash=prev_hash, hash="")
    entry.hash = chain.entry_hash(prev_hash, _fields(entry))
    db.session.add(entry)
    db.session.flush()
    return entry


def entries(contest: Contest) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.contest_id == contest.id)
                                   .order_by(AuditEntry.seq)))


def serialise(entry: AuditEntry) -> dict[str, Any]:
    return {**_fields(entry), "prev_hash": entry.prev_hash, "hash": entry.hash}


def verify(contest: Contest) -> list[str]:
    return chain.problems(contest.slug, ((_fields(e), e.prev_hash, e.hash) for e in entries(contest)))
