"""Benchmark: the ledger of a WSIS-sized public vote on PostgreSQL — sealing,
the static export, verification by an outsider, and what serving it costs.

Loads the WSIS Prizes of bench/tally.py (1.3 million counted `single` ballots
over 18 categories and 1,270 entries, plus 2 % invalidated on review and
0.5 % under review; `--ranked-ballots`/`--score-ballots` add that bench's
other two contests) into a dedicated PostgreSQL database with COPY, records
the review decision behind the invalidated ballots (an audit entry, as the
fraud review makes one), and gives 1,000 counted ballots receipt codes the
bench knows, so that it can look them up as voters do. Then, each part in a
fresh Python process with the app's modules imported before the clock starts:

  seal     the ledger's own seal job (`voting.ledger.jobs.seal_ledger`), run
           until everything decided is sealed (the ledger is emptied first, so
           every run seals it all). Baseline: reading the same ballots, the
           same columns, in the same pages of 10,000 by id, and nothing else.
  requests (voting closed, results not published: no leaves) the pages of
           batch headers, the amendments, and receipt lookups: peak Python
           memory of each request (tracemalloc, the streamed body consumed
           chunk by chunk as a client would) and the server's CPU time per
           receipt lookup (`time.process_time` around the test client's
           request: routing, lookup, proof, JSON). Baseline: the same number
           of `GET /api/v1/health`, the trivial endpoint.
  export   (results published) the export job (`voting.ledger.jobs.
           export_ledger`): wall time and the peak RSS it adds to the worker
           (VmHWM reset just before, as bench/tally.py does); then the export
           downloaded through the app, manifest and every file, into a
           directory, as a mirror would keep it.
  requests (results published) a page of leaves, one batch, the export's
           manifest and a batch file: peak memory as above.
  verify   `tools/verify_ledger.py` on that downloaded export, as an outsider
           runs it: wall time and its exit status. Baseline: a Python process
           that only decompresses the same files and parses every line as JSON.

    .venv/bin/python bench/ledger.py [--small] [--seed 1]
    .venv/bin/python bench/ledger.py --skip-load     # the same database again (migrated first)

BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/bench_ledger,
dropped and created unless --skip-load) and BENCH_REDIS_URL (default
redis://127.0.0.1:6379/10, flushed) choose the servers. Speed is reported as
figures and as ratios to the baselines of the same run, never asserted; issue
16's targets are printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import tally  # noqa: E402  (the WSIS-sized vote of the tally bench, loaded the same way)
from benchdb import reset_database, reset_peak, status_mb  # noqa: E402

ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
VERIFIER = ROOT / "tools" / "verify_ledger.py"
# Issue 16's targets.
TARGETS = {"seal_ballots_per_s": 2000, "verify_s": 60, "request_mb": 50, "proof_cpu_ms": 5}
CODES = 1000
LOOKUPS = 500


# --- loading ----------------------------------------------------------------------------------


def campaign_args(args) -> argparse.Namespace:
    """The tally bench's campaign options, WSIS-only unless asked otherwise."""
    return argparse.Namespace(seed=args.seed, ballots=args.ballots, categories=18, entries=args.entries, zipf=1.0,
                              invalid=0.02, review=0.005, ranked_ballots=args.ranked_ballots, ranked_categories=4,
                              ranked_entries=60, ranked_max_length=10, score_ballots=args.score_ballots,
                              score_categories=4, score_entries=60, voters=args.voters)


def plant_codes(db_url: str, contest_id: int, seed: int) -> None:
    """Receipt codes the bench knows, for 1,000 counted ballots (kept in a table of the bench's own)."""
    import random

    import psycopg

    from voting.ballots.domain import receipts

    rng = random.Random(seed)
    with psycopg.connect(db_url) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM ballots WHERE contest_id = %s AND status = 'counted' "
                                          "ORDER BY id", (contest_id,))]
        chosen = rng.sample(ids, CODES)
        conn.execute("CREATE TABLE IF NOT EXISTS bench_codes (ballot_id integer PRIMARY KEY, code text)")
        conn.execute("DELETE FROM bench_codes")
        rows = []
        for ballot_id in chosen:
            code, digest = receipts.issue(rng.randbytes(15))
            rows.append((ballot_id, code, digest))
        with conn.cursor() as cur:
            cur.executemany("UPDATE ballots SET receipt_hash = %s WHERE id = %s", [(d, i) for i, _, d in rows])
            cur.executemany("INSERT INTO bench_codes VALUES (%s, %s)", [(i, c) for i, c, _ in rows])


