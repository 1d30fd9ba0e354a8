"""Extension objects, created unbound; `create_app` binds them. Nothing connects here."""

from __future__ import annotations

from pathlib import Path

import redis
from flask import Flask, current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from voting.netutil import client_ip

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# expire_on_commit off: a request reads what it just wrote without a second round trip.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=client_ip)

# Pooled database connections are recycled after an hour, and pinged before
# use only once they sat idle this long (`app.ping_when_idle`, and the
# connections the intake keeps, `ballots/store.py`).
POOL_RECYCLE_SECONDS = 3600
IDLE_PING_SECONDS = 10


def ping(dbapi_conn) -> None:
    """One round trip on a DBAPI connection; raises if it is broken."""
    cursor = dbapi_conn.cursor()
    cursor.execute("SELECT 1")
    cursor.close()
    dbapi_conn.rollback()


REDIS_EXTENSION = "voting_redis"


def init_redis(app: Flask, url: str) -> None:
    # from_url builds a pool; the first command opens the first connection.
    app.extensions[REDIS_EXTENSION] = (
        redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=30)
        if url
        else None
    )


class RedisNotConfigured(RuntimeError):
    pass


def get_redis() -> redis.Redis:
    client = current_app.extensions.get(REDIS_EXTENSION)
    if client is None:
        raise RedisNotConfigured("no Redis URL is configured; set VOTING_REDIS_URL or start the app with the run command")
    return client
