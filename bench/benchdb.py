"""What the benchmarks share: a PostgreSQL database of their own, made afresh, and the
process's memory as Linux counts it (the resident set now and its peak since a reset)."""

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


def status_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (the peak) of this process, from /proc/self/status."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise KeyError(field)


def reset_peak() -> None:
    """Start the peak (VmHWM) again from the RSS of now (Linux >= 4.0). ru_maxrss
    is no use here: after exec it keeps the larger of this process's peak and
    the peak of the process it was forked from, so it may never move during
    what is measured."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