def load(args, env, db_url) -> dict:
    import multiprocessing as mp

    import psycopg

    t0 = time.perf_counter()
    reset_database(db_url)
    tally.migrate(env)
    campaign = tally.Campaign(campaign_args(args)).plan()
    spawn = mp.get_context("spawn")
    with spawn.Pool(1) as pool:
        made = pool.apply(tally.create_contests, (env, campaign))
    with psycopg.connect(db_url) as conn:
        first_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM users").fetchone()[0]
    tally.copy_users(db_url, args.voters, first_id)
    campaign.voter_offset = first_id - 1
    copied = tally.copy_ballots(db_url, campaign, made, args.seed)
    with spawn.Pool(1) as pool:
        decided = pool.apply(tally.record_decisions, (env, made))
    os.environ.update(env)
    plant_codes(db_url, made[tally.WSIS]["id"], args.seed)
    tally.vacuum(db_url)
    return {"ballots": copied["ballots"], "invalidated_decided": decided, "load_s": round(time.perf_counter() - t0, 1)}


# --- the parts, each in a fresh process ---------------------------------------------------------


def app_in(env):
    os.environ.update(env)
    from voting import create_app

    return create_app()


def contest_ids() -> list[int]:
    from sqlalchemy import select

    from voting.contests.models import Contest
    from voting.extensions import db

    return list(db.session.scalars(select(Contest.id).order_by(Contest.id)))


def part_seal(spec: dict) -> dict:
    from sqlalchemy import delete, select, update

    from voting.ballots.models import Ballot
    from voting.extensions import db
    from voting.ledger import jobs, sealing
    from voting.ledger.models import LedgerAmendment, LedgerBatch, LedgerRules

    app = app_in(spec["env"])
    out = {}
    with app.app_context():
        for contest_id in contest_ids():
            # Empty the ledger, so that every run seals everything.
            db.session.execute(delete(LedgerAmendment).where(LedgerAmendment.contest_id == contest_id))
            db.session.execute(delete(LedgerBatch).where(LedgerBatch.contest_id == contest_id))  # leaves cascade
            db.session.execute(delete(LedgerRules).where(LedgerRules.contest_id == contest_id))
            db.session.execute(update(Ballot).where(Ballot.contest_id == contest_id).values(sealed=False))
            db.session.commit()
            subprocess.run(["psql", spec["db_url"], "-qc", "VACUUM ANALYZE ballots"], check=True)
            # Baseline: the seal's reads alone, the same columns in the same pages of 10,000.
            t0 = time.perf_counter()
            last, rows = 0, 0
            while True:
                page = db.session.execute(
                    select(Ballot.id, Ballot.category_id, Ballot.receipt_hash, Ballot.selection, Ballot.status)
                    .where(Ballot.contest_id == contest_id, Ballot.id > last,
                           Ballot.status.in_(sealing.SEALABLE)).order_by(Ballot.id).limit(sealing.BATCH_LIMIT)).all()
                if not page:
                    break
                rows += len(page)
                last = page[-1].id
            read_s = time.perf_counter() - t0
            db.session.rollback()
            t0 = time.perf_counter()
            batches = ballots = 0
            while True:
                done = jobs.seal_ledger(contest_id)
                batches += done["batches"]
                ballots += done["ballots"]
                if done["batches"] < jobs.MAX_BATCHES_PER_JOB:
                    break
            seal_s = time.perf_counter() - t0
            out[contest_id] = {"ballots": ballots, "batches": batches, "seal_s": round(seal_s, 1),
                               "ballots_per_s": round(ballots / seal_s), "baseline_read_s": round(read_s, 2),
                               "ratio_to_baseline": round(seal_s / read_s, 1), "baseline_rows": rows}
    return out


