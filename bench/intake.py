"""Benchmark: the full ballot intake against a trivial endpoint of the same server.

Starts the real stack (gunicorn with sync workers, as the image runs it behind
its reverse proxy, + PostgreSQL + Redis), signs in many voters,
has each fetch and solve real proof-of-work challenges, then drives
`POST /api/v1/contests/{slug}/ballots` from several client processes; in the
same run, with the same clients and concurrency, it drives `GET /api/v1/health`
(answers without touching the database or Redis). The phases alternate
(trivial, a slice of the ballots, trivial, ... ) because the shared machine's
speed drifts over a run: each slice's throughput is compared with the
trivial phases either side, and the ratio reported is the median of the
slices'. It reports ballots/s and p50/p99 latency over all slices, and checks
afterwards that every accepted ballot is in SQL and in the live counters. It
also reports the CPU per request of each kind, by process group (web server,
PostgreSQL, Redis, everything else: mostly the load generator), from /proc.

    .venv/bin/python bench/intake.py [--voters 600] [--slices 6] [--categories 18] [--clients 16]

BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/voting_bench,
dropped and created) and BENCH_REDIS_URL (default redis://127.0.0.1:6379/14,
flushed) choose the servers. Passwords use a cheap Argon2 setting here so
signing in hundreds of voters does not dominate the run; the intake path is
unchanged.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from benchdb import reset_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
PASSWORD = "bench password 2021"
SLUG = "bench-prizes"


def settings_env(db_url: str, redis_url: str, instance: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "VOTING_ENV": "production", "VOTING_SECRET_KEY": "bench-secret-key-0123456789",
        # Production refuses an http:// base URL; the bench's clients send the (Secure) cookies over loopback.
        "VOTING_BASE_URL": "https://localhost",
        "VOTING_DATABASE_URL": db_url, "VOTING_REDIS_URL": redis_url, "VOTING_INSTANCE_PATH": instance,
        "VOTING_LOGIN_LIMIT_IP": "1000000/minute", "VOTING_LOGIN_LIMIT_ACCOUNT": "1000/minute",
        "VOTING_PASSWORD_TIME_COST": "1", "VOTING_PASSWORD_MEMORY_KIB": "1024",
    })
    return env


def seed(env: dict[str, str], voters: int, categories: int) -> None:
    os.environ.update(env)
    from voting import create_app
    from voting.accounts import services as accounts
    from voting.accounts.domain import normalise_email
    from voting.accounts.models import User
    from voting.contests import entries, services
    from voting.extensions import db

    app = create_app()
    now = datetime.now(timezone.utc)
    with app.app_context():
        organiser, _ = accounts.ensure_user("organiser@bench.example.org", PASSWORD, "Bench")
        accounts.grant_role(organiser, "organiser")
        db.session.commit()
        unlimited = "1000000/hour"
        contest = services.create_contest({
            "slug": SLUG, "title": "Bench prizes", "kind": "prize",
            "categories": [{"slug": f"c{i}", "title": f"Category {i}"} for i in range(1, categories + 1)],
            "phases": {"voting": {"opens_at": (now - timedelta(hours=1)).isoformat(),
                                  "closes_at": (now + timedelta(days=1)).isoformat()}},
            # Pre-solved 8-bit proofs: the spike threshold and the address's "harder above" volumes are out
            # of reach, or the gate would (rightly) refuse them as too easy once the bench passes 600 ballots
            # a minute, or 1,000 from its one address.
            "voting": {"method": "single", "pow_bits": 8, "min_render_seconds": 0, "pow_spike_per_minute": 10_000_000,
                       "rate_limits": {"ip": unlimited, "prefix": unlimited, "account": unlimited,
                                       "device": unlimited, "ip_harder_above": unlimited,
                                       "prefix_harder_above": unlimited}},
        }, organiser, now)
        for category in contest.categories:
            for n in range(5):
                entries.add_entry(contest, {"category": category.slug, "title": f"{category.slug} entry {n}"},
                                  organiser, now)
        hashed = organiser.password_hash  # one hash for all: the same password
        db.session.add_all([User(email=f"voter{n}@bench.example.org",
                                 email_normalised=normalise_email(f"voter{n}@bench.example.org"),
                                 password_hash=hashed, display_name=f"Voter {n}", verified_at=now)
                            for n in range(voters)])
        db.session.commit()


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def request(conn, method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    hdrs = {"Content-Type": "application/json"} if data else {}
    hdrs.update(headers or {})
    conn.request(method, path, body=data, headers=hdrs)
    resp = conn.getresponse()
    payload = resp.read()
    cookies = {}
    for header in resp.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        cookies[name] = rest.split(";", 1)[0]
    return resp.status, cookies, payload


def cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def solve(token: str, bits: int) -> str:
    nonce = 0
    while True:
        digest = hashlib.sha256(f"{token}:{nonce}".encode()).digest()
        value = int.from_bytes(digest[:4], "big")
        if bits == 0 or value >> (32 - bits) == 0:
            return str(nonce)
        nonce += 1


def prepare(args) -> list[tuple[str, str, bytes]]:
    """Sign in a share of the voters and build their ballots (with solved proofs)."""
    port, voter_ids, categories, entry_ids = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    prepared = []
    for n in voter_ids:
        status, jar, _ = request(conn, "POST", "/api/v1/auth/login",
                                 {"email": f"voter{n}@bench.example.org", "password": PASSWORD})
        assert status == 200, status
        _, cookies, body = request(conn, "GET", "/api/v1/session", headers={"Cookie": cookie_header(jar)})
        jar.update(cookies)  # the session now holds the CSRF token
        csrf = json.loads(body)["csrf_token"]
        for c in range(1, categories + 1):
            _, cookies, body = request(conn, "GET", f"/api/v1/challenge?contest={SLUG}",
                                       headers={"Cookie": cookie_header(jar)})
            jar.update(cookies)  # the device cookie
            challenge = json.loads(body)
            ballot = {"category": f"c{c}", "selection": [entry_ids[f"c{c}"][(n + c) % 5]],
                      "pow": {"token": challenge["token"], "nonce": solve(challenge["token"], challenge["bits"])}}
            prepared.append((cookie_header(jar), csrf, json.dumps(ballot).encode()))
    return prepared


def drive(args) -> tuple[list[float], dict[int, int], float, float]:
    """One client process: `threads` keep-alive connections, all starting at `start_at`."""
    port, mode, work, threads, start_at, seconds = args
    latencies: list[float] = []
    errors: dict[int, int] = {}
    lock = threading.Lock()
    ends: list[float] = []

    def worker(share):
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad = [], {}
        while time.time() < start_at:
            time.sleep(0.001)
        deadline = start_at + seconds
        items = iter(share) if mode == "ballots" else None
        while True:
            if mode == "ballots":
                item = next(items, None)
                if item is None:
                    break
                session, csrf, body = item
                t0 = time.perf_counter()
                conn.request("POST", f"/api/v1/contests/{SLUG}/ballots", body=body,
                             headers={"Content-Type": "application/json", "Cookie": session, "X-CSRFToken": csrf})
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == 201
            else:
                if time.time() >= deadline:
                    break
                t0 = time.perf_counter()
                conn.request("GET", "/api/v1/health")
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == 200
            mine.append(time.perf_counter() - t0)
            if not ok:
                bad[resp.status] = bad.get(resp.status, 0) + 1
        with lock:
            latencies.extend(mine)
            for status, count in bad.items():
                errors[status] = errors.get(status, 0) + count
            ends.append(time.time())

    shares = [work[i::threads] for i in range(threads)] if mode == "ballots" else [None] * threads
    pool = [threading.Thread(target=worker, args=(s,)) for s in shares]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return latencies, errors, start_at, max(ends)


HZ = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: str) -> tuple[str, int, float] | None:
    """(name, parent pid, CPU seconds) of a process, from /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = stat[stat.index("(") + 1:stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2:].split()
    return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / HZ


