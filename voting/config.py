"""Typed settings read from VOTING_* environment variables.

Bad values fail at start-up with a message naming the variable, rather than
surfacing later as odd behaviour.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

PREFIX = "VOTING_"


class ConfigError(ValueError):
    pass


def _to_bool(name: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{PREFIX}{name} must be a boolean, got {raw!r}")


def _to_int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{PREFIX}{name} must be an integer, got {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    """Every setting the app reads. Field names map to VOTING_<NAME>."""

    secret_key: str = ""
    env: str = "production"  # production | development | testing
    database_url: str = ""  # empty: SQLite file in the instance folder
    redis_url: str = ""  # empty: the embedded Valkey that the run command started
    mail_backend: str = "file"  # file | smtp
    mail_dir: str = ""  # empty: <instance>/mail
    mail_from: str = "Voting <no-reply@localhost>"
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    base_url: str = "http://localhost:5000"  # the address browsers use; https:// in production
    allow_insecure_http: bool = False  # production over plain HTTP on purpose (docs/deploy.md); cookies lose Secure
    trusted_proxies: int = 0
    upload_dir: str = ""  # empty: <instance>/uploads (the local media storage's folder)
    max_json_bytes: int = 1024 * 1024
    max_upload_bytes: int = 25_000_000  # the server's ceiling; a contest's submissions.max_bytes may be lower
    media_storage: str = "local"  # local (the upload folder) | s3 (an S3-compatible store: the s3_* settings)
    s3_bucket: str = ""
    s3_endpoint_url: str = ""  # empty: AWS itself; else the address of MinIO, Ceph, Garage, R2...
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""  # empty (with the secret): boto3's own credential chain (env, instance role)
    s3_secret_access_key: str = ""
    s3_prefix: str = ""  # put before every key, to share a bucket (e.g. "voting/")
    login_limit_ip: str = "20/minute;200/hour"
    login_limit_account: str = "5/minute;30/hour"
    # Registrations from one address (IPv4 address, IPv6 /64): a room of people behind one address (a class,
    # a conference session on the venue's Wi-Fi, a campus behind one NAT) must get in, and a farm be slowed,
    # not the other way round (docs/intake.md, "Addresses: slowed, not refused"). The first
    # REGISTER_FREE_PER_HOUR accounts an hour from an address need nothing more than the form (a class of 30);
    # beyond, each needs a proof of work of REGISTER_POW_BITS (about 65,000 hashes: under a second in a
    # browser), one bit (twice the work) more at each doubling of the hour's accounts, at most six more;
    # 0 bits turns the proof off. The hard limit only stops a flood: 500 an hour is a whole conference hall
    # registering within the hour on one address. Every request to register counts against it.
    register_limit_ip: str = "500/hour"
    register_free_per_hour: int = 30
    register_pow_bits: int = 16
    disposable_domains_file: str = ""  # extra domains, one a line, merged with the shipped list
    password_time_cost: int = 3
    password_memory_kib: int = 65536
    verify_token_max_age: int = 3 * 24 * 3600
    reset_token_max_age: int = 3600
    default_locale: str = "en"
    intake_without_redis: str = "accept"  # accept | reject: see docs/intake.md
    challenge_ttl: int = 600
    intake_cache_seconds: int = 2  # how long a process reuses a contest's intake view
    counter_flush_ms: int = 100  # how long committed ballots' counter updates gather; 0: sent at once
    ballot_route: bool = True  # plain ballots served in front of Flask (ballots/route.py); off: all through Flask
    counter_rebuild_interval: int = 300  # seconds between scheduled counter repairs during voting
    instance_path: str = ""  # empty: ./instance beside the code

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> "Settings":
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(PREFIX + f.name.upper())
            if raw is None:
                continue
            if f.type == "int":
                values[f.name] = _to_int(f.name.upper(), raw)
            elif f.type == "bool":
                values[f.name] = _to_bool(f.name.upper(), raw)
            else:
                values[f.name] = raw
        values.update(overrides)
        settings = cls(**values)
        settings.check()
        return settings

    @property
    def https(self) -> bool:
        """Whether browsers reach the app over HTTPS: the base URL's scheme, however it is spelled."""
        return urlsplit(self.base_url.strip()).scheme.lower() == "https"

    @property
    def secure_cookies(self) -> bool:
        """Cookies carry Secure over HTTPS, and always in production unless plain HTTP was waived:
        browsers drop Secure cookies sent over plain HTTP, so only the waiver may turn it off."""
        return self.https or (self.env == "production" and not self.allow_insecure_http)

    def check(self) -> None:
        if self.env not in {"production", "development", "testing"}:
            raise ConfigError(f"{PREFIX}ENV must be production, development or testing, got {self.env!r}")
        if self.mail_backend not in {"file", "smtp"}:
            raise ConfigError(f"{PREFIX}MAIL_BACKEND must be file or smtp, got {self.mail_backend!r}")
        if self.intake_without_redis not in {"accept", "reject"}:
            raise ConfigError(f"{PREFIX}INTAKE_WITHOUT_REDIS must be accept or reject, got {self.intake_without_redis!r}")
        if self.counter_rebuild_interval < 10:
            raise ConfigError(f"{PREFIX}COUNTER_REBUILD_INTERVAL must be at least 10 seconds")
        if not 0 <= self.counter_flush_ms <= 1000:
            raise ConfigError(f"{PREFIX}COUNTER_FLUSH_MS must be between 0 and 1000")
        if self.register_free_per_hour < 1:
            raise ConfigError(f"{PREFIX}REGISTER_FREE_PER_HOUR must be at least 1")
        if not 0 <= self.register_pow_bits <= 28:
            raise ConfigError(f"{PREFIX}REGISTER_POW_BITS must be between 0 and 28")
        if self.challenge_ttl < 30:
            raise ConfigError(f"{PREFIX}CHALLENGE_TTL must be at least 30 seconds")
        if self.media_storage not in {"local", "s3"}:
            raise ConfigError(f"{PREFIX}MEDIA_STORAGE must be local or s3, got {self.media_storage!r}")
        if self.media_storage == "s3" and not self.s3_bucket:
            raise ConfigError(f"{PREFIX}S3_BUCKET must be set when {PREFIX}MEDIA_STORAGE is s3")
        if bool(self.s3_access_key_id) != bool(self.s3_secret_access_key):
            raise ConfigError(f"{PREFIX}S3_ACCESS_KEY_ID and {PREFIX}S3_SECRET_ACCESS_KEY go together")
        if self.trusted_proxies < 0:
            raise ConfigError(f"{PREFIX}TRUSTED_PROXIES must be 0 or more")
        base = urlsplit(self.base_url.strip())
        if base.scheme.lower() not in {"http", "https"} or not base.netloc:
            raise ConfigError(f"{PREFIX}BASE_URL must be an http:// or https:// address, got {self.base_url!r}")
        if self.env == "production" and not self.https and not self.allow_insecure_http:
            # Over plain HTTP, sessions, CSRF tokens and mail-link tokens travel in clear.
            raise ConfigError(
                f"{PREFIX}BASE_URL must be an https:// address in production, got {self.base_url!r} "
                f"(behind a TLS-terminating proxy, give the https:// address browsers use; to serve plain HTTP "
                f"on purpose set {PREFIX}ALLOW_INSECURE_HTTP=true, or {PREFIX}ENV=development for a local run)"
            )
        if self.env == "production" and len(self.secret_key) < 16:
            raise ConfigError(
                f"{PREFIX}SECRET_KEY must be set to a random string of 16 or more characters in production "
                f"(set {PREFIX}ENV=development for a local run)"
            )


def database_uri(url: str, instance_path: str) -> str:
    """SQLAlchemy URI for a configured URL; PostgreSQL always goes through psycopg 3."""
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "voting.sqlite3")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def redis_uri(url: str, instance_path: str) -> str:
    """The Redis URL in force: the setting, else the one the run command's embedded Valkey wrote."""
    if not url:
        marker = Path(instance_path) / "valkey.url"
        if marker.exists():
            url = marker.read_text().strip()
    if url.startswith("valkey://"):
        url = "redis://" + url[len("valkey://"):]
    return url
