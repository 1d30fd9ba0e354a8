"""bench/sweep.py's database: the contest made through the app, the vote
(bench/sweep_world.py, bench/sweep_attacks.py) COPYed in with psycopg 3
(`cursor.copy`, users and ballots alike), and the tick's ballots kept aside in
a table of their own, put into `ballots` only for the tick."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, timedelta
from pathlib import Path
from benchdb import reset_database

import numpy as np
from sweep_attacks import attacks
from sweep_world import ALLOWED, START, World

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for `voting`
BIN = Path(sys.executable).parent

SLUG = "bench-sweep"
TICK_TABLE = "bench_tick_ballots"
FLAG_TEXTS = ("[]", '["no_device"]', '["no_page"]', '["no_script"]')  # by the world's flag codes
BALLOT_COLUMNS = ("contest_id", "category_id", "voter_id", "receipt_hash", "method", "selection", "status", "flags",
                  "client_ip", "ip_prefix", "user_agent_hash", "device_id", "cast_at")
USER_COLUMNS = ("id", "email", "email_normalised", "password_hash", "display_name", "country", "verified_at",
                "created_at", "session_version")


def migrate(env) -> None:
    """The app's own path: `flask db upgrade` (Alembic), to the migrations' head."""
    subprocess.run([str(BIN / "flask"), "--app", "voting", "db", "upgrade"], env=env, cwd=ROOT, check=True,
                   capture_output=True)


def vacuum(db_url: str, table: str = "") -> None:
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(f"VACUUM ANALYZE {table}")


def build_world(args) -> tuple[World, dict]:
    world = World(args)
    total = args.ballots + args.tick
    world.honest(total - 3000)
    attacks(world)
    return world, world.finish(total)


def create_contest(env, sizes: list[int], days: int) -> dict:
    """The organiser, the contest (through the SPEC service) and its entries; answers their ids."""
    os.environ.update(env)
    from voting import create_app
    from voting.accounts import services as accounts
    from voting.contests import services
    from voting.contests.models import Entry
    from voting.extensions import db

    app = create_app()
    with app.app_context():
        organiser, _ = accounts.ensure_user("organiser@bench.example.org", "bench password 2021", "Bench")
        accounts.grant_role(organiser, "organiser")
        db.session.commit()
        closes = START + timedelta(days=days)
        spec = {"slug": SLUG, "title": "WSIS sweep bench", "kind": "prize",
                "categories": [{"slug": f"c{i + 1}", "title": f"Category {i + 1}"} for i in range(len(sizes))],
                "phases": {"submission": {"opens_at": (START - timedelta(days=60)).isoformat(),
                                          "closes_at": (START - timedelta(days=30)).isoformat()},
                           "voting": {"opens_at": START.isoformat(), "closes_at": closes.isoformat()}},
                "voting": {"method": "single", "pow_bits": 8},
                "fraud": {"countries": ALLOWED}}
        contest = services.create_contest(spec, organiser, START - timedelta(days=61))
        rows = []
        for category, size in zip(contest.categories, sizes):
            for i in range(size):
                rows.append(Entry(contest_id=contest.id, category_id=category.id,
                                  title=f"{category.slug} entry {i + 1}", organisation=f"Org {i}", country="CH",
                                  status="approved", submitted_by_id=organiser.id,
                                  created_at=START - timedelta(days=45)))
        db.session.add_all(rows)
        db.session.commit()
        entries: dict[int, list[int]] = {}
        for e in rows:
            entries.setdefault(e.category_id, []).append(e.id)
        made = {"id": contest.id, "categories": [c.id for c in contest.categories],
                "entries": [entries[c.id] for c in contest.categories]}
        db.session.remove()
    return made


def iso_times(seconds):
    """Timestamps (UTC, microseconds) as PostgreSQL reads them, vectorised."""
    base = np.datetime64(START.replace(tzinfo=None), "us")
    return np.datetime_as_string(base + np.rint(seconds * 1e6).astype(np.int64).astype("timedelta64[us]"), unit="us")


def copy_users(conn, world: World, first_id: int) -> None:
    created = iso_times(world.v["created"]).tolist()
    domains = [world.domains[d] for d in world.v["domain"].tolist()]
    countries = [world.countries[c] if c >= 0 else "\\N" for c in world.v["country"].tolist()]
    with conn.cursor() as cur:
        with cur.copy(f"COPY users ({', '.join(USER_COLUMNS)}) FROM STDIN") as copy:
            for start in range(0, len(created), 50_000):
                copy.write("".join(
                    f"{first_id + n}\tv{n}@{domains[n]}\tv{n}@{domains[n]}\t\\N\tVoter {n}\t{countries[n]}\t"
                    f"{created[n]}\t{created[n]}\t1\n" for n in range(start, min(start + 50_000, len(created)))))
        cur.execute("SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))")


def ballot_lines(world: World, made: dict, first_id: int, lo: int, hi: int, page_ms: bool) -> str:
    b = world.b
    cats = made["categories"]
    entries = made["entries"]
    seed = world.args.seed
    times = iso_times(b["t"][lo:hi]).tolist()
    cid = made["id"]
    out = []
    for n, voter, cat, entry, pfx, host, dev, ua, flag, ms, ts in zip(
            range(lo, hi), b["voter"][lo:hi].tolist(), b["cat"][lo:hi].tolist(), b["entry"][lo:hi].tolist(),
            b["pfx"][lo:hi].tolist(), b["host"][lo:hi].tolist(), b["dev"][lo:hi].tolist(), b["ua"][lo:hi].tolist(),
            b["flag"][lo:hi].tolist(), b["page_ms"][lo:hi].tolist(), times):
        p = world.prefixes[pfx]
        line = (f"{cid}\t{cats[cat]}\t{first_id + voter}\t{seed:08x}{n:056x}\tsingle\t[{entries[cat][entry]}]\t"
                f"counted\t{FLAG_TEXTS[flag]}\t{p}.{host}\t{p}.0/24\t{world.uas[ua]}\t"
                f"{'' if dev < 0 else format(dev, '032x')}\t{ts}")
        if page_ms:
            line += "\t\\N" if ms < 0 else f"\t{ms}"
        out.append(line + "\n")
    return "".join(out)


def copy_ballots(conn, table: str, world: World, made: dict, first_id: int, lo: int, hi: int,
                 page_ms: bool) -> None:
    columns = ", ".join(BALLOT_COLUMNS + (("page_ms",) if page_ms else ()))
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for start in range(lo, hi, 50_000):
            copy.write(ballot_lines(world, made, first_id, start, min(hi, start + 50_000), page_ms))


def has_column(conn, table: str, column: str) -> bool:
    return conn.execute("SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
                        (table, column)).fetchone() is not None


def load(args, env, db_url) -> dict:
    """A new database: migrated, the contest made through the app, the vote COPYed in (the tick's last
    `args.tick` ballots into TICK_TABLE); answers what was loaded and how long it took."""
    import multiprocessing as mp

    import psycopg

    t0 = time.perf_counter()
    reset_database(db_url)
    migrate(env)
    world, facts = build_world(args)
    generated = time.perf_counter() - t0
    with mp.get_context("spawn").Pool(1) as pool:  # the app in its own process
        made = pool.apply(create_contest, (env, world.sizes, args.days))
    with psycopg.connect(db_url) as conn:
        first_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM users").fetchone()[0]
        page_ms = has_column(conn, "ballots", "page_ms")
        t1 = time.perf_counter()
        copy_users(conn, world, first_id)
        users_s = time.perf_counter() - t1
        t1 = time.perf_counter()
        n = facts["ballots"]
        full = n - args.tick
        copy_ballots(conn, "ballots", world, made, first_id, 0, full, page_ms)
        ballots_s = time.perf_counter() - t1
        cols = ", ".join(BALLOT_COLUMNS + (("page_ms",) if page_ms else ()))
        conn.execute(f"CREATE TABLE {TICK_TABLE} AS SELECT {cols} FROM ballots WITH NO DATA")
        copy_ballots(conn, TICK_TABLE, world, made, first_id, full, n, page_ms)
        conn.commit()
    vacuum(db_url)
    with psycopg.connect(db_url) as conn:
        size = conn.execute("SELECT pg_size_pretty(pg_total_relation_size('ballots')), "
                            "pg_size_pretty(pg_relation_size('ballots'))").fetchone()
    truth = world.b["truth"]
    return {**facts, "full_ballots": full, "tick_ballots": n - full, "page_ms_column": page_ms,
            "tick_truth": {name: int((truth[full:] == i).sum()) for i, name in enumerate(world.truth)
                           if (truth[full:] == i).any()},
            "generate_s": round(generated, 1), "users_copy_s": round(users_s, 1),
            "ballots_copy_s": round(ballots_s, 1), "ballots_table": size[0], "ballots_heap": size[1],
            "load_s": round(time.perf_counter() - t0, 1)}


def reset_tick(db_url: str, insert: bool) -> dict:
    """Take the tick's ballots out of `ballots` (and whatever a sweep filed), or put them in."""
    import psycopg

    with psycopg.connect(db_url) as conn:
        contest_id = conn.execute("SELECT id FROM contests WHERE slug = %s", (SLUG,)).fetchone()[0]
        cols = ", ".join(r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
            (TICK_TABLE,)))
        if insert:
            conn.execute(f"INSERT INTO ballots ({cols}) SELECT {cols} FROM {TICK_TABLE} ORDER BY cast_at")
        else:
            for table in ("fraud_cluster_ballots", "fraud_verdicts"):
                if conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0]:
                    conn.execute(f"DELETE FROM {table}")
            for table in ("fraud_clusters", "fraud_sweeps"):
                if conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0]:
                    conn.execute(f"DELETE FROM {table} WHERE contest_id = %s", (contest_id,))
            conn.execute("DELETE FROM audit_entries WHERE contest_id = %s", (contest_id,))
            conn.execute("UPDATE ballots SET status = 'counted', status_reason = NULL, decided_at = NULL "
                         "WHERE contest_id = %s AND status <> 'counted'", (contest_id,))
            conn.execute(f"DELETE FROM ballots WHERE receipt_hash IN (SELECT receipt_hash FROM {TICK_TABLE})")
        first, last, n = conn.execute(f"SELECT min(cast_at), max(cast_at), count(*) FROM {TICK_TABLE}").fetchone()
        full_last = conn.execute("SELECT max(cast_at) FROM ballots WHERE contest_id = %s AND receipt_hash NOT IN "
                                 f"(SELECT receipt_hash FROM {TICK_TABLE})", (contest_id,)).fetchone()[0]
        conn.commit()
    vacuum(db_url, "ballots")
    return {"contest_id": contest_id, "tick_first": first.replace(tzinfo=UTC).isoformat(),
            "tick_last": last.replace(tzinfo=UTC).isoformat(), "tick_ballots": n,
            "full_last": full_last.replace(tzinfo=UTC).isoformat()}
