"""Revision 0006: a role is granted once (global roles too, where SQL finds
no two NULLs equal), and a voided sheet's changes outlive it. The migration
is run on its own database (a SQLite file, or a PostgreSQL schema of the
suite's database) with rows written as revision 0005 had them."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from voting.accounts import services as accounts
from voting.accounts.models import User, UserRole
from voting.extensions import db

SCHEMA = "migration_0006_check"


def test_a_role_is_granted_once(app, make):
    make.user("ada@example.org")
    contest = make.contest(slug="roles-once")
    with app.app_context():
        user = accounts.find_by_email("ada@example.org")
        assert accounts.grant_role(user, "admin") and not accounts.grant_role(user, "admin")
        assert accounts.grant_role(user, "judge", contest.id) and not accounts.grant_role(user, "judge", contest.id)
        db.session.commit()
        user_id = user.id
        db.session.remove()
    for contest_id in (None, contest.id):  # a global role and a contest's, written past grant_role
        with app.app_context():
            db.session.add(UserRole(user_id=user_id, role="admin" if contest_id is None else "judge",
                                    contest_id=contest_id))
            with pytest.raises(IntegrityError):
                db.session.commit()
            db.session.rollback()
            db.session.remove()
    with app.app_context():
        db.session.add(UserRole(user_id=user_id, role="organiser", contest_id=None))  # another role: fine
        db.session.commit()
        roles = sorted((r.role, r.contest_id) for r in db.session.get(User, user_id).roles)
        db.session.remove()
    assert roles == [("admin", None), ("judge", contest.id), ("organiser", None)]


@pytest.fixture
def scratch(make_app, database_url, tmp_path):
    """An app on an empty database of its own, at no revision yet."""
    postgres = database_url.startswith("postgresql")
    url = f"{database_url}?options=-csearch_path%3D{SCHEMA}" if postgres else f"sqlite:///{tmp_path / 'm.sqlite3'}"
    if postgres:
        assert "?" not in database_url
        _schema(make_app(), f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}")
    built = make_app(database_url=url)
    yield built
    with built.app_context():
        db.session.remove()
        db.engine.dispose()
    if postgres:
        _schema(make_app(), f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


def _schema(app, sql: str) -> None:
    with app.app_context():
        with db.engine.begin() as conn:
            for statement in sql.split(";"):
                conn.execute(text(statement))
        db.engine.dispose()


ROWS_0005 = [
    "INSERT INTO users (id, email, email_normalised, display_name, created_at, session_version) VALUES "
    "(1, 'ann@example.org', 'ann@example.org', 'Ann', :t, 1), (2, 'boss@example.org', 'boss@example.org', 'B', :t, 1)",
    "INSERT INTO contests (id, slug, title, kind, description, settings, created_at, updated_at) VALUES "
    "(1, 'c', 'C', 'hackathon', '', '{}', :t, :t)",
    "INSERT INTO categories (id, contest_id, slug, title, description, position) VALUES (1, 1, 'c1', 'C1', '', 0)",
    "INSERT INTO entries (id, contest_id, category_id, title, summary, team, organisation, country, status, "
    "created_at) VALUES (1, 1, 1, 'Walk', '', '', '', '', 'approved', :t)",
    "INSERT INTO judging_rounds (id, contest_id, number, mode, criteria, judges_per_entry, seed, shortlisted, "
    "created_at) VALUES (1, 1, 1, 'rubric', '[]', 1, 7, FALSE, :t)",
    "INSERT INTO judging_assignments (id, round_id, judge_id, entry_id, created_at) VALUES (1, 1, 1, 1, :t)",
    "INSERT INTO judging_sheets (id, assignment_id, scores, comment, comment_to_entrant, status, updated_at) "
    "VALUES (1, 1, '{}', '', FALSE, 'draft', :t)",
    "INSERT INTO judging_sheet_changes (id, sheet_id, actor_id, action, before, after, at) VALUES "
    "(1, 1, 1, 'saved', NULL, '{}', :t), (2, 1, 2, 'reopened', '{}', '{}', :t)",
    "INSERT INTO user_roles (id, user_id, role, contest_id, created_at) VALUES (1, 1, 'admin', NULL, :t), "
    "(2, 1, 'admin', NULL, :t), (3, 1, 'judge', 1, :t), (4, 1, 'judge', 1, :t), (5, 2, 'organiser', 1, :t), "
    "(6, 2, 'organiser', NULL, :t), (7, 1, 'judge', NULL, :t)",
]


def _rows(sql: str) -> list[tuple]:
    return [tuple(r) for r in db.session.execute(text(sql))]


def test_0006_keeps_the_history_it_finds_and_drops_duplicate_grants(scratch):
    with scratch.app_context():
        upgrade(revision="0005_judging")
        for statement in ROWS_0005:
            db.session.execute(text(statement), {"t": datetime(2026, 1, 1)})
        db.session.commit()
        upgrade(revision="0006_judging_history")
        assert _rows("SELECT id, sheet_id, round_id, judge_id, entry_id FROM judging_sheet_changes ORDER BY id") == [
            (1, 1, 1, 1, 1), (2, 1, 1, 1, 1)]  # filled in from the sheet's assignment
        assert _rows("SELECT id FROM user_roles ORDER BY id") == [(1,), (3,), (5,), (6,), (7,)]  # the oldest kept
        with pytest.raises(IntegrityError):
            db.session.execute(text("INSERT INTO user_roles (user_id, role, contest_id, created_at) "
                                    "VALUES (1, 'admin', NULL, :t)"), {"t": datetime(2026, 1, 2)})
        db.session.rollback()
        # The sheet goes: its changes stay, detached (the foreign key now sets NULL).
        db.session.execute(text("DELETE FROM judging_sheets"))
        db.session.commit()
        assert _rows("SELECT sheet_id, entry_id FROM judging_sheet_changes") == [(None, 1), (None, 1)]
        names = {i["name"] for i in inspect(db.engine).get_indexes("user_roles")}
        assert "uq_user_roles_global" in names and "ix_user_roles_user_role" not in names
        db.session.commit()  # the migration's connection waits for no lock of this session's

        downgrade(revision="0005_judging")
        assert _rows("SELECT COUNT(*) FROM judging_sheet_changes") == [(0,)]  # no place for detached history
        names = {i["name"] for i in inspect(db.engine).get_indexes("user_roles")}
        assert "ix_user_roles_user_role" in names and "uq_user_roles_global" not in names
        db.session.remove()
