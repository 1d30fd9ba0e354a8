"""Benchmark: the tally of a WSIS-sized campaign on PostgreSQL, end to end.

Loads three contests into a dedicated PostgreSQL database with COPY (psycopg 3
`cursor.copy`, users and ballots alike), from a seeded generator:

  wsis     the WSIS Prizes: 1.3 million counted `single` ballots over 18
           categories and 1,270 entries, entries and ballots spread unevenly
           over the categories (log-normal shares), each category's votes
           Zipf-like over its entries (p ~ 1/rank^s); plus ballots invalidated
           (2 %) and under review (0.5 %) by the fraud rules, which the tally
           must not count; policy `jury_among_champions`, with a jury round of
           the top five per category scored by three judges each (rubric,
           z-scores), so the tally joins real jury scores;
  ranked   200,000 `ranked` ballots over 4 categories (60 entries), truncated
           orderings (1 to 10 entries, most short) drawn from a
           Plackett-Luce model with Zipf-like strengths; tallied with
           Schulze (the target), then IRV and Borda on the same ballots
           (the contest's `ranked_method` changed in place between tallies);
  score    200,000 `score` ballots over 4 categories (60 entries), each
           rating 1 to 8 entries with 0-5 stars.

Voters are one pool of users (360,000 by default), each voting at most once
per category, as the (contest, category, voter) constraint demands. Then
every decided ballot is sealed into the ledger by the ledger's own seal job,
as the periodic job does during voting (timed and reported on its own), and
the ballots table is vacuumed and analysed, as autovacuum would have done.

Then each contest's tally is timed: `voting.results.tally.run(contest_id,
preview=False, user_id=None, now)`, the code the RQ job `tally_contest` runs,
called inside an app context in a fresh Python process per tally, with the
app's modules (numpy and scipy included) imported before the clock starts,
as in a worker that has run a job before. Its parts are timed by wrapping
the tally's own functions (nothing in voting/ is changed): the seal step
(everything is sealed already, so it only checks), the ledger head, the SQL
reads (counted ballots grouped by the database, then parsed; entries; the
jury's scores; the invalidation report), counting, awards and ties, the
uncertainty bootstrap (preparing the types, then the replicates), assembling
and normalising the snapshot, hashing it (canonical JSON + SHA-256), and
storing it (lock, insert, audit entry, commit). Memory: the process's peak
RSS during the tally (VmHWM, reset to the current RSS just before it through
/proc/self/clear_refs) less its RSS just before: what the tally adds to a
worker. (ru_maxrss would not do: after exec it keeps the peak of the process
it was forked from.) `--tracemalloc` runs one more tally of each under
tracemalloc and reports the Python and numpy allocations' peak, by part.
Before each tally the contest's earlier snapshots and their audit entries
are deleted, so every run does the whole work, storing included. `--rq` also
runs each contest's tally once through the real job: enqueued on the
`tallies` queue and run by the app's burst worker (voting/worker.py) in a
fresh process. `--profile` prints a cProfile of one more tally of each.
`--patch FILE` runs a Python file in each tally's process first (monkeypatches),
to measure a change without editing voting/; `--unsealed-index` adds a partial
index of unsealed ballots for the tallies and drops it afterwards (the code's
own migration 0011 now has it).

    .venv/bin/python bench/tally.py [--small] [--runs 3] [--seed 1] [--rq] [--profile] [--tracemalloc]
    .venv/bin/python bench/tally.py --skip-load        # tally again, same database (migrated first)
    .venv/bin/python bench/tally.py --skip-load --patch my_change.py

BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/bench_tally,
dropped and created unless --skip-load) and BENCH_REDIS_URL (default
redis://127.0.0.1:6379/10, flushed) choose the servers. Speed is reported,
never asserted; the targets (issue 13) are printed beside the figures.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from benchdb import reset_database, reset_peak, status_mb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

WSIS, RANKED, SCORE = "bench-wsis", "bench-ranked", "bench-score"
# Issue 13's targets (seconds, MB of memory), for its sizes: (counted ballots, categories, entries; None: any).
TARGETS = {"wsis": (5.0, 500.0, (1_300_000, 18, 1270)), "ranked:schulze": (10.0, None, (200_000, None, None))}
# Fixed dates, so the same seed gives the same snapshot hash on every load.
SUBMISSION = (datetime(2025, 1, 6, tzinfo=timezone.utc), datetime(2025, 1, 31, tzinfo=timezone.utc))
VOTING = (datetime(2025, 2, 3, tzinfo=timezone.utc), datetime(2025, 3, 17, tzinfo=timezone.utc))
JUDGING = (datetime(2025, 3, 18, tzinfo=timezone.utc), datetime(2025, 4, 18, tzinfo=timezone.utc))
STATUSES = ("counted", "invalidated", "under_review")
INVALID_REASONS = ("burst", "shared_prefix", "shared_device", "new_account_domain", "country")
REVIEW_REASONS = ("scripted_cadence", "min_render_time", "shared_user_agent")
BALLOT_COLUMNS = ("contest_id", "category_id", "voter_id", "receipt_hash", "method", "selection", "status", "flags",
                  "client_ip", "ip_prefix", "user_agent_hash", "device_id", "cast_at", "status_reason",
                  "decided_at")
USER_COLUMNS = ("id", "email", "email_normalised", "password_hash", "display_name", "country", "verified_at",
                "created_at", "session_version")
JUDGES, JUDGES_PER_ENTRY, CHAMPIONS = 15, 3, 5

# The parts of a tally, in the order the job does them (see `instrument`).
PARTS = [
    ("seal", "seal step + unsealed checks (all sealed before)"),
    ("head", "ledger head"),
    ("read_ballots", "SQL read: counted ballots, grouped + parsed"),
    ("read_entries", "SQL read: entries"),
    ("read_jury", "SQL read: jury scores"),
    ("read_report", "SQL read: invalidation report"),
    ("count", "counting"),
    ("awards", "awards and ties"),
    ("prepare", "uncertainty: prepare types"),
    ("bootstrap", "uncertainty: bootstrap replicates"),
    ("uncertainty_rest", "uncertainty: margins and flips"),
    ("assemble", "snapshot: assemble + normalise"),
    ("hash", "snapshot: canonical JSON + SHA-256"),
    ("store", "store: lock, insert, audit, commit"),
]


def settings_env(db_url: str, redis_url: str, instance: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"VOTING_ENV": "production", "VOTING_SECRET_KEY": "bench-secret-key-0123456789",
                "VOTING_BASE_URL": "https://localhost", "VOTING_DATABASE_URL": db_url,
                "VOTING_REDIS_URL": redis_url, "VOTING_INSTANCE_PATH": instance})
    return env


# --- the campaign ---------------------------------------------------------------------------


def split(rng, total: int, parts: int, sigma: float, least: int = 1) -> list[int]:
    """`total` over `parts` by log-normal shares (largest remainders), each at least `least`."""
    import numpy as np

    w = rng.lognormal(0.0, sigma, parts)
    spare = total - least * parts
    if spare < 0:
        raise SystemExit(f"cannot split {total} into {parts} parts of at least {least}")
    raw = w / w.sum() * spare
    out = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - out))[:spare - int(out.sum())]:
        out[i] += 1
    return [int(x) + least for x in out]


def zipf(rng, n: int, s: float):
    """Popularity of n entries, Zipf-like by a random rank each."""
    import numpy as np

    p = 1.0 / np.arange(1, n + 1) ** s
    return rng.permutation(p / p.sum())


def plackett_luce(rng, n_ballots: int, strengths, lengths):
    """Orderings (as candidate indices, -1 padded) by the Gumbel trick: top-k of log w + Gumbel."""
    import numpy as np

    keys = np.log(strengths)[None, :] + rng.gumbel(size=(n_ballots, len(strengths)))
    order = np.argsort(-keys, axis=1)[:, :int(lengths.max())]
    order[np.arange(order.shape[1])[None, :] >= lengths[:, None]] = -1
    return order


def lengths_of(rng, n: int, most: int, p: float):
    """How many entries a ballot names: 1 + geometric, at most `most`."""
    import numpy as np

    return np.minimum(rng.geometric(p, n), most).astype(np.int64)


class Campaign:
    """The three contests' categories, entries and ballots, from one seeded generator."""

    def __init__(self, args):
        import numpy as np

        self.args, self.rng = args, np.random.default_rng(args.seed)
        self.contests = []  # dicts: slug, method, entries per category, counted and held ballots per category
        self.voter_offset = 0  # voter n (1..voters) is the user of id n + voter_offset

    def plan(self):
        a = self.args
        self.contests.append(self._contest(WSIS, "single", a.categories, a.entries, a.ballots, a.zipf))
        if a.ranked_ballots:
            self.contests.append(self._contest(RANKED, "ranked", a.ranked_categories, a.ranked_entries,
                                               a.ranked_ballots, a.zipf))
        if a.score_ballots:
            self.contests.append(self._contest(SCORE, "score", a.score_categories, a.score_entries,
                                               a.score_ballots, a.zipf))
        biggest = max(n + h for c in self.contests for n, h in zip(c["counted"], c["held"]))
        if a.voters < biggest:
            raise SystemExit(f"--voters {a.voters} is fewer than the largest category's {biggest} ballots")
        return self

    def _contest(self, slug, method, categories, entries, ballots, s):
        rng = self.rng
        sizes = split(rng, entries, categories, 0.5, least=max(2, min(10, entries // categories)))
        counted = split(rng, ballots, categories, 0.6, least=1)
        held = [int(round(n * (self.args.invalid + self.args.review))) for n in counted]
        return {"slug": slug, "method": method, "sizes": sizes, "counted": counted, "held": held, "s": s}

    def ballots(self, contest, category_index, entry_ids):
        """(voters, selections as JSON text, statuses) of one category, in no particular order."""
        import numpy as np

        rng, a = self.rng, self.args
        n, h = contest["counted"][category_index], contest["held"][category_index]
        total = n + h
        voters = rng.choice(a.voters, size=total, replace=False) + 1 + self.voter_offset
        status = np.zeros(total, dtype=np.int8)  # 0 counted, 1 invalidated, 2 under review
        if h:
            invalid = int(round(h * a.invalid / (a.invalid + a.review)))
            held_at = rng.choice(total, size=h, replace=False)
            status[held_at[:invalid]] = 1
            status[held_at[invalid:]] = 2
        ids = np.array(entry_ids)
        p = zipf(rng, len(ids), contest["s"])
        method = contest["method"]
        if method == "single":
            picks = ids[rng.choice(len(ids), size=total, p=p)]
            texts = [f"[{e}]" for e in picks.tolist()]
        elif method == "ranked":
            lengths = lengths_of(rng, total, min(len(ids), a.ranked_max_length), 0.3)
            order = plackett_luce(rng, total, p, lengths)
            texts = ["[" + ", ".join(str(ids[i]) for i in row if i >= 0) + "]" for row in order.tolist()]
        else:
            lengths = lengths_of(rng, total, min(len(ids), 8), 0.35)
            order = plackett_luce(rng, total, p, lengths)
            quality = rng.uniform(1.0, 4.5, len(ids))
            stars = np.clip(np.rint(quality[np.maximum(order, 0)] + rng.normal(0, 1.0, order.shape)), 0, 5)
            texts = ["{" + ", ".join(f'"{ids[i]}": {int(v)}' for i, v in zip(row, srow) if i >= 0) + "}"
                     for row, srow in zip(order.tolist(), stars.tolist())]
        return voters, texts, status


# --- loading ----------------------------------------------------------------------------------


def create_contests(env, campaign) -> dict:
    """The organiser, the contests (through the SPEC service) and their entries; answers their ids."""
    os.environ.update(env)
    from voting import create_app
    from voting.accounts import services as accounts
    from voting.contests import services
    from voting.contests.models import Entry
    from voting.extensions import db

    app = create_app()
    made = {}
    with app.app_context():
        organiser, _ = accounts.ensure_user("organiser@bench.example.org", "bench password 2021", "Bench")
        accounts.grant_role(organiser, "organiser")
        db.session.commit()
        organiser_id = organiser.id
        for c in campaign.contests:
            voting = {"method": c["method"], "pow_bits": 8}
            if c["method"] == "ranked":
                voting["ranked_method"] = "schulze"
            if c["method"] == "score":
                voting["score_max"] = 5
            wsis = c["slug"] == WSIS
            spec = {"slug": c["slug"], "title": c["slug"], "kind": "prize",
                    "categories": [{"slug": f"c{i + 1}", "title": f"Category {i + 1}"}
                                   for i in range(len(c["sizes"]))],
                    "phases": {"submission": window(SUBMISSION), "voting": window(VOTING),
                               "judging": window(JUDGING)},
                    "voting": voting,
                    "judging": ({"mode": "rubric", "judges_per_entry": JUDGES_PER_ENTRY} if wsis
                                else {"mode": "none"}),
                    "awards": ({"policy": "jury_among_champions", "champions_per_category": CHAMPIONS,
                                "winners_per_category": 1} if wsis
                               else {"policy": "public", "winners_per_category": 3})}
            contest = services.create_contest(spec, organiser, SUBMISSION[0])
            span = (SUBMISSION[1] - SUBMISSION[0]).total_seconds()
            rows, k = [], 0
            for category, size in zip(contest.categories, c["sizes"]):
                for i in range(size):
                    at = SUBMISSION[0] + timedelta(seconds=int(span * ((k * 7919) % 10007) / 10007))
                    entry = Entry(contest_id=contest.id, category_id=category.id,
                                  title=f"{category.slug} entry {i + 1}", organisation=f"Org {k % 400}",
                                  country="CH", status="approved", submitted_by_id=organiser_id, created_at=at)
                    if hasattr(Entry, "submitted_at"):  # handed in (the submission flow's column)
                        entry.submitted_at = entry.updated_at = at
                    rows.append(entry)
                    k += 1
            db.session.add_all(rows)
            db.session.commit()
            entries = {}
            for e in rows:
                entries.setdefault(e.category_id, []).append(e.id)
            made[c["slug"]] = {"id": contest.id, "categories": [(cat.id, cat.slug) for cat in contest.categories],
                               "entries": entries}
        db.session.remove()
    return made


def window(pair) -> dict:
    return {"opens_at": pair[0].isoformat(), "closes_at": pair[1].isoformat()}


def copy_users(db_url: str, voters: int, first_id: int) -> None:
    import psycopg

    created = VOTING[0] - timedelta(days=30)
    with psycopg.connect(db_url) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY users ({', '.join(USER_COLUMNS)}) FROM STDIN") as copy:
            for start in range(0, voters, 50_000):
                lines = []
                for n in range(start, min(voters, start + 50_000)):
                    uid = first_id + n
                    at = (created + timedelta(seconds=n * 7)).isoformat()
                    lines.append(f"{uid}\tvoter{n}@bench.example.org\tvoter{n}@bench.example.org\t\\N\t"
                                 f"Voter {n}\t{COUNTRIES[n % len(COUNTRIES)]}\t{at}\t{at}\t1\n")
                copy.write("".join(lines))
        cur.execute("SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))")


COUNTRIES = ("CH", "IN", "NG", "BR", "FR", "KE", "EG", "ID", "US", "MX", "RW", "BD")
USER_AGENTS = [hashlib.sha256(f"ua{i}".encode()).hexdigest() for i in range(40)]


def copy_ballots(db_url: str, campaign, made: dict, seed: int) -> dict:
    """Every contest's ballots, in one COPY, ordered by cast time across contests
    (ids interleave as they would). Answers counts and, for the WSIS jury, the
    counted votes per entry."""
    import numpy as np
    import psycopg

    rng = campaign.rng
    parts, votes = [], {}
    for c in campaign.contests:
        info = made[c["slug"]]
        for k, (category_id, _slug) in enumerate(info["categories"]):
            voters, texts, status = campaign.ballots(c, k, info["entries"][category_id])
            parts.append((info["id"], category_id, c["method"], voters, texts, status))
            if c["slug"] == WSIS:
                counted = [t for t, s in zip(texts, status.tolist()) if s == 0]
                tally: dict[int, int] = {}
                for t in counted:
                    e = int(t[1:-1])
                    tally[e] = tally.get(e, 0) + 1
                votes[category_id] = tally
    sizes = [len(p[4]) for p in parts]
    total = sum(sizes)
    which = np.repeat(np.arange(len(parts)), sizes)
    within = np.concatenate([np.arange(s) for s in sizes])
    span = (VOTING[1] - VOTING[0]).total_seconds()
    times = np.sort(rng.uniform(0, span, total))
    order = rng.permutation(total)  # a random cast order over all ballots
    ips = rng.integers(0, 2**32, total, dtype=np.uint64)
    ua = rng.integers(0, len(USER_AGENTS), total)
    count = {"counted": 0, "invalidated": 0, "under_review": 0}
    columns = ", ".join(BALLOT_COLUMNS)
    t0 = time.perf_counter()
    with psycopg.connect(db_url) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY ballots ({columns}) FROM STDIN") as copy:
            lines = []
            for n, j in enumerate(order.tolist()):
                p = parts[which[j]]
                i = within[j]
                contest_id, category_id, method, voters, texts, status = p
                s = STATUSES[status[i]]
                count[s] += 1
                voter = int(voters[i])
                ip = int(ips[n])
                a, b, c3 = ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255
                cast = VOTING[0] + timedelta(seconds=float(times[n]))
                reason = "\\N"
                decided = "\\N"
                if s == "invalidated":
                    reason = INVALID_REASONS[voter % len(INVALID_REASONS)]
                    decided = (cast + timedelta(hours=6)).isoformat()
                elif s == "under_review":
                    reason = REVIEW_REASONS[voter % len(REVIEW_REASONS)]
                receipt = hashlib.sha256(f"{seed}:receipt:{n}".encode()).hexdigest()
                device = hashlib.md5(f"{seed}:device:{voter}".encode()).hexdigest()
                lines.append(f"{contest_id}\t{category_id}\t{voter}\t{receipt}\t{method}\t{texts[i]}\t{s}\t[]\t"
                             f"{a}.{b}.{c3}.{ip & 255}\t{a}.{b}.{c3}.0/24\t{USER_AGENTS[ua[n]]}\t{device}\t"
                             f"{cast.isoformat()}\t{reason}\t{decided}\n")
                if len(lines) == 20_000:
                    copy.write("".join(lines))
                    lines = []
            if lines:
                copy.write("".join(lines))
    count["seconds"] = time.perf_counter() - t0
    count["total"] = total
    return {"ballots": count, "wsis_votes": votes}


def add_jury(env, made: dict, wsis_votes: dict, seed: int) -> int:
    """The WSIS jury's round 1: the public's top five per category (as
    `judging.assignments` shortlists them), each scored by three of fifteen
    judges, every sheet submitted. Answers the number of sheets."""
    import random

    os.environ.update(env)
    from voting import create_app
    from voting.accounts.models import User, UserRole
    from voting.contests.models import Contest
    from voting.extensions import db
    from judging.models import Assignment, Judge, Round, RoundEntry, ScoreSheet

    rng = random.Random(seed)
    app = create_app()
    with app.app_context():
        contest = db.session.get(Contest, made[WSIS]["id"])
        judging = contest.settings["judging"]
        at = JUDGING[0] + timedelta(days=3)
        judges = []
        for j in range(JUDGES):
            user = User(email=f"judge{j}@bench.example.org", email_normalised=f"judge{j}@bench.example.org",
                        password_hash=None, display_name=f"Judge {j}", verified_at=at, created_at=at)
            db.session.add(user)
            db.session.flush()
            db.session.add_all([UserRole(user_id=user.id, role="judge", contest_id=contest.id, created_at=at),
                                Judge(contest_id=contest.id, user_id=user.id, organisation=f"Jury {j}",
                                      created_at=at)])
            judges.append(user.id)
        rnd = Round(contest_id=contest.id, number=1, mode="rubric", criteria=judging["criteria"],
                    judges_per_entry=JUDGES_PER_ENTRY, seed=seed, shortlisted=True, created_at=at)
        db.session.add(rnd)
        db.session.flush()
        sheets = 0
        for category_id, _ in made[WSIS]["categories"]:
            tally = wsis_votes.get(category_id, {})
            top = sorted(tally, key=lambda e: (-tally[e], e))[:CHAMPIONS]
            for entry_id in top:
                db.session.add(RoundEntry(round_id=rnd.id, entry_id=entry_id))
                quality = rng.uniform(4, 9)
                for judge in rng.sample(judges, JUDGES_PER_ENTRY):
                    a = Assignment(round_id=rnd.id, judge_id=judge, entry_id=entry_id, created_at=at)
                    db.session.add(a)
                    db.session.flush()
                    score = round(min(10.0, max(0.0, quality + rng.gauss(0, 1.2))), 1)
                    db.session.add(ScoreSheet(assignment_id=a.id, scores={"overall": score}, status="submitted",
                                              submitted_at=at, updated_at=at))
                    sheets += 1
        db.session.commit()
        db.session.remove()
    return sheets


def record_decisions(env, made: dict) -> dict:
    """The review decision behind the invalidated ballots, as the fraud review makes it: one audit
    entry per contest naming them, its hash on each (an invalidated leaf names it: docs/ledger.md)."""
    os.environ.update(env)
    from sqlalchemy import select, update

    from voting import create_app
    from voting.audit import services as audit
    from voting.ballots.models import Ballot
    from voting.contests.models import Contest
    from voting.extensions import db

    app = create_app()
    out = {}
    with app.app_context():
        for slug, info in made.items():
            contest = db.session.get(Contest, info["id"])
            ids = list(db.session.scalars(select(Ballot.id).where(Ballot.contest_id == contest.id,
                                                                  Ballot.status == "invalidated")))
            if not ids:
                continue
            entry = audit.append(contest, None, "fraud.invalidate", f"{len(ids)} ballot(s)",
                                 {"reason": "bench: held by a rule and invalidated on review", "ballots": ids,
                                  "status": "invalidated"}, VOTING[1])
            db.session.execute(update(Ballot).where(Ballot.contest_id == contest.id, Ballot.status == "invalidated")
                               .values(decision_audit_hash=entry.hash))
            db.session.commit()
            out[slug] = len(ids)
        db.session.remove()
    return out


def seal_everything(env, made: dict) -> dict:
    """The ledger's own seal job, run until nothing is left, contest by contest."""
    os.environ.update(env)
    from voting import create_app
    from voting.extensions import db
    from voting.ledger import jobs

    app = create_app()
    out = {}
    with app.app_context():
        for slug, info in made.items():
            t0 = time.perf_counter()
            batches = ballots = 0
            while True:
                done = jobs.seal_ledger(info["id"])
                batches += done["batches"]
                ballots += done["ballots"]
                if done["batches"] < jobs.MAX_BATCHES_PER_JOB:
                    break
            out[slug] = {"batches": batches, "ballots": ballots, "seconds": round(time.perf_counter() - t0, 2)}
        db.session.remove()
    return out


def vacuum(db_url: str) -> float:
    import psycopg

    t0 = time.perf_counter()
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - t0


def migrate(env) -> None:
    """The app's own path: `flask db upgrade` (Alembic), to the migrations' head."""
    subprocess.run([str(BIN / "flask"), "--app", "voting", "db", "upgrade"], env=env, cwd=ROOT, check=True,
                   capture_output=True)


UNSEALED_INDEX = "ix_bench_ballots_unsealed"


def unsealed_index(db_url: str, create: bool) -> None:
    """The partial index proposed for the seal step (docs/benchmarks.md), in the bench database only."""
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        if create:
            conn.execute(f"CREATE INDEX IF NOT EXISTS {UNSEALED_INDEX} ON ballots (contest_id, id) WHERE NOT sealed")
            conn.execute("ANALYZE ballots")
        else:
            conn.execute(f"DROP INDEX IF EXISTS {UNSEALED_INDEX}")


def load(args, env, db_url) -> dict:
    import multiprocessing as mp

    t0 = time.perf_counter()
    reset_database(db_url)
    migrate(env)
    campaign = Campaign(args).plan()
    spawn = mp.get_context("spawn")
    with spawn.Pool(1) as pool:  # the app in its own process, as everywhere below
        made = pool.apply(create_contests, (env, campaign))
    import psycopg

    with psycopg.connect(db_url) as conn:
        first_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM users").fetchone()[0]
    t1 = time.perf_counter()
    copy_users(db_url, args.voters, first_id)
    users_s = time.perf_counter() - t1
    campaign.voter_offset = first_id - 1
    copied = copy_ballots(db_url, campaign, made, args.seed)
    with spawn.Pool(1) as pool:
        sheets = pool.apply(add_jury, (env, made, copied["wsis_votes"], args.seed))
        pool.apply(record_decisions, (env, made))
        t2 = time.perf_counter()
        sealed = pool.apply(seal_everything, (env, made))
        seal_s = time.perf_counter() - t2
    vacuum_s = vacuum(db_url)
    with psycopg.connect(db_url) as conn:
        size = conn.execute("SELECT pg_size_pretty(pg_total_relation_size('ballots')), "
                            "pg_size_pretty(pg_total_relation_size('ledger_leaves'))").fetchone()
    return {"users": args.voters, "users_copy_s": round(users_s, 2), "ballots": copied["ballots"],
            "jury_sheets": sheets, "sealing": sealed, "sealing_s": round(seal_s, 1),
            "vacuum_analyze_s": round(vacuum_s, 1), "ballots_table": size[0], "ledger_leaves_table": size[1],
            "load_s": round(time.perf_counter() - t0, 1),
            "contests": {k: {"categories": len(v["categories"]), "entries": sum(map(len, v["entries"].values()))}
                         for k, v in made.items()}}


# --- one tally, in a fresh process ------------------------------------------------------------


class Clock:
    """Exclusive seconds by part: a wrapped call's time goes to its label and
    is taken off whichever wrapped call encloses it."""

    def __init__(self, memory: bool = False):
        self.spent: dict[str, float] = {}
        self.stack: list[list] = []
        # With tracemalloc on: the peak of traced memory (MB) in the stretch that each part's call ends,
        # since the previous part's call ended.
        self.memory = memory
        self.peaks: dict[str, float] = {}

    def wrap(self, label, fn):
        def timed(*a, **k):
            frame = [label, time.perf_counter(), 0.0]
            self.stack.append(frame)
            try:
                return fn(*a, **k)
            finally:
                self.stack.pop()
                took = time.perf_counter() - frame[1]
                self.spent[label] = self.spent.get(label, 0.0) + took - frame[2]
                if self.stack:
                    self.stack[-1][2] += took
                if self.memory:
                    self.mark(label)
        return timed

    def mark(self, label) -> None:
        import tracemalloc

        peak = tracemalloc.get_traced_memory()[1] / 2**20
        self.peaks[label] = max(self.peaks.get(label, 0.0), peak)
        tracemalloc.reset_peak()


def instrument(clock: Clock) -> None:
    """Wrap the tally's steps (module attributes, looked up at call time, so
    the job's own code runs unchanged)."""
    from voting.ballots import counted
    from voting.ledger import head
    from voting.results import tally
    from voting.results.domain import counting, snapshot, uncertainty

    head.seal_all = clock.wrap("seal", head.seal_all)
    head.unsealed = clock.wrap("seal", head.unsealed)  # seal_all's check, and the tally's own once it has sealed
    head.head = clock.wrap("head", head.head)
    counted.counted_votes = clock.wrap("read_ballots", counted.counted_votes)
    counted.standing_entries = clock.wrap("read_entries", counted.standing_entries)
    tally.jury_scores = clock.wrap("read_jury", tally.jury_scores)
    tally.invalidation_report = clock.wrap("read_report", tally.invalidation_report)
    # decide(): what is not one of the parts below is assembling the inputs and the snapshot
    tally.decide = clock.wrap("assemble", tally.decide)
    counting.marks = clock.wrap("count", counting.marks)
    counting.count = clock.wrap("count", counting.count)
    snapshot.decide_category = clock.wrap("awards", snapshot.decide_category)
    uncertainty.assess = clock.wrap("uncertainty_rest", uncertainty.assess)
    uncertainty.prepare = clock.wrap("prepare", uncertainty.prepare)
    uncertainty.bootstrap = clock.wrap("bootstrap", uncertainty.bootstrap)
    snapshot.Decision.sha256 = clock.wrap("hash", snapshot.Decision.sha256)


def forget_snapshots(contest_id: int) -> None:
    """So the tally stores a snapshot every time (it stores none if the last has the same hash)."""
    from sqlalchemy import delete

    from voting.audit.models import AuditEntry
    from voting.extensions import db
    from voting.results.models import ResultSnapshot

    db.session.execute(delete(ResultSnapshot).where(ResultSnapshot.contest_id == contest_id))
    db.session.execute(delete(AuditEntry).where(AuditEntry.contest_id == contest_id,
                                                AuditEntry.action == "results.tallied"))
    db.session.commit()


def set_ranked_method(contest, method: str) -> None:
    from voting.extensions import db

    settings = json.loads(json.dumps(contest.settings))
    settings["voting"]["ranked_method"] = method
    contest.settings = settings
    db.session.commit()


def child(spec: dict) -> dict:
    """One tally in this (fresh) process; answers times, memory and the result's hash."""
    os.environ.update(spec["env"])
    from sqlalchemy import String, cast, func, select

    from voting import create_app
    from voting.ballots.models import Ballot
    from voting.contests.models import Contest
    from voting.extensions import db
    from voting.results import jobs, tally  # noqa: F401  (numpy, scipy and the job's code, as a warm worker has)

    if spec.get("patch"):  # a change to try, without editing voting/ (see --patch)
        exec(compile(Path(spec["patch"]).read_text(), spec["patch"], "exec"), {"__name__": "bench_patch"})
    app = create_app()
    out: dict = {}
    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.slug == spec["slug"]))
        if spec.get("ranked_method"):
            set_ranked_method(contest, spec["ranked_method"])
        contest_id = contest.id
        forget_snapshots(contest_id)
        db.session.remove()
        if spec["mode"] == "rq":
            return rq_tally(contest_id, out)
        clock = Clock(memory=bool(spec.get("tracemalloc")))
        if not spec.get("bare"):
            instrument(clock)
        profiler = None
        if spec.get("profile"):
            import cProfile

            profiler = cProfile.Profile()
        if spec.get("tracemalloc"):
            import tracemalloc

            tracemalloc.start(1)
        gc.collect()
        reset_peak()
        out["rss_before_mb"] = status_mb("VmRSS")
        t0 = time.perf_counter()
        if profiler:
            profiler.enable()
        result = tally.run(contest_id, False, None, datetime.now(timezone.utc))
        if profiler:
            profiler.disable()
        out["seconds"] = time.perf_counter() - t0
        out["peak_mb"], out["rss_after_mb"] = status_mb("VmHWM"), status_mb("VmRSS")
        out["ru_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        out["result"] = result
        out["parts"] = dict(clock.spent)
        out["parts"]["store"] = out["seconds"] - sum(clock.spent.values())
        if spec.get("tracemalloc"):
            import tracemalloc

            clock.mark("store")
            out["tracemalloc_peak_mb"] = max(clock.peaks.values())
            out["tracemalloc_parts_mb"] = clock.peaks
            out["tracemalloc_left_mb"] = tracemalloc.get_traced_memory()[0] / 2**20
            tracemalloc.stop()
        if profiler:
            import io
            import pstats

            buf = io.StringIO()
            stats = pstats.Stats(profiler, stream=buf)
            stats.sort_stats("cumulative").print_stats(30)
            stats.sort_stats("tottime").print_stats(25)
            out["profile"] = buf.getvalue()
        # The grouped read of counted.counted_votes, its rows fetched but not parsed: the database's share,
        # through a server-side cursor (yield_per, as counted.py reads it today) and as a plain query.
        text = cast(Ballot.selection, String)
        query = (select(Ballot.category_id, text, func.count())
                 .where(Ballot.contest_id == contest_id, Ballot.status == "counted").group_by(Ballot.category_id, text))
        for key, statement in (("sql_cursor_s", query.execution_options(yield_per=5000)), ("sql_plain_s", query)):
            t1 = time.perf_counter()
            out["groups"] = sum(1 for _ in db.session.execute(statement))
            out[key] = time.perf_counter() - t1
            db.session.rollback()
        from voting.results.models import ResultSnapshot

        row = db.session.scalar(select(ResultSnapshot).where(ResultSnapshot.contest_id == contest_id))
        out["body_bytes"] = len(json.dumps(row.body, separators=(",", ":"))) if row else None
        db.session.remove()
    return out


def rq_tally(contest_id: int, out: dict) -> dict:
    """The real job: enqueued on `tallies`, run by the app's burst worker in this process."""
    from rq.job import Job

    from voting.extensions import get_redis
    from voting.results import jobs
    from voting.worker import run_worker

    job = jobs.enqueue_tally(contest_id, False, None)
    gc.collect()
    reset_peak()
    out["rss_before_mb"] = status_mb("VmRSS")
    t0 = time.perf_counter()
    run_worker(["tallies"], burst=True)
    out["seconds"] = time.perf_counter() - t0
    out["peak_mb"] = status_mb("VmHWM")
    job = Job.fetch(job.id, connection=get_redis())
    out["status"] = str(getattr(job.get_status(), "value", job.get_status()))
    out["result"] = job.return_value()
    if job.started_at and job.ended_at:
        out["job_seconds"] = (job.ended_at - job.started_at).total_seconds()
    return out


def run_child(spec: dict) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)], cwd=ROOT, capture_output=True,
                          text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"the tally of {spec['slug']} failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- report -----------------------------------------------------------------------------------


