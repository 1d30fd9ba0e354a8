"""What the intake uses of its app, gathered once per app.

A ballot reaches its database engine, Redis scripts, keys and settings
through this one object instead of Flask's context, so the ballot route can
serve a ballot without pushing one (`ballots/route.py`), and the intake's
service says what it depends on. Gathering connects to nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis
from flask import Flask, current_app
from itsdangerous import URLSafeSerializer
from sqlalchemy.engine import Engine

from voting import redis_keys as keys
from voting.ballots import contest_view, store
from voting.config import Settings
from voting.contests import events
from voting.extensions import REDIS_EXTENSION, RedisNotConfigured, db

EXTENSION = "voting_intake_backends"


@dataclass(frozen=True)
class Scripts:
    """The intake's Lua scripts, registered with the app's Redis client
    (registering sends nothing; the SHA is kept and the script loaded when
    Redis lacks it)."""
    gate: redis.commands.core.Script
    apply: redis.commands.core.Script


@dataclass(frozen=True)
class Backends:
    app: Flask
    settings: Settings
    pow_key: bytes
    render_serializer: URLSafeSerializer
    engine: Engine
    statements: store.Statements
    redis_client: redis.Redis | None
    _scripts: Scripts | None

    @property
    def scripts(self) -> Scripts:
        if self._scripts is None:
            raise RedisNotConfigured("no Redis URL is configured; set VOTING_REDIS_URL or start the app with "
                                     "the run command")
        return self._scripts


def install(app: Flask) -> Backends:
    """Called by the app factory once the database and Redis are set up."""
    events.contest_changed.connect(_forget_view)  # contests cannot import this layer to say so
    secret = app.config["SECRET_KEY"]
    client = app.extensions.get(REDIS_EXTENSION)
    with app.app_context():
        engine = db.engine
    scripts = (Scripts(client.register_script(keys.GATE_SCRIPT), client.register_script(keys.APPLY_SCRIPT))
               if client is not None else None)
    found = app.extensions[EXTENSION] = Backends(
        app=app, settings=app.config["VOTING"], pow_key=("voting.pow:" + secret).encode(),
        render_serializer=URLSafeSerializer(secret, salt="voting.rendered"), engine=engine,
        statements=store.compile_all(engine), redis_client=client, _scripts=scripts)
    return found


def _forget_view(slug: str | None, **_extra) -> None:
    """A contest, its categories or its entries changed: this process's intake view of it is stale."""
    contest_view.forget(slug)


def of(app: Flask) -> Backends:
    return app.extensions[EXTENSION]


def current() -> Backends:
    return current_app.extensions[EXTENSION]