def consume(response) -> int:
    """Read a (possibly streamed) answer chunk by chunk, as a client would; answers its size."""
    size = 0
    for chunk in response.response:
        size += len(chunk)
    response.close()
    return size


def measure_request(client, url: str) -> dict:
    import tracemalloc

    tracemalloc.start()
    tracemalloc.reset_peak()
    t0 = time.process_time()
    response = client.get(url, buffered=False)
    status = response.status_code
    size = consume(response)
    cpu = time.process_time() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"url": url, "status": status, "bytes": size, "peak_mb": round(peak / 2**20, 2),
            "cpu_s": round(cpu, 3)}


def part_requests(spec: dict) -> dict:
    import statistics

    import psycopg

    app = app_in(spec["env"])
    slug = spec["slug"]
    client = app.test_client()
    out: dict = {"requests": []}
    urls = spec["urls"]
    with app.app_context():
        for url in urls:
            out["requests"].append(measure_request(client, url.format(slug=slug)))
    if spec.get("lookups"):
        with psycopg.connect(spec["db_url"]) as conn:
            codes = [r[0] for r in conn.execute("SELECT code FROM bench_codes ORDER BY ballot_id LIMIT %s",
                                                (LOOKUPS,))]
        for code in codes[:20]:  # warm: the first requests load what every later one reuses
            client.get(f"/api/v1/receipts/{code}")
            client.get("/api/v1/health")
        lookups, health, missing = [], [], 0
        for n, code in enumerate(codes):
            environ = {"REMOTE_ADDR": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"}
            t0 = time.process_time()
            response = client.get(f"/api/v1/receipts/{code}", environ_base=environ)
            lookups.append(time.process_time() - t0)
            body = response.get_json()
            missing += not (response.status_code == 200 and body.get("ledger"))
            t0 = time.process_time()
            client.get("/api/v1/health", environ_base=environ)
            health.append(time.process_time() - t0)
        out["lookup_cpu_ms"] = {"median": round(statistics.median(lookups) * 1000, 2),
                                "p95": round(sorted(lookups)[int(len(lookups) * 0.95)] * 1000, 2),
                                "health_median": round(statistics.median(health) * 1000, 2),
                                "ratio_to_health": round(statistics.median(lookups) / statistics.median(health), 1),
                                "lookups": len(codes), "without_proof": missing}
    return out


def part_export(spec: dict) -> dict:
    """The export job, then a download of the export as a mirror would make it
    (the manifest and every file it names, through the app) into a directory."""
    from voting.ledger import jobs

    app = app_in(spec["env"])
    with app.app_context():
        reset_peak()
        before = status_mb("VmRSS")
        t0 = time.perf_counter()
        result = jobs.export_ledger(spec["contest_id"])
        seconds = time.perf_counter() - t0
        added = status_mb("VmHWM") - before
    client = app.test_client()
    base = f"/api/v1/contests/{spec['slug']}/ledger/export"
    target = Path(spec["download_to"])
    target.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    manifest = client.get(base)
    (target / "manifest.json").write_bytes(manifest.data)
    names = [b["file"] for b in manifest.get_json()["batches"]] + [manifest.get_json()["amendments"]["file"]]
    size = len(manifest.data)
    for name in names:
        answer = client.get(f"{base}/{name}")
        (target / name).write_bytes(answer.data)
        size += len(answer.data)
    return {"seconds": round(seconds, 1), "rss_added_mb": round(added, 1),
            "result": {k: v for k, v in result.items() if not isinstance(v, list | dict)},
            "download_s": round(time.perf_counter() - t0, 1), "download_mb": round(size / 2**20, 1),
            "manifest": str(target / "manifest.json")}


def run_child(part: str, spec: dict) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", part, json.dumps(spec)], capture_output=True,
                          text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"{part} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


PARTS = {"seal": part_seal, "requests": part_requests, "export": part_export}


# --- verification, as an outsider runs it ---------------------------------------------------------


BASELINE = """
import gzip, json, sys
from pathlib import Path
manifest = Path(sys.argv[1]); lines = 0
for path in sorted(manifest.parent.glob("*.jsonl.gz")):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            json.loads(line); lines += 1
print(lines)
"""


def verify(manifest: Path) -> dict:
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, str(VERIFIER), str(manifest)], capture_output=True, text=True)
    verify_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", BASELINE, str(manifest)], check=True, capture_output=True)
    read_s = time.perf_counter() - t0
    return {"seconds": round(verify_s, 1), "exit": done.returncode, "last_lines": done.stdout[-600:],
            "stderr": done.stderr[-600:], "baseline_read_parse_s": round(read_s, 1),
            "ratio_to_baseline": round(verify_s / read_s, 1)}