def cpu_by_group(server_pid: int) -> dict[str, float]:
    """CPU seconds so far of the web server, PostgreSQL and Redis, and of the whole machine."""
    groups = {"web": 0.0, "postgres": 0.0, "redis": 0.0}
    proc = Path("/proc")
    if not proc.exists():
        return {}
    for entry in proc.iterdir():
        found = _stat(entry.name) if entry.name.isdigit() else None
        if found is None:
            continue
        name, parent, seconds = found
        if int(entry.name) == server_pid or parent == server_pid:
            groups["web"] += seconds
        elif name.startswith("postgres"):
            groups["postgres"] += seconds
        elif name.startswith(("redis", "valkey")):
            groups["redis"] += seconds
    values = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    idle = int(values[3]) + int(values[4])
    groups["machine"] = (sum(int(v) for v in values[:8]) - idle) / HZ
    return groups


def run_phase(port, mode, work_per_process, processes, threads, seconds=10.0, server_pid=0) -> dict:
    """One phase; answers its raw measurements (see `summary`)."""
    start_at = time.time() + 1.0
    with mp.Pool(processes) as pool:
        cpu_before = cpu_by_group(server_pid)
        results = pool.map(drive, [(port, mode, work_per_process[i], threads, start_at, seconds)
                                   for i in range(processes)])
        cpu_after = cpu_by_group(server_pid)
    errors: dict[str, int] = {}
    for r in results:
        for status, count in r[1].items():
            errors[str(status)] = errors.get(str(status), 0) + count
    cpu = {group: cpu_after[group] - cpu_before[group] for group in cpu_before}
    if cpu:
        cpu["other"] = cpu.pop("machine") - sum(cpu.values())
    latencies = [x for r in results for x in r[0]]
    return {"latencies": latencies, "errors": errors, "seconds": max(r[3] for r in results) - start_at,
            "cpu_seconds": cpu, "per_second": len(latencies) / (max(r[3] for r in results) - start_at)}