def summarise(runs: list[dict]) -> dict:
    best = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]  # the median run, for its parts
    return {"seconds": [round(r["seconds"], 3) for r in runs],
            "median_s": round(statistics.median(r["seconds"] for r in runs), 3),
            "peak_increase_mb": round(max(r["peak_mb"] - r["rss_before_mb"] for r in runs), 1),
            "peak_rss_mb": round(max(r["peak_mb"] for r in runs), 1),
            "baseline_rss_mb": round(statistics.median(r["rss_before_mb"] for r in runs), 1),
            "parts": {k: round(v, 3) for k, v in best.get("parts", {}).items()},
            "sql_cursor_s": round(statistics.median(r["sql_cursor_s"] for r in runs), 3),
            "sql_plain_s": round(statistics.median(r["sql_plain_s"] for r in runs), 3),
            "groups": runs[0].get("groups"), "body_bytes": runs[0].get("body_bytes"),
            "sha256": sorted({r["result"].get("sha256", "?") for r in runs}),
            "new": [r["result"].get("new") for r in runs]}


def table(report: dict) -> str:
    names = list(report["tallies"])
    head = "| | " + " | ".join(names) + " |"
    lines = [head, "|---|" + "---:|" * len(names)]

    def row(label, fn):
        lines.append(f"| {label} | " + " | ".join(fn(report["tallies"][n]) for n in names) + " |")

    row("ballots counted", lambda t: f"{t['ballots']:,}")
    row("categories / entries", lambda t: f"{t['categories']} / {t['entries']:,}")
    row("rows from the GROUP BY", lambda t: f"{t['groups']:,}")
    row("**tally, median (s)**", lambda t: f"**{t['median_s']:.2f}**")
    row("runs (s)", lambda t: ", ".join(f"{s:.2f}" for s in t["seconds"]))
    row("**peak RSS increase (MB)**", lambda t: f"**{t['peak_increase_mb']:.0f}**")
    row("peak RSS of the process (MB)", lambda t: f"{t['peak_rss_mb']:.0f}")
    for key, label in PARTS:
        row(f"&nbsp;&nbsp;{label}", lambda t, k=key: f"{t['parts'].get(k, 0.0):.3f}")
    row("the ballot read's query alone: server-side cursor / plain", lambda t: f"{t['sql_cursor_s']:.2f} / "
        f"{t['sql_plain_s']:.2f}")
    row("snapshot body (MB of JSON)", lambda t: f"{t['body_bytes'] / 2**20:.1f}" if t["body_bytes"] else "–")
    row("target", lambda t: t["target"])
    if any("tracemalloc" in t for t in report["tallies"].values()):
        row("traced by tracemalloc, peak (MB) / its largest stretch",
            lambda t: "–" if "tracemalloc" not in t else f"{t['tracemalloc']['peak_mb']:.0f} / " + max(
                t["tracemalloc"]["peak_by_part_mb"].items(), key=lambda kv: kv[1])[0])
    if any("rq" in t for t in report["tallies"].values()):
        row("through RQ: job (s) / peak RSS increase (MB)",
            lambda t: f"{t['rq']['job_seconds']:.2f} / {t['rq']['peak_increase_mb']:.0f}" if "rq" in t else "–")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--small", action="store_true", help="a quick smoke run: about 1/50 of every size, 1 run")
    parser.add_argument("--ballots", type=int, default=1_300_000, help="counted WSIS ballots")
    parser.add_argument("--categories", type=int, default=18)
    parser.add_argument("--entries", type=int, default=1270)
    parser.add_argument("--zipf", type=float, default=1.0, help="exponent s of each category's popularity")
    parser.add_argument("--invalid", type=float, default=0.02, help="share of extra ballots invalidated")
    parser.add_argument("--review", type=float, default=0.005, help="share of extra ballots under review")
    parser.add_argument("--ranked-ballots", type=int, default=200_000)
    parser.add_argument("--ranked-categories", type=int, default=4)
    parser.add_argument("--ranked-entries", type=int, default=60)
    parser.add_argument("--ranked-max-length", type=int, default=10)
    parser.add_argument("--score-ballots", type=int, default=200_000)
    parser.add_argument("--score-categories", type=int, default=4)
    parser.add_argument("--score-entries", type=int, default=60)
    parser.add_argument("--voters", type=int, default=360_000)
    parser.add_argument("--runs", type=int, default=3, help="tallies of each contest, each in a fresh process")
    parser.add_argument("--skip-load", action="store_true", help="tally the database as the last load left it")
    parser.add_argument("--rq", action="store_true", help="also run each tally once through a burst RQ worker")
    parser.add_argument("--profile", action="store_true", help="one more tally of each under cProfile, printed")
    parser.add_argument("--tracemalloc", action="store_true", help="one more tally of each under tracemalloc")
    parser.add_argument("--only", nargs="+", help="tally only these (wsis ranked:schulze ranked:irv ... score)")
    parser.add_argument("--unsealed-index", action="store_true",
                        help="create the proposed partial index on unsealed ballots for the tallies (dropped after)")
    parser.add_argument("--patch", help="a Python file run in each tally's process before the tally, to try a "
                                        "change (monkeypatching voting/) without editing the code")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child)), default=str))
        return 0
    if args.small:
        for name, value in (("ballots", 26_000), ("ranked_ballots", 4_000), ("score_ballots", 4_000),
                            ("voters", 12_000), ("entries", 254), ("runs", 1)):
            if getattr(args, name) == parser.get_default(name):
                setattr(args, name, value)

    db_url = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_tally")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
    env = settings_env(db_url, redis_url, tempfile.mkdtemp(prefix="voting-bench-tally-"))

    import redis

    redis.Redis.from_url(redis_url).flushdb()
    report: dict = {"setup": {k: v for k, v in vars(args).items() if k not in ("child",)}, "cpus": os.cpu_count()}
    if not args.skip_load:
        report["load"] = load(args, env, db_url)
        print(json.dumps(report["load"], indent=2), flush=True)
    else:
        migrate(env)  # the code may have moved on since the load
    unsealed_index(db_url, create=args.unsealed_index)
    try:
        tally_all(args, env, db_url, report)
    finally:
        unsealed_index(db_url, create=False)
    print(json.dumps(report, indent=2, default=str))
    print()
    print(table(report))
    return 0


