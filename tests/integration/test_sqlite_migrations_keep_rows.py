"""On SQLite, a migration that alters `entries` rebuilds the table (Alembic's
batch mode: copy, drop, rename). With foreign keys enforced, the drop would
delete through ON DELETE CASCADE every row that points at an entry; the
migrations run with them off and check them afterwards, so nothing is lost."""

from __future__ import annotations

from datetime import datetime

from flask_migrate import upgrade
from sqlalchemy import text

from voting.extensions import db

NOW = datetime(2021, 3, 1, 12, 0, 0)


def test_rows_that_point_at_entries_survive_the_entries_migrations(make_app, tmp_path):
    app = make_app(database_url=f"sqlite:///{tmp_path / 'keep.sqlite3'}")
    with app.app_context():
        upgrade(revision="0008_media")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO users (id, email, email_normalised, password_hash, display_name, "
                              "created_at, session_version) VALUES (1, 'a@x.org', 'a@x.org', '-', 'A', :t, 1)"),
                         {"t": NOW})
            conn.execute(text("INSERT INTO contests (id, slug, title, kind, description, settings, created_at, "
                              "updated_at) VALUES (1, 'c', 'C', 'hackathon', '', '{}', :t, :t)"), {"t": NOW})
            conn.execute(text("INSERT INTO categories (id, contest_id, slug, title, description, position) "
                              "VALUES (1, 1, 'a', 'A', '', 0)"))
            conn.execute(text("INSERT INTO entries (id, contest_id, category_id, title, summary, team, organisation, "
                              "country, status, created_at) VALUES (1, 1, 1, 'E', '', '', '', '', 'approved', :t)"),
                         {"t": NOW})
            conn.execute(text("INSERT INTO judging_conflicts (contest_id, judge_id, entry_id, source, reason, "
                              "created_at) VALUES (1, 1, 1, 'declared', 'mine', :t)"), {"t": NOW})
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM judging_conflicts")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM entries")).scalar() == 1
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1  # on again for the app
        db.session.remove()
        db.engine.dispose()