def summary(phases: list[dict]) -> dict:
    latencies = sorted(x for p in phases for x in p["latencies"])
    seconds = sum(p["seconds"] for p in phases)
    errors: dict[str, int] = {}
    cpu: dict[str, float] = {}
    for p in phases:
        for status, count in p["errors"].items():
            errors[status] = errors.get(status, 0) + count
        for group, value in p["cpu_seconds"].items():
            cpu[group] = cpu.get(group, 0.0) + value
    return {"requests": len(latencies), "errors": errors, "seconds": round(seconds, 2),
            "per_second": round(len(latencies) / seconds, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 2),
            "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
            "cpu_ms_per_request": {g: round(v * 1000 / len(latencies), 3) for g, v in cpu.items()}}


def verify(env: dict[str, str]) -> dict[str, int]:
    os.environ.update(env)
    from sqlalchemy import func, select

    from voting import create_app
    from voting.ballots import counters
    from voting.ballots.models import Ballot
    from voting.contests.services import get_contest
    from voting.extensions import db

    app = create_app()
    with app.app_context():
        contest = get_contest(SLUG)
        in_sql = db.session.scalar(select(func.count()).select_from(Ballot))
        live = sum(e["votes"] for row in counters.leaderboard(contest) for e in row["entries"])
        return {"ballots_in_sql": in_sql, "votes_in_live_counters": live}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=600)
    parser.add_argument("--categories", type=int, default=18)
    parser.add_argument("--processes", type=int, default=2, help="client processes")
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections in all")
    parser.add_argument("--web-workers", type=int, default=8)
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (the image runs sync)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (gthread)")
    parser.add_argument("--port", type=int, default=5077)
    parser.add_argument("--slices", type=int, default=6, help="ballot phases, each between two trivial ones")
    parser.add_argument("--trivial-seconds", type=float, default=5.0)
    args = parser.parse_args()

    db_url = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/voting_bench")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    instance = tempfile.mkdtemp(prefix="voting-bench-")
    env = settings_env(db_url, redis_url, instance)

    import redis
    redis.Redis.from_url(redis_url).flushdb()
    reset_database(db_url)
    subprocess.run([str(BIN / "flask"), "--app", "voting", "db", "upgrade"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    seed_proc = mp.get_context("spawn").Process(target=seed, args=(env, args.voters, args.categories))
    seed_proc.start()
    seed_proc.join()

    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{args.port}", "--workers", str(args.web_workers),
         "--worker-class", args.worker_class, "--threads", str(args.threads), "--log-level", "warning",
         "voting:create_app()"],
        env=env, cwd=ROOT)
    try:
        wait_for(args.port)
        conn = http.client.HTTPConnection("127.0.0.1", args.port)
        _, _, body = request(conn, "GET", f"/api/v1/contests/{SLUG}/entries")
        entry_ids: dict[str, list[int]] = {}
        for entry in json.loads(body)["entries"]:
            entry_ids.setdefault(entry["category"], []).append(entry["id"])

        shares = [list(range(args.voters))[i::args.processes] for i in range(args.processes)]
        t0 = time.time()
        with mp.Pool(args.processes) as pool:
            prepared = pool.map(prepare, [(args.port, s, args.categories, entry_ids) for s in shares])
        print(f"signed in {args.voters} voters and solved {sum(map(len, prepared))} challenges "
              f"in {time.time() - t0:.1f}s", flush=True)

        threads = max(1, args.clients // args.processes)
        trivial = [None] * args.processes

        def trivial_phase():
            return run_phase(args.port, "trivial", trivial, args.processes, threads, args.trivial_seconds,
                             server.pid)

        # Short phases, alternating: the machine's speed drifts over a run, and
        # each slice of ballots is compared with the trivial phases either side.
        trivial_runs, ballot_runs = [trivial_phase()], []
        for k in range(args.slices):
            part = [share[k::args.slices] for share in prepared]
            ballot_runs.append(run_phase(args.port, "ballots", part, args.processes, threads,
                                         server_pid=server.pid))
            trivial_runs.append(trivial_phase())
    finally:
        server.terminate()
        server.wait(30)

    ratios = [b["per_second"] / ((trivial_runs[k]["per_second"] + trivial_runs[k + 1]["per_second"]) / 2)
              for k, b in enumerate(ballot_runs)]
    ballots, trivial_all = summary(ballot_runs), summary(trivial_runs)
    report = {
        "ballots": ballots, "trivial": trivial_all,
        "ratio_ballots_to_trivial": round(statistics.median(ratios), 3),
        "ratio_per_slice": [round(r, 3) for r in ratios],
        "check": verify(env),
        "setup": {"voters": args.voters, "categories": args.categories, "clients": args.clients,
                  "client_processes": args.processes, "web_workers": args.web_workers,
                  "worker_class": args.worker_class, "threads_per_worker": args.threads,
                  "slices": args.slices, "trivial_seconds": args.trivial_seconds,
                  "pow_bits": 8, "cpus": os.cpu_count()},
    }
    print(json.dumps(report, indent=2))
    ok = (not ballots["errors"] and report["check"]["ballots_in_sql"] == ballots["requests"]
          and report["check"]["votes_in_live_counters"] == report["check"]["ballots_in_sql"])
    print("consistency check:", "ok" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
