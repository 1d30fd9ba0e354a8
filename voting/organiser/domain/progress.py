"""How far a long job has gone, from the stage it reports (voting.queues.
report_progress): each kind of job names its stages in the order it runs
them, so the console can say "step 2 of 4" without the job counting for it.

The stage names are the jobs' own (English, stable: the API shows them as
they are); the console translates them for its pages."""

from __future__ import annotations

# By the job's function (RQ's func_name), its stages in order. The tally's
# preview skips the final sweep: it never runs one.
STAGES: dict[str, tuple[str, ...]] = {
    "voting.ballots.jobs.rebuild_counters": ("recounting",),
    "voting.fraud.jobs.fraud_sweep": ("judging", "recounting"),
    "voting.fraud.jobs.fraud_final_sweep": ("judging", "recounting"),
    "voting.results.jobs.tally_contest": ("final sweep", "sealing", "counting", "storing"),
    "voting.ledger.jobs.seal_ledger": ("sealing",),
    "voting.ledger.jobs.export_ledger": ("exporting",),
}
PREVIEW_STAGES = ("sealing", "counting", "storing")


def stages_of(func: str | None, args: tuple | list = ()) -> tuple[str, ...]:
    if func == "voting.results.jobs.tally_contest" and len(args) > 1 and args[1] is True:
        return PREVIEW_STAGES  # tally_contest(contest_id, preview, user_id)
    return STAGES.get(func or "", ())


def step(stage: str | None, stages: tuple[str, ...]) -> tuple[int, int] | None:
    """(step, of how many) for a job at `stage` of its `stages`; None for a
    stage not in the list (a job of an older release) or none yet."""
    if stage is None or stage not in stages:
        return None
    return stages.index(stage) + 1, len(stages)
