"""Benchmark: instructions per ballot against instructions per trivial request.

`bench/intake.py` measures the real server, but on a shared 2-core machine its
figures move by a fifth from run to run, too much to see a change of a few
per cent. This counts instead: the app runs in one process under valgrind's
callgrind, which counts the instructions the process executes (all its
threads, the counter feed's included; not the kernel's, and not PostgreSQL's
or Redis's), the same for the same code and inputs whatever else the machine
is doing. It casts real ballots through the whole intake (session, CSRF,
proof of work, the Redis gate, the INSERT on PostgreSQL, the counter update)
by calling the WSGI app directly, and in the same run the same number of
`GET /api/v1/health` requests, and reports instructions per request of each
and their ratio.

    .venv/bin/python bench/instructions.py [--voters 20]

Needs valgrind (on the project's machines). BENCH_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/voting_instructions, dropped and created)
and BENCH_REDIS_URL (default redis://127.0.0.1:6379/13, flushed) choose the
servers. Takes about a minute.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import intake as bench  # noqa: E402  (the same seed, settings and proof solver)

CATEGORIES = 18
WARM_UP = 50


def prepare(voters: int):
    """The app, and the WSGI environs of every ballot and as many health requests."""
    from werkzeug.test import EnvironBuilder

    from voting import create_app

    app = create_app()
    client = app.test_client()
    entries: dict[str, list[int]] = {}
    for entry in client.get(f"/api/v1/contests/{bench.SLUG}/entries").get_json()["entries"]:
        entries.setdefault(entry["category"], []).append(entry["id"])
    ballots = []
    for n in range(voters):
        voter = app.test_client()
        resp = voter.post("/api/v1/auth/login", json={"email": f"voter{n}@bench.example.org",
                                                      "password": bench.PASSWORD})
        assert resp.status_code == 200, resp.get_json()
        csrf = voter.get("/api/v1/session").get_json()["csrf_token"]
        for c in range(1, CATEGORIES + 1):
            challenge = voter.get(f"/api/v1/challenge?contest={bench.SLUG}").get_json()
            body = {"category": f"c{c}", "selection": [entries[f"c{c}"][(n + c) % 5]],
                    "pow": {"token": challenge["token"], "nonce": bench.solve(challenge["token"], challenge["bits"])}}
            cookie = "; ".join(f"{k.key}={k.value}" for k in voter._cookies.values())
            ballots.append(EnvironBuilder(
                path=f"/api/v1/contests/{bench.SLUG}/ballots", method="POST", data=json.dumps(body),
                headers={"Content-Type": "application/json", "Cookie": cookie, "X-CSRFToken": csrf,
                         "User-Agent": "bench"}).get_environ())
    health = [EnvironBuilder(path="/api/v1/health").get_environ() for _ in ballots]
    return app, ballots, health


def inner(voters: int) -> None:
    """Runs under callgrind with instrumentation off; counts only the two loops."""
    app, ballots, health = prepare(voters)
    answers: dict[str, int] = {}

    def start_response(status, _headers, _exc=None):
        answers[status] = answers.get(status, 0) + 1

    def run(environs):
        for environ in environs:
            for _ in app(environ, start_response):
                pass

    def control(*args):
        subprocess.run(["callgrind_control", *args, str(os.getpid())], check=True, capture_output=True)

    run(ballots[:WARM_UP])  # first-use work (compiled statements, scripts, the contest view)
    run(health[:WARM_UP])
    counted = ballots[WARM_UP:]
    control("-i", "on")
    run(health[WARM_UP:])
    control("-d", "health")
    control("-i", "off")
    control("-z")
    control("-i", "on")
    run(counted)
    from voting.ballots import feed
    feed.flush()  # the batched counter updates belong to the ballots
    control("-d", "ballots")
    control("-i", "off")
    print(json.dumps({"answers": answers, "requests": len(counted)}), flush=True)


def totals(folder: Path) -> dict[str, int]:
    found = {}
    for path in folder.glob("cg.*"):
        text = path.read_text(errors="replace")
        trigger = next((line for line in text.splitlines() if line.startswith("desc: Trigger:")), "")
        total = next((line for line in text.splitlines() if line.startswith("totals:")), "")
        for name in ("health", "ballots"):
            if trigger.endswith(f"dump {name}") and total:
                found[name] = int(total.split()[1])
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=20)
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    db_url = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/voting_instructions")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    if args.inner:
        inner(args.voters)
        return 0
    if not shutil.which("valgrind"):
        print("valgrind is not installed: this benchmark counts instructions with callgrind", file=sys.stderr)
        return 2

    import redis

    instance = tempfile.mkdtemp(prefix="voting-bench-")
    env = bench.settings_env(db_url, redis_url, instance)
    env["VOTING_COUNTER_FLUSH_MS"] = "20"
    # Under valgrind the app runs about fifty times slower: the contest view's
    # 2 s lifetime would mean fifty times as many reloads per ballot as for
    # real. 100 s here is about 2 s of real time.
    env["VOTING_INTAKE_CACHE_SECONDS"] = "100"
    redis.Redis.from_url(redis_url).flushdb()
    bench.reset_database(db_url)
    subprocess.run([str(bench.BIN / "flask"), "--app", "voting", "db", "upgrade"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    seed = f"import sys; sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'bench')!r}]; import intake; " \
           f"intake.seed(dict(__import__('os').environ), {args.voters}, {CATEGORIES})"
    subprocess.run([sys.executable, "-c", seed], env=env, cwd=ROOT, check=True)

    out = Path(tempfile.mkdtemp(prefix="voting-callgrind-"))
    proc = subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no",
                           f"--callgrind-out-file={out}/cg.%p", sys.executable, __file__, "--inner",
                           "--voters", str(args.voters)], env=env, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stdout, proc.stderr[-3000:], sep="\n", file=sys.stderr)
        return 1
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    counts = totals(out)
    shutil.rmtree(out, ignore_errors=True)
    n = result["requests"]
    per_ballot, per_health = counts["ballots"] / n, counts["health"] / n
    report = {"instructions_per_ballot": round(per_ballot), "instructions_per_trivial_request": round(per_health),
              "ratio_trivial_to_ballot": round(per_health / per_ballot, 3), "requests_each": n,
              "answers": result["answers"]}
    print(json.dumps(report, indent=2))
    ok = result["answers"].get("201 CREATED") == args.voters * CATEGORIES
    print("all ballots accepted:", "ok" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
