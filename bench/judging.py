"""Benchmark: how fast each judging mode recovers the true order of a hackathon.

Simulates the reference hackathon: 120 entries in 4 challenge areas (30 each),
each entry with a hidden true quality q ~ N(0, 1). Judges come from one
population that varies in

  noise      each look at an entry perceives q + N(0, sigma), sigma ~ U(0.25, 1.0)
  care       most judges answer at random 0-10 % of the time, one in five
             ("rushed") 20-50 % of the time
  bias       on a rubric: an offset ~ N(0, 1.2) points (harsh or lenient) and
             a stretch ~ U(0.5, 1.5) (uses the middle or the whole scale)

and each judge works a session of 15 judgements. For a growing budget of
judgements (all four areas together) it reports the rank accuracy: Kendall's
tau between the true order and the order found, per area, then averaged, then
averaged over repetitions, for

  adaptive   pairwise, the next entry by `choose_next` (Crowd-BT information
             gain, epsilon-greedy), ranked by choix's ILSR fit
  random     pairwise, the next entry drawn at random (the same walk: a judge
             compares each new entry with the one just seen), same fit
  rubric-z   rubric scoring (three criteria, 0-10 in whole points), one sheet
             = one judgement, `assign`ed judges_per_entry = budget / 120,
             per-judge z-scores, mean per entry (trimmed from 5 judges)
  rubric     the same sheets without normalisation (for reference)

Pairwise judges work one area each, three at a time per area, as judges
walking an expo hall; a judge never sees an entry twice (Gavel's rule), so a
session ends early if the area runs out. The target (issue 12): adaptive
reaches tau 0.9 with at least 30 % fewer judgements than random pairs.

    .venv/bin/python bench/judging.py [--quick] [--reps 8] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from scipy.stats import kendalltau

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from judging.domain import aggregation, assignment, pairwise as pw  # noqa: E402
from judging.domain.rubric import Criterion, Sheet  # noqa: E402
from judging.domain.tuning import PAIRWISE  # noqa: E402

AREAS, PER_AREA, SESSION, PARALLEL = 4, 30, 15, 3
BUDGETS = [480, 960, 1440, 1920, 2400, 2880, 3360, 3840, 4800, 5760, 7200]
QUICK_BUDGETS = [960, 1920, 2880, 3840, 4800, 7200]
TARGET_TAU, TARGET_SAVING = 0.9, 0.30
CRITERIA = [Criterion("impact", "Impact", 0.5), Criterion("feasibility", "Feasibility", 0.3),
            Criterion("presentation", "Presentation", 0.2)]


@dataclass
class SimJudge:
    id: int
    sigma: float
    careless: float
    offset: float
    stretch: float
    belief: pw.JudgeBelief = field(default_factory=pw.new_judge)
    previous: int | None = None
    seen: set[int] = field(default_factory=set)
    done: int = 0


class Population:
    def __init__(self, rng: random.Random):
        self.rng, self.next_id = rng, 0

    def judge(self) -> SimJudge:
        r = self.rng
        self.next_id += 1
        careless = r.uniform(0.2, 0.5) if r.random() < 0.2 else r.uniform(0.0, 0.1)
        return SimJudge(self.next_id, r.uniform(0.25, 1.0), careless, r.gauss(0, 1.2), r.uniform(0.5, 1.5))


def perceive(judge: SimJudge, q: float, rng: random.Random) -> float:
    if rng.random() < judge.careless:
        return rng.gauss(0, 1)  # not looking: a guess
    return q + rng.gauss(0, judge.sigma)


def tau(truth: dict[int, float], found: dict[int, float]) -> float:
    ids = sorted(truth)
    return float(kendalltau([truth[i] for i in ids], [found[i] for i in ids]).statistic)


def pairwise_area(quality: dict[int, float], budget: int, checkpoints: list[int], t, rng: random.Random,
                  people: Population) -> dict[int, float]:
    """Tau at each checkpoint (judgements in this area) of one area's walk."""
    items = {i: pw.new_item(t) for i in quality}
    views = dict.fromkeys(quality, 0)
    log: list[tuple[int, int]] = []
    active = [people.judge() for _ in range(PARALLEL)]
    out, turn = {}, 0
    while len(log) < budget:
        slot = turn % PARALLEL
        turn += 1
        judge = active[slot]
        if judge.previous is None:
            judge.previous = pw.choose_next(judge.belief, None, items, rng, seen=judge.seen, views=views, t=t)
            judge.seen.add(judge.previous)
        nxt = None if judge.done >= SESSION else pw.choose_next(
            judge.belief, judge.previous, items, rng, seen=judge.seen, views=views, t=t)
        if nxt is None:
            active[slot] = people.judge()
            continue
        judge.seen.add(nxt)
        prev = judge.previous
        w, l = (nxt, prev) if perceive(judge, quality[nxt], rng) > perceive(judge, quality[prev], rng) else (prev, nxt)
        judge.belief, items[w], items[l] = pw.update(judge.belief, items[w], items[l], t)
        views[w] += 1
        views[l] += 1
        log.append((w, l))
        judge.previous, judge.done = nxt, judge.done + 1
        if len(log) in checkpoints:
            out[len(log)] = tau(quality, pw.strengths(list(quality), log, t))
    return out


