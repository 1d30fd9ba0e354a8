"""Benchmark: instructions per ballot against instructions per trivial request.

`bench/intake.py` measures the real server, but on a shared 2-core machine its
figures move by a fifth from run to run, too much to see a change of a few
per cent. This counts instead, with valgrind's callgrind, which counts the
instructions a process executes (all its threads, the counter feed's
included; not the kernel's, and not PostgreSQL's or Redis's), the same for
the same code and inputs whatever else the machine is doing. Real ballots go
through the whole intake (session, CSRF, proof of work, the Redis gate, the
INSERT on PostgreSQL, the counter update), and in the same run as many
`GET /api/v1/health` requests; it reports instructions per request of each
and their ratio.

    .venv/bin/python bench/instructions.py [--voters 20] [--server wsgi|gunicorn]

`--server wsgi` (the default, about half a minute) calls the WSGI app in one
process. `--server gunicorn` (about two minutes) counts a real gunicorn sync
worker serving the requests over HTTP, one new connection each, so gunicorn's
own work per request is in the count too: the worker is started under
callgrind and dumps its counts when `bench/marked_app.py`'s `/__mark` path is
asked for between the phases.

Needs valgrind (on the project's machines). BENCH_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/voting_instructions, dropped and created)
and BENCH_REDIS_URL (default redis://127.0.0.1:6379/13, flushed) choose the
servers.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
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


def through_wsgi(env: dict[str, str], voters: int) -> tuple[dict[str, int], int, dict[str, int]]:
    """(instructions of each phase, requests each, answers) with the app called in-process."""
    out = Path(tempfile.mkdtemp(prefix="voting-callgrind-"))
    proc = subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no",
                           f"--callgrind-out-file={out}/cg.%p", sys.executable, __file__, "--inner",
                           "--voters", str(voters)], env=env, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stdout, proc.stderr[-3000:], sep="\n", file=sys.stderr)
        raise SystemExit(1)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    counts = totals(out)
    shutil.rmtree(out, ignore_errors=True)
    return counts, result["requests"], result["answers"]


def through_gunicorn(env: dict[str, str], voters: int, port: int = 5078) -> tuple[dict[str, int], int,
                                                                                   dict[str, int]]:
    """The same, counted in a gunicorn sync worker serving them over HTTP."""
    out = Path(tempfile.mkdtemp(prefix="voting-callgrind-"))
    server = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--dump-before=nice", f"--callgrind-out-file={out}/cg.%p",
         str(bench.BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "600",
         "--log-level", "warning", "marked_app:create_app()"],
        env={**env, "PYTHONPATH": f"{ROOT / 'bench'}{os.pathsep}{ROOT}"}, cwd=ROOT, stderr=subprocess.DEVNULL)
    answers: dict[str, int] = {}

    def call(method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        conn.request(method, path, body=body, headers=headers or {})
        status = conn.getresponse()
        status.read()
        answers[str(status.status)] = answers.get(str(status.status), 0) + 1
        conn.close()

    try:
        bench.wait_for(port, timeout=600)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        _, _, body = bench.request(conn, "GET", f"/api/v1/contests/{bench.SLUG}/entries")
        entries: dict[str, list[int]] = {}
        for entry in json.loads(body)["entries"]:
            entries.setdefault(entry["category"], []).append(entry["id"])
        ballots = bench.prepare((port, list(range(voters)), CATEGORIES, entries))
        workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()

        def run(items) -> None:
            for item in items:
                if item is None:
                    call("GET", "/api/v1/health")
                else:
                    session, csrf, payload = item
                    call("POST", f"/api/v1/contests/{bench.SLUG}/ballots", payload,
                         {"Content-Type": "application/json", "Cookie": session, "X-CSRFToken": csrf})

        run(ballots[:WARM_UP])
        run([None] * WARM_UP)
        counted = ballots[WARM_UP:]
        answers.clear()
        call("GET", "/__mark")  # dumps: start-up and warm-up
        run([None] * len(counted))
        call("GET", "/__mark")  # dumps: the health requests
        run(counted)
        time.sleep(1)  # the counter feed's last batch belongs to the ballots
        call("GET", "/__mark")  # dumps: the ballots
    finally:
        server.terminate()
        server.wait(60)
    dumps = sorted(out.glob(f"cg.{workers[0]}.*"), key=lambda p: int(p.name.rsplit(".", 1)[1]))
    counted_totals = [int(next(line for line in p.read_text(errors="replace").splitlines()
                               if line.startswith("totals:")).split()[1]) for p in dumps]
    shutil.rmtree(out, ignore_errors=True)
    answers.pop("204", None)  # the marks
    return {"health": counted_totals[-2], "ballots": counted_totals[-1]}, len(counted), answers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=20)
    parser.add_argument("--server", choices=("wsgi", "gunicorn"), default="wsgi")
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

    measure = through_gunicorn if args.server == "gunicorn" else through_wsgi
    counts, n, answers = measure(env, args.voters)
    per_ballot, per_health = counts["ballots"] / n, counts["health"] / n
    report = {"server": args.server, "instructions_per_ballot": round(per_ballot),
              "instructions_per_trivial_request": round(per_health),
              "ratio_trivial_to_ballot": round(per_health / per_ballot, 3), "requests_each": n, "answers": answers}
    print(json.dumps(report, indent=2))
    accepted = answers.get("201 CREATED", answers.get("201", 0))
    ok = accepted == n if args.server == "gunicorn" else accepted == args.voters * CATEGORIES
    print("all ballots accepted:", "ok" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
