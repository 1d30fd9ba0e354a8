"""Teams, their members and the invitations that bring members in.

A team belongs to one contest and a participant is in at most one team of a
contest (`team_members` is unique over contest and account; the contest is
copied onto the membership so the database itself keeps the rule, even under
two concurrent joins). Invitations keep only a hash of their token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voting.accounts.models import User
from voting.contests.models import Contest
from voting.extensions import db
from voting.types import UTCDateTime, utcnow


class Team(db.Model):
    __tablename__ = "teams"
    # Names are unique per contest as people read them: case, width and spacing aside (domain.name_key).
    __table_args__ = (UniqueConstraint("contest_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(300))  # NFKC and case folding may lengthen a name
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    contest: Mapped[Contest] = relationship()
    # In the order they joined: the creator first.
    members: Mapped[list[TeamMember]] = relationship(
        back_populates="team", order_by="TeamMember.id", cascade="all, delete-orphan", lazy="selectin")

    def has_member(self, user_id: int) -> bool:
        return any(m.user_id == user_id for m in self.members)


class TeamMember(db.Model):
    __tablename__ = "team_members"
    # (team, user) once; (contest, user) once: one team per participant per contest.
    __table_args__ = (UniqueConstraint("team_id", "user_id"), UniqueConstraint("contest_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    team: Mapped[Team] = relationship(back_populates="members")
    user: Mapped[User] = relationship(lazy="joined")


class TeamInvitation(db.Model):
    """One mailed link: single use, expiring, for one address (normalised as
    accounts are, so the invitee's account is found whatever its spelling)."""

    __tablename__ = "team_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    email_normalised: Mapped[str] = mapped_column(String(320))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    team: Mapped[Team] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])
