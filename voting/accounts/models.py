from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
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
    # The language the person reads (a voting.i18n.domain.LANGUAGES id): set at registration from the
    # page's language, changed on the account page; pages and mails use it. None: the page's own choice.
    locale: Mapped[str | None] = mapped_column(String(16))
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
        """A grant of exactly this scope: `contest_id` None asks for a global
        grant, never "any contest" (judge and organiser checks name theirs)."""
        return any(r.role == role and r.contest_id == contest_id for r in self.roles)

    @property
    def is_admin(self) -> bool:
        return self.has_role("admin")

    @property
    def can_create_contests(self) -> bool:
        return self.is_admin or self.has_role("organiser")

    def manages(self, contest_id: int) -> bool:
        """One of that contest's organisers, or an admin."""
        return self.is_admin or self.has_role("organiser", contest_id)

    @property
    def managed_contest_ids(self) -> set[int]:
        return {r.contest_id for r in self.roles if r.role == "organiser" and r.contest_id is not None}

    @property
    def is_judge(self) -> bool:
        """Judges some contest (the navigation shows the judging list)."""
        return any(r.role == "judge" for r in self.roles)

    @property
    def is_organiser(self) -> bool:
        """Has organiser pages to see: may create contests, or manages one."""
        return self.can_create_contests or bool(self.managed_contest_ids)


class UserRole(db.Model):
    """A role, global (contest_id NULL: admin, or organiser who may create
    contests) or for one contest (organiser of it, judge of it)."""

    __tablename__ = "user_roles"
    # A grant exists once. SQL never finds two NULLs equal, so the unique constraint alone would let a global
    # role (contest_id NULL) be granted twice: the partial index covers that case.
    __table_args__ = (UniqueConstraint("user_id", "role", "contest_id"),
                      Index("uq_user_roles_global", "user_id", "role", unique=True,
                            sqlite_where=text("contest_id IS NULL"), postgresql_where=text("contest_id IS NULL")))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    contest_id: Mapped[int | None] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A contest's organiser or judge invited by one of its organisers: when (NULL for a grant made directly,
    # by creating the contest or from the command line), and when the invitee first signed in after it
    # (voting.contests.organisers.accept_invitations). Who invited is in the contest's audit log.
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="roles")
