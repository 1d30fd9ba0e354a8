from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voting.extensions import db
from voting.types import UTCDateTime, utcnow


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    email_normalised: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(120))
    country: Mapped[str | None] = mapped_column(String(2))
    organisation: Mapped[str | None] = mapped_column(String(200))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Bumped on password change and logout-everywhere so old sessions and reset links die.
    session_version: Mapped[int] = mapped_column(default=1)

    # Loaded when asked for: most requests (ballots among them) never look at roles.
    roles: Mapped[list[UserRole]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def verified(self) -> bool:
        return self.verified_at is not None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def has_role(self, role: str, contest_id: int | None = None) -> bool:
        return any(r.role == role and (contest_id is None or r.contest_id == contest_id)
                   for r in self.roles)

    @property
    def is_organiser(self) -> bool:
        return any(r.role == "organiser" for r in self.roles)


class UserRole(db.Model):
    """organiser is global (contest_id NULL); judge is per contest."""

    __tablename__ = "user_roles"
    __table_args__ = (Index("ix_user_roles_user_role", "user_id", "role", "contest_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    contest_id: Mapped[int | None] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles")
