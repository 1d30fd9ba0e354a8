"""Benchmark: fraud sweeps of a WSIS-sized public vote on PostgreSQL (issue 15).

Loads one contest into a dedicated PostgreSQL database with COPY, from a
seeded numpy generator: about 1.3 million `single` ballots over three weeks in
18 categories from about 130,000 voters, with the shares of addresses,
networks, devices and user agents of a real vote (bench/sweep_world.py), and
seven attack clusters (bench/sweep_attacks.py); bench/sweep_data.py loads it.

The last `--tick` ballots (10,000) are kept aside in a table of their own and
put into `ballots` only for the tick, so every run (and `--skip-load`) starts
from the same 1.3 million.

Then each measurement runs in a fresh Python process (bench/sweep_measure.py:
the app's modules imported before the clock starts; memory as the process's
resident set, its peak during each part and its RSS before, the interpreter
with Flask, SQLAlchemy and numpy):

  fetch     the loader's two SQL statements (voters, then ballots streamed
            from a server-side cursor) fetched and thrown away: PostgreSQL
            and the driver's share of the load;
  full      `voting.fraud.loading.load_ballots(contest)` (the load: SQL into
            columns), then `voting.fraud.domain.rules.assess` over them
            (every rule, then the combined verdicts);
  orm       (--orm) `tests.support.fraud_records.orm_records`, the plain ORM
            loader the sweep used before (the tests' reference), for comparison;
  profile   (--profile) cProfile of `rules.assess` over the full load;
  sweep     `voting.fraud.services.sweep(contest, now)` over everything,
            filing included: the last sweep before the tick;
  tick      the 10,000 new ballots inserted, then the periodic tick's sweep,
            `voting.fraud.increments.sweep(contest, now)`: incremental, end
            to end (its reads, the rules' passes, the filing timed apart).

    .venv/bin/python bench/sweep.py [--seed 1] [--profile] [--orm]
    .venv/bin/python bench/sweep.py --skip-load       # measure again, same database
    .venv/bin/python bench/sweep.py --small           # a fiftieth of the sizes: a smoke run

BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/bench_sweep,
dropped and created unless --skip-load) and BENCH_REDIS_URL (default
redis://127.0.0.1:6379/12) choose the servers. Speed is reported, never
asserted; the targets (issue 15) are printed beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import datetime, timedelta

from sweep_data import load, migrate, reset_tick
from sweep_measure import run_child
from sweep_world import ALLOWED

TARGETS = {"full_s": 60.0, "full_mb": 500.0, "tick_s": 5.0}


def settings_env(db_url: str, redis_url: str, instance: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"VOTING_ENV": "production", "VOTING_SECRET_KEY": "bench-secret-key-0123456789",
                "VOTING_BASE_URL": "https://localhost", "VOTING_DATABASE_URL": db_url,
                "VOTING_REDIS_URL": redis_url, "VOTING_INSTANCE_PATH": instance})
    return env


def table(report: dict) -> str:
    runs = report["runs"]
    names = [n for n in ("orm", "full", "full_frozen") if n in runs]
    label = {"orm": "full, ORM loader (before)", "full": "full sweep", "full_frozen": "full, records gc-frozen"}
    lines = ["| | " + " | ".join(label[n] for n in names) + " |", "|---|" + "---:|" * len(names)]

    def row(title, fn):
        lines.append(f"| {title} | " + " | ".join(fn(runs[n]) for n in names) + " |")

    row("ballots loaded", lambda r: f"{r['records']:,}")
    row("SQL + driver: fetch only (s)", lambda r: f"{r['fetch_s']:.2f}" if "fetch_s" in r else "–")
    row("load: SQL + columns (s)", lambda r: f"{r['load_s']:.2f}")
    row("rules: `rules.assess` (s)", lambda r: f"{r['rules_s']:.2f}" if "rules_s" in r else "–")
    row("**load + rules (s)**", lambda r: f"**{r['seconds']:.2f}**")
    row("RSS before (MB)", lambda r: f"{r['rss_before_mb']:.0f}")
    row("peak RSS while loading (MB)", lambda r: f"{r['load_peak_mb']:.0f}")
    row("RSS holding the ballots (MB)", lambda r: f"{r['rss_records_mb']:.0f}")
    row("peak RSS during the rules (MB)", lambda r: f"{r.get('rules_peak_mb', 0):.0f}")
    row("**peak RSS of the process (MB)**", lambda r: f"**{r['peak_mb']:.0f}**")
    row("machine's load average at the start (2 cores)", lambda r: f"{r.get('loadavg_1min', 0):.1f}")
    row("findings / held / flagged", lambda r: f"{r.get('findings', '–')} / {r.get('held', '–')} / "
                                               f"{r.get('flagged', '–')}")
    s = runs.get("sweep")
    if s and "error" in s:
        lines.append(f"\nEnd to end, `services.sweep`: failed ({s['error']})")
    elif s:
        lines.append(f"\nEnd to end, `services.sweep` over the full contest: **{s['seconds']:.2f} s**, peak RSS "
                     f"**{s['peak_mb']:.0f} MB** (load average {s['loadavg_1min']:.1f}), {s.get('result')}")
    tick = runs.get("tick")
    if tick and "error" in tick:
        lines.append(f"\nThe tick's sweep: failed ({tick['error']})")
    elif tick:
        parts = ", ".join(f"{k} {v:.2f} s" for k, v in tick["parts_s"].items())
        lines.append(f"\nThe tick's sweep after {report['tick']['ballots']:,} new ballots, `increments.sweep` end "
                     f"to end: **{tick['seconds']:.2f} s**, peak RSS **{tick['peak_mb']:.0f} MB** (load average "
                     f"{tick['loadavg_1min']:.1f}), {tick.get('result')}; {parts}.")
    fetch = runs.get("fetch")
    if fetch:
        lines.append(f"\nFetch only (full): voters {fetch['voters_s']:.2f} s ({fetch['voters']:,} rows), ballots "
                     f"{fetch['ballots_s']:.2f} s ({fetch['rows']:,} rows), peak RSS {fetch['peak_mb']:.0f} MB.")
    lines.append(f"\nTargets (issue 15): full sweep < {TARGETS['full_s']:.0f} s and < {TARGETS['full_mb']:.0f} MB; "
                 f"tick < {TARGETS['tick_s']:.0f} s.")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--small", action="store_true", help="a smoke run: a fiftieth of the sizes")
    parser.add_argument("--ballots", type=int, default=1_300_000, help="ballots of the full sweep")
    parser.add_argument("--tick", type=int, default=10_000, help="new ballots for the tick")
    parser.add_argument("--categories", type=int, default=18)
    parser.add_argument("--entries", type=int, default=1270)
    parser.add_argument("--days", type=int, default=21)
    parser.add_argument("--zipf", type=float, default=1.0)
    parser.add_argument("--campaigns", type=int, default=40)
    parser.add_argument("--campaign-size", type=int, default=1700, help="supporters of the largest campaign")
    parser.add_argument("--skip-load", action="store_true", help="measure the database the last load left")
    parser.add_argument("--profile", action="store_true", help="cProfile of rules.assess over the full load")
    parser.add_argument("--orm", action="store_true", help="also the tests' plain ORM loader, for comparison")
    parser.add_argument("--end-to-end", action="store_true", help="(always: the tick needs the sweep before it)")
    parser.add_argument("--freeze", action="store_true", help="also the rules with the records frozen (gc.freeze)")
    parser.add_argument("--no-tick", action="store_true")
    args = parser.parse_args()
    if args.small:
        for name, value in (("ballots", 26_000), ("tick", 1_000), ("entries", 254), ("campaign_size", 100),
                            ("campaigns", 10)):
            if getattr(args, name) == parser.get_default(name):
                setattr(args, name, value)

    db_url = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_sweep")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
    env = settings_env(db_url, redis_url, tempfile.mkdtemp(prefix="voting-bench-sweep-"))
    report: dict = {"setup": vars(args), "cpus": os.cpu_count(), "runs": {}}
    if not args.skip_load:
        report["load"] = load(args, env, db_url)
        print(json.dumps(report["load"], indent=2), flush=True)
    else:
        migrate(env)
    state = reset_tick(db_url, insert=False)
    report["state"] = state
    base = {"env": env, "contest_id": state["contest_id"], "countries": ALLOWED}
    full_now = (datetime.fromisoformat(state["full_last"]) + timedelta(minutes=1)).isoformat()
    runs = report["runs"]

    def measure(name: str, spec: dict, soft: bool = False) -> None:
        """A measurement over the full contest (the tick's ballots aside)."""
        runs[name] = run_child({**base, "now": full_now, **spec}, soft)
        if spec["mode"] in ("orm", "full"):
            runs[name]["fetch_s"] = runs["fetch"]["seconds"]
        print(name, json.dumps(runs[name]), flush=True)

    measure("fetch", {"mode": "fetch"})
    if args.orm:
        measure("orm", {"mode": "orm"})
    measure("full", {"mode": "full"})
    if args.profile:
        prof = run_child({**base, "mode": "full", "now": full_now, "profile": True})
        report["profile"] = {"rules_s_under_profile": prof["rules_s"]}
        print(prof["profile"], flush=True)
    if args.freeze:
        measure("full_frozen", {"mode": "full", "freeze": True})
    # The last sweep before the tick (a full one, filed), then the tick's ballots and its sweep.
    measure("sweep", {"mode": "sweep"}, soft=True)
    if not args.no_tick and "error" not in runs["sweep"]:
        reset_tick(db_url, insert=True)
        tick_now = (datetime.fromisoformat(state["tick_last"]) + timedelta(minutes=1)).isoformat()
        report["tick"] = {"first_new": state["tick_first"], "now": tick_now, "ballots": state["tick_ballots"]}
        runs["tick"] = run_child({**base, "mode": "increment", "now": tick_now}, soft=True)
        print("tick", json.dumps(runs["tick"], default=str), flush=True)
    reset_tick(db_url, insert=False)
    print(json.dumps(report, indent=2, default=str))
    print()
    print(table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
