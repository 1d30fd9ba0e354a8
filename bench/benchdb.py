"""What the benchmarks that load PostgreSQL share: a database of their own, made afresh."""

from __future__ import annotations

from urllib.parse import urlsplit


def reset_database(db_url: str) -> None:
    """Drop the database named in `db_url` (closing its connections) and create it empty."""
    import psycopg

    parts = urlsplit(db_url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