def tally_all(args, env, db_url, report) -> None:
    """Each contest's tallies (and each ranked method's), `args.runs` times, each in a fresh process."""
    import psycopg

    with psycopg.connect(db_url) as conn:
        facts = {slug: conn.execute(
            "SELECT count(*) FILTER (WHERE b.status = 'counted'), "
            "(SELECT count(*) FROM categories WHERE contest_id = c.id), "
            "(SELECT count(*) FROM entries WHERE contest_id = c.id AND status = 'approved') "
            "FROM contests c LEFT JOIN ballots b ON b.contest_id = c.id WHERE c.slug = %s GROUP BY c.id",
            (slug,)).fetchone() for slug in (WSIS, RANKED, SCORE)}
    plan = [("wsis", WSIS, None)]
    if facts.get(RANKED):
        plan += [(f"ranked:{m}", RANKED, m) for m in ("schulze", "irv", "borda")]
    if facts.get(SCORE):
        plan += [("score", SCORE, None)]
    if args.only:
        plan = [p for p in plan if p[0] in args.only]
    report["tallies"] = {}
    for name, slug, method in plan:
        spec = {"env": env, "slug": slug, "ranked_method": method, "mode": "direct",
                "patch": str(Path(args.patch).resolve()) if args.patch else None}
        runs = []
        for k in range(args.runs):
            runs.append(run_child(spec))
            print(f"{name}: run {k + 1}: {runs[-1]['seconds']:.2f} s, peak RSS +"
                  f"{runs[-1]['peak_mb'] - runs[-1]['rss_before_mb']:.0f} MB", flush=True)
        found = summarise(runs)
        ballots, categories, entries = facts[slug]
        target = TARGETS.get(name)
        if target and any(want is not None and want != got for want, got in zip(target[2], facts[slug])):
            target = None  # the targets are for the sizes
        found.update({"ballots": ballots, "categories": categories, "entries": entries,
                      "target": "–" if target is None else
                      f"< {target[0]:g} s" + (f", < {target[1]:g} MB" if target[1] else "") + (
                          " (met)" if found["median_s"] < target[0]
                          and (target[1] is None or found["peak_increase_mb"] < target[1]) else " (MISSED)")})
        if args.rq:
            r = run_child({**spec, "mode": "rq"})
            found["rq"] = {"seconds": round(r["seconds"], 3), "job_seconds": round(r.get("job_seconds", -1), 3),
                           "status": r["status"], "result": r["result"],
                           "peak_increase_mb": round(r["peak_mb"] - r["rss_before_mb"], 1)}
            print(f"{name}: through RQ: {found['rq']}", flush=True)
        if args.profile:
            found["profile"] = run_child({**spec, "profile": True, "bare": True})["profile"]
        if args.tracemalloc:
            r = run_child({**spec, "tracemalloc": True})
            found["tracemalloc"] = {"peak_mb": round(r["tracemalloc_peak_mb"], 1),
                                    "left_after_mb": round(r["tracemalloc_left_mb"], 1),
                                    "peak_by_part_mb": {k: round(v, 1) for k, v in r["tracemalloc_parts_mb"].items()},
                                    "seconds": round(r["seconds"], 2)}
        report["tallies"][name] = found
    if facts.get(RANKED):  # leave the contest as it was loaded
        with psycopg.connect(db_url) as conn:
            conn.execute("UPDATE contests SET settings = jsonb_set(settings::jsonb, '{voting,ranked_method}', "
                         "'\"schulze\"')::json WHERE slug = %s", (RANKED,))
    for name, t in report["tallies"].items():
        if "profile" in t:
            print(f"\n--- {name}: cProfile ---\n{t.pop('profile')}")


if __name__ == "__main__":
    sys.exit(main())