def rubric_run(qualities: list[dict[int, float]], budget: int, rng: random.Random,
               people: Population) -> tuple[float, float]:
    """(tau with z-scores, tau raw) of rubric scoring with budget / 120 judges per entry."""
    per_entry = budget // (AREAS * PER_AREA)
    judges = [people.judge() for _ in range(max(per_entry, budget // SESSION))]
    by_id = {j.id: j for j in judges}
    entries = [assignment.Entry(e, f"area{a}") for a, q in enumerate(qualities) for e in q]
    quality = {e: v for q in qualities for e, v in q.items()}
    plan = assignment.assign(entries, [assignment.Judge(j.id) for j in judges], (), per_entry, rng)
    sheets = []
    for judge_id, entry in sorted(plan.pairs):
        j = by_id[judge_id]
        seen = perceive(j, quality[entry], rng)
        sheets.append(Sheet(judge_id, entry, {c.key: float(min(10, max(0, round(
            5.5 + 1.6 * j.stretch * (seen + rng.gauss(0, 0.3)) + j.offset)))) for c in CRITERIA}))
    out = []
    for norm in ("zscore", "none"):
        scores = aggregation.jury(CRITERIA, sheets, norm).entries
        out.append(float(np.mean([tau(q, {e: scores[e].score for e in q}) for q in qualities])))
    return out[0], out[1]


def crossing(budgets: list[int], taus: list[float], target: float) -> float | None:
    """The budget at which the curve first reaches `target`, interpolated linearly."""
    for k, (b, v) in enumerate(zip(budgets, taus)):
        if v >= target:
            if k == 0:
                return float(b)
            b0, v0 = budgets[k - 1], taus[k - 1]
            return b0 + (target - v0) / (v - v0) * (b - b0)
    return None


def run(budgets: list[int], reps: int, seed: int, t_adaptive=PAIRWISE) -> dict:
    t_random = replace(t_adaptive, epsilon=1.0, min_views=0)
    results: dict[str, list[list[float]]] = {m: [] for m in ("adaptive", "random", "rubric-z", "rubric")}
    for rep in range(reps):
        world = random.Random(seed * 1000 + rep)
        qualities = [{a * PER_AREA + i + 1: world.gauss(0, 1) for i in range(PER_AREA)} for a in range(AREAS)]
        for method, t in (("adaptive", t_adaptive), ("random", t_random)):
            rng = random.Random(f"{seed}-{rep}-{method}")
            people = Population(random.Random(f"{seed}-{rep}-people"))
            marks = [b // AREAS for b in budgets]
            per_area = [pairwise_area(q, marks[-1], marks, t, rng, people) for q in qualities]
            results[method].append([float(np.mean([a[m] for a in per_area])) for m in marks])
        z, raw = zip(*(rubric_run(qualities, b, random.Random(f"{seed}-{rep}-rubric-{b}"),
                                  Population(random.Random(f"{seed}-{rep}-people"))) for b in budgets))
        results["rubric-z"].append(list(z))
        results["rubric"].append(list(raw))
    means = {m: [float(np.mean(col)) for col in zip(*runs)] for m, runs in results.items()}
    sds = {m: [float(np.std(col)) for col in zip(*runs)] for m, runs in results.items()}
    reach = {m: crossing(budgets, v, TARGET_TAU) for m, v in means.items()}
    saving = None
    if reach["adaptive"] is not None and reach["random"] is not None:
        saving = 1 - reach["adaptive"] / reach["random"]
    return {"budgets": budgets, "reps": reps, "seed": seed, "mean_tau": means, "sd_tau": sds,
            "budget_to_tau_0.9": reach, "adaptive_saving_vs_random": saving,
            "target_met": saving is not None and saving >= TARGET_SAVING}


def table(r: dict) -> str:
    methods = list(r["mean_tau"])
    lines = ["| judgements | " + " | ".join(methods) + " |", "|---:|" + "---:|" * len(methods)]
    for k, b in enumerate(r["budgets"]):
        cells = [f"{r['mean_tau'][m][k]:.3f} ± {r['sd_tau'][m][k]:.3f}" for m in methods]
        lines.append(f"| {b} | " + " | ".join(cells) + " |")
    reach = " | ".join("—" if r["budget_to_tau_0.9"][m] is None else f"{r['budget_to_tau_0.9'][m]:.0f}"
                       for m in methods)
    lines.append(f"| **to reach τ 0.9** | {reach} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer budgets and 3 repetitions (about a minute)")
    ap.add_argument("--reps", type=int, default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--epsilon", type=float, default=PAIRWISE.epsilon)
    ap.add_argument("--min-views", type=int, default=PAIRWISE.min_views)
    args = ap.parse_args()
    budgets = QUICK_BUDGETS if args.quick else BUDGETS
    reps = args.reps or (3 if args.quick else 8)
    started = time.perf_counter()
    r = run(budgets, reps, args.seed, replace(PAIRWISE, epsilon=args.epsilon, min_views=args.min_views))
    r["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps({k: v for k, v in r.items() if k not in ("mean_tau", "sd_tau")}, indent=2))
    print(table(r))


if __name__ == "__main__":
    main()