def set_published(db_url: str, published: bool) -> None:
    import psycopg

    with psycopg.connect(db_url) as conn:
        conn.execute("UPDATE contests SET published_at = " + ("now() - interval '1 hour'" if published else "NULL"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--small", action="store_true", help="a quick smoke run: about 1/50 of the sizes")
    parser.add_argument("--ballots", type=int, default=1_300_000, help="counted WSIS ballots")
    parser.add_argument("--entries", type=int, default=1270)
    parser.add_argument("--voters", type=int, default=360_000)
    parser.add_argument("--ranked-ballots", type=int, default=0, help="also the tally bench's ranked contest")
    parser.add_argument("--score-ballots", type=int, default=0, help="also the tally bench's score contest")
    parser.add_argument("--skip-load", action="store_true", help="use the database as the last load left it")
    parser.add_argument("--load-only", action="store_true", help="load the database, measure nothing")
    args = parser.parse_args()
    if args.child:
        part, spec = args.child
        print(json.dumps(PARTS[part](json.loads(spec)), default=str))
        return 0
    if args.small:
        args.ballots, args.voters, args.entries = 26_000, 12_000, 254
    db_url = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_ledger")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
    instance = tempfile.mkdtemp(prefix="voting-bench-ledger-")
    env = tally.settings_env(db_url, redis_url, instance)
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    report: dict = {"setup": {k: v for k, v in vars(args).items() if k != "child"}, "cpus": os.cpu_count(),
                    "targets": TARGETS}
    if not args.skip_load:
        report["load"] = load(args, env, db_url)
        print(json.dumps(report["load"]), flush=True)
        if args.load_only:
            return 0
    else:
        tally.migrate(env)
    set_published(db_url, False)
    spec = {"env": env, "db_url": db_url, "slug": tally.WSIS}
    report["seal"] = run_child("seal", spec)
    print(json.dumps(report["seal"]), flush=True)
    report["requests_closed"] = run_child("requests", {**spec, "lookups": True, "urls": [
        "/api/v1/contests/{slug}/ledger?limit=1000", "/api/v1/contests/{slug}/ledger/amendments?limit=10000"]})
    print(json.dumps(report["requests_closed"]), flush=True)
    set_published(db_url, True)
    contest_id = min(int(k) for k in report["seal"])
    report["export"] = run_child("export", {**spec, "contest_id": contest_id,
                                            "download_to": str(Path(instance) / "mirror")})
    print(json.dumps(report["export"]), flush=True)
    report["requests_published"] = run_child("requests", {**spec, "urls": [
        "/api/v1/contests/{slug}/ledger?limit=10", "/api/v1/contests/{slug}/ledger/batches/1",
        "/api/v1/contests/{slug}/ledger/export", "/api/v1/contests/{slug}/ledger/export/batch-000001.jsonl.gz"]})
    print(json.dumps(report["requests_published"]), flush=True)
    manifest = Path(report["export"]["manifest"])
    report["verify"] = verify(manifest)
    print(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
