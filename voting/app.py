"""The application factory: settings, extensions, blueprints, CLI. Nothing else."""

from __future__ import annotations

import hashlib
import secrets
import time
from pathlib import Path
from typing import Any, Mapping

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from werkzeug.middleware.proxy_fix import ProxyFix

from voting.config import Settings, database_uri, redis_uri
from voting.sessions import SessionInterface
from voting.extensions import (IDLE_PING_SECONDS, POOL_RECYCLE_SECONDS, babel, csrf, db, init_redis, limiter,
                               login_manager, migrate, ping)
from voting.redis_keys import LIMITER_PREFIX

ROOT = Path(__file__).resolve().parent.parent


def _settings(config: Settings | Mapping[str, Any] | None) -> tuple[Settings, dict[str, Any]]:
    """Settings from the environment, with lower-case keys of `config` overriding
    them; upper-case keys are raw Flask settings (TESTING, ...)."""
    if isinstance(config, Settings):
        config.check()  # built directly, it skipped from_env's checks: refuse what from_env refuses
        return config, {}
    config = dict(config or {})
    flask_keys = {k: config.pop(k) for k in list(config) if k.isupper()}
    return Settings.from_env(**config), flask_keys


def _secret_key(settings: Settings, instance: Path) -> str:
    if settings.secret_key:
        return settings.secret_key
    # Development only (production refuses to start without one): keep a random
    # key in the instance folder so the web server and worker agree across restarts.
    keyfile = instance / "secret_key"
    if not keyfile.exists():
        keyfile.write_text(secrets.token_urlsafe(48))
        keyfile.chmod(0o600)
    return keyfile.read_text().strip()


def _enable_sqlite_rules(app: Flask) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine: Engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()


def ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use only if it sat idle a while.

    A connection in steady use proves itself; pinging on every checkout (the
    pool's pre_ping) costs a round trip per request. One idle long enough to
    have been cut by a database restart or a firewall is pinged, and the pool
    replaces it if the ping fails.
    """
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn, record, _proxy):
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return
        try:
            ping(dbapi_conn)
        except Exception as exc:
            raise DisconnectionError() from exc  # the pool retries with a new connection


TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def available_locales() -> list[str]:
    """The languages we speak that have a compiled catalogue (scripts/setup-venv compiles them), and English,
    the source language, in the switcher's order."""
    from voting.i18n.domain import LANGUAGES, SOURCE

    found = {p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.mo")} | {SOURCE}
    return [locale for locale in LANGUAGES if locale in found]


def create_app(config: Settings | Mapping[str, Any] | None = None) -> Flask:
    settings, flask_overrides = _settings(config)
    instance = Path(settings.instance_path or ROOT / "instance")
    instance.mkdir(parents=True, exist_ok=True)
    app = Flask("voting", instance_path=str(instance), template_folder=str(ROOT / "templates"))

    app.config.update(
        VOTING=settings,
        SECRET_KEY=_secret_key(settings, instance),
        TESTING=settings.env == "testing",
        SQLALCHEMY_DATABASE_URI=database_uri(settings.database_url, str(instance)),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_recycle": POOL_RECYCLE_SECONDS},
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 64 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Secure over HTTPS, and in production whatever the base URL's spelling (only its waiver turns it off).
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        RATELIMIT_STORAGE_URI=redis_uri(settings.redis_url, str(instance)) or "memory://",
        RATELIMIT_STRATEGY="moving-window",
        RATELIMIT_KEY_PREFIX=LIMITER_PREFIX,
        RATELIMIT_SWALLOW_ERRORS=True,
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_STORAGE_OPTIONS={"socket_timeout": 2, "socket_connect_timeout": 2},
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS),
        MAIL_DIR=settings.mail_dir or str(instance / "mail"),
        UPLOAD_DIR=settings.upload_dir or str(instance / "uploads"),
    )
    app.session_interface = SessionInterface()
    app.json.sort_keys = False  # answers keep the field order of the API contract
    app.config.update(flask_overrides)

    _init_extensions(app, settings, instance)
    _register_blueprints(app)
    _register_cli(app)
    _install_wsgi(app, settings)
    return app


def _init_extensions(app: Flask, settings: Settings, instance: Path) -> None:
    from voting import auth, errors, templating
    from voting.accounts.passwords import EXTENSION, make_hasher
    from voting.api import csrf as api_csrf
    from voting.i18n import choice as locale_choice
    from voting.media import storage as media_storage
    from voting.media import transaction as media_transaction

    db.init_app(app)
    _enable_sqlite_rules(app)
    with app.app_context():
        ping_when_idle(db.engine)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    locales = available_locales()
    # ?lang=, its cookie, the account's language, Accept-Language, the default (voting/i18n/choice.py).
    babel.init_app(app, locale_selector=locale_choice.selector(locales, settings.default_locale))
    locale_choice.install(app)
    limiter.init_app(app)
    init_redis(app, redis_uri(settings.redis_url, str(instance)))
    media_storage.install(app)
    media_transaction.install()
    app.extensions[EXTENSION] = make_hasher(settings.password_time_cost, settings.password_memory_kib)
    auth.install(app)
    api_csrf.install(app)
    errors.register_error_handlers(app)
    templating.install(app, locales)

    @app.before_request
    def _json_size_limit():
        if request.is_json:
            request.max_content_length = settings.max_json_bytes


def _import_models() -> None:
    # Every model, so that the metadata (migrations, table cleanup) knows them all.
    from judging import models as _judging  # noqa: F401
    from voting.audit import models as _audit  # noqa: F401
    from voting.ballots import models as _ballots  # noqa: F401
    from voting.fraud import models as _fraud  # noqa: F401
    from voting.ledger import models as _ledger  # noqa: F401
    from voting.media import models as _media  # noqa: F401
    from voting.results import models as _results  # noqa: F401
    from voting.submissions.teams import models as _teams  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    _import_models()
    from judging.api import bp as judging_api
    from judging.blueprint import pages as judging_pages
    from judging.organiser_views import bp as judging_organiser_pages
    from judging.pairwise_api import bp as judging_pairwise_api
    from voting.ballots.api import bp as ballots_api
    from voting.ballots.views import bp as ballot_pages
    from voting.accounts.api import bp as accounts_api
    from voting.accounts.views import bp as accounts_pages
    from voting.api.openapi import bp as openapi_bp
    from voting.contests.api import bp as contests_api
    from voting.contests.api import media
    from voting.contests.views import bp as contest_pages
    from voting.fraud.api import bp as fraud_api
    from voting.health import bp as health_bp
    from voting.ledger.api import bp as ledger_api
    from voting.ledger.export_api import bp as ledger_export_api
    from voting.results.api import bp as results_api
    from voting.results.export_api import bp as results_exports
    from voting.results.views import bp as results_pages
    from voting.organiser.blueprint import pages as organiser_pages
    from voting.submissions.api import bp as submissions_api
    from voting.submissions.teams.api import bp as teams_api
    from voting.submissions.teams.views import bp as team_pages
    from voting.submissions.views import bp as submission_pages

    for blueprint in (accounts_api, contests_api, ballots_api, fraud_api, ledger_api, ledger_export_api, results_api,
                      results_exports, judging_api, judging_pairwise_api, submissions_api, teams_api, health_bp,
                      openapi_bp):
        csrf.exempt(blueprint)  # the API has its own CSRF rule (voting.api.csrf)
        app.register_blueprint(blueprint)
    for blueprint in (media, accounts_pages, contest_pages, ballot_pages, organiser_pages(), judging_pages(),
                      judging_organiser_pages, results_pages, submission_pages, team_pages):
        app.register_blueprint(blueprint)


def _install_wsgi(app: Flask, settings: Settings) -> None:
    """What stands around Flask, from the inside out: the security headers,
    the ballot route (which adds the same headers to its own answers), ProxyFix."""
    # After the blueprints: every model is known, so the intake's statements compile with every column's type.
    from voting import security_headers
    from voting.ballots import backends as intake_backends
    from voting.ballots import route as ballot_route

    security_headers.install(app)
    intake_backends.install(app)
    if settings.ballot_route:
        ballot_route.install(app)
    if settings.trusted_proxies:  # outermost: the ballot route sees the client's address too
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies)


def _register_cli(app: Flask) -> None:
    from voting import cli

    cli.register(app)
