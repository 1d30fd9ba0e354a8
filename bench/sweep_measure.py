"""One measurement of bench/sweep.py in a fresh Python process: `run_child(spec)`
runs this file with the spec (JSON) and answers the figures it prints.

The app's modules are imported before the clock starts, as in a worker that
has run a job before. Memory is the process's resident set: its peak during
each part (Linux's VmHWM, reset to the current RSS through
/proc/self/clear_refs just before the part) and its RSS before. ru_maxrss is
no use: after exec it keeps the peak of the process it was forked from.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for `voting` and `tests.support`

from benchdb import reset_peak, status_mb  # noqa: E402


def child(spec: dict) -> dict:
    """spec: env, contest_id, countries, now, mode (fetch, full, orm, sweep or increment), and optionally load
    (`load_records` arguments: cast_from, voters_from), rules (default true), profile, freeze."""
    os.environ.update(spec["env"])
    from sqlalchemy import func, select

    from tests.support.fraud_records import orm_records
    from voting import create_app
    from voting.extensions import db
    from voting.fraud import loading, services
    from voting.fraud.domain import rules
    from voting.fraud.domain.policy import Policy
    from voting.fraud.domain.thresholds import Thresholds

    app = create_app()
    out: dict = {"mode": spec["mode"], "loadavg_1min": round(os.getloadavg()[0], 2)}
    contest_id = spec["contest_id"]
    now = datetime.fromisoformat(spec["now"])
    arg = {k: datetime.fromisoformat(v) for k, v in spec.get("load", {}).items()}
    with app.app_context():
        db.session.execute(select(func.count()).select_from(db.metadata.tables["contests"]))  # connect first
        gc.collect()
        out["rss_before_mb"] = status_mb("VmRSS")
        reset_peak()
        t0 = time.perf_counter()
        if spec["mode"] == "fetch":  # the loader's statements, read as it reads them, rows thrown away
            where = loading.parts(contest_id, **arg)
            loading.configure(loading.READ_SETTINGS)
            voters = sum(len(rows) for rows in loading.batches(loading.voter_statement(where)))
            t1 = time.perf_counter()
            rows = sum(len(rows) for rows in loading.batches(loading.ballot_statement(where)))
            out.update(voters=voters, rows=rows, voters_s=t1 - t0, ballots_s=time.perf_counter() - t1,
                       seconds=time.perf_counter() - t0, peak_mb=status_mb("VmHWM"))
            return out
        if spec["mode"] == "sweep":
            result = services.sweep(contest_id, now)
            out.update(seconds=time.perf_counter() - t0, peak_mb=status_mb("VmHWM"), result=result)
            return out
        if spec["mode"] == "increment":  # the tick's sweep, end to end, with each read's share
            out.update(increment(contest_id, now, t0))
            return out
        if spec["mode"] == "orm":
            records = orm_records(contest_id)
        else:
            records = loading.load_ballots(contest_id, **arg)
        out["load_s"] = time.perf_counter() - t0
        out["load_peak_mb"] = status_mb("VmHWM")
        out["records"] = len(records)
        db.session.rollback()
        gc.collect()
        out["rss_records_mb"] = status_mb("VmRSS")
        if spec.get("rules", True):
            out.update(assess(records, now, spec, rules, Policy(), Thresholds()))
        out["seconds"] = out["load_s"] + out.get("rules_s", 0.0)
        out["peak_mb"] = max(out["load_peak_mb"], out.get("rules_peak_mb", 0.0))
    return out


def increment(contest_id: int, now: datetime, t0: float) -> dict:
    """`increments.sweep` with the time of each part: the reads (voting/fraud/reader.py), the rules
    (every pass), the filing."""
    import functools

    from voting.fraud import increments, reader
    from voting.fraud.domain import incremental

    parts: dict[str, float] = {}

    def timed(owner, name, label):
        inner = getattr(owner, name)

        @functools.wraps(inner)
        def wrapper(*args, **kwargs):
            began = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                parts[label] = parts.get(label, 0.0) + time.perf_counter() - began
        setattr(owner, name, wrapper)

    for name in ("recent", "lookback", "week", "prior", "answer"):
        timed(reader.SqlReader, name, "read: " + name)
    timed(incremental, "assess", "rules (every pass)")
    timed(increments, "file_sweep", "filing")
    result = increments.sweep(contest_id, now)
    return {"seconds": time.perf_counter() - t0, "peak_mb": status_mb("VmHWM"), "result": result,
            "parts_s": {k: round(v, 3) for k, v in parts.items()}}


def assess(records, now, spec: dict, rules, policy, thresholds) -> dict:
    """`rules.assess` over the records: its time, its peak, what it found (and its profile)."""
    profiler = None
    if spec.get("profile"):
        import cProfile

        profiler = cProfile.Profile()
    if spec.get("freeze"):  # the records out of the collector's way while the rules run
        gc.freeze()
    reset_peak()
    t1 = time.perf_counter()
    if profiler:
        profiler.enable()
    assessment = rules.assess(records, now, thresholds, policy, frozenset(spec["countries"]))
    if profiler:
        profiler.disable()
    out = {"rules_s": time.perf_counter() - t1, "rules_peak_mb": status_mb("VmHWM")}
    by_rule: dict[str, int] = {}
    for f in assessment.findings:
        by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
    actions = [v.action for v in assessment.verdicts.values()]
    out.update(findings=len(assessment.findings), findings_by_rule=by_rule,
               held=actions.count("hold"), flagged=actions.count("flag"))
    if profiler:
        import io
        import pstats

        buf = io.StringIO()
        stats = pstats.Stats(profiler, stream=buf)
        stats.sort_stats("cumulative").print_stats(25)
        stats.sort_stats("tottime").print_stats(15)
        out["profile"] = buf.getvalue()
    return out


def run_child(spec: dict, soft: bool = False) -> dict:
    """One measurement in a fresh process; `soft`: a failure is reported, not fatal."""
    proc = subprocess.run([sys.executable, __file__, json.dumps(spec, default=str)], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        if soft:
            return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
        raise SystemExit(f"the measurement {spec['mode']} failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print(json.dumps(child(json.loads(sys.argv[1])), default=str))
