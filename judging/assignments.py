"""Who judges what: the round, its entries, conflicts (declared and detected),
and the plan made by `judging.domain.assignment` and stored.

The plan comes from the round's seed, so it can be made again and checked.
Making assignments again (after new judges, new entries or a conflict)
repairs the stored plan rather than drawing a new one: sheets already
started stay where they are, and only what must move moves.
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from voting.accounts.models import User
from voting.audit import services as audit
from voting.contests.entries import get_entry
from voting.contests.models import Contest, Entry
from voting.contests.services import require_unpublished
from voting.errors import ApiError, not_found
from voting.extensions import db
from voting.i18n.domain import N_
from voting.submissions.teams import services as teams

from judging.champions import champions
from judging.domain import assignment as plan_rules
from judging.domain import conflicts as conflict_rules
from judging.judges import judge_rows, lock_contest
from judging.models import Assignment, Conflict, Round, RoundEntry, ScoreSheet, SheetChange


def current_round(contest: Contest, create: bool = True, now: datetime | None = None) -> Round | None:
    """The contest's latest round (round 1, from the SPEC, made when first
    needed; later ones by `judging.rounds.advance`)."""
    found = db.session.scalar(select(Round).where(Round.contest_id == contest.id).order_by(Round.number.desc()))
    if found is None and create:
        shortlist = _champions_first(contest, now) if now is not None else None
        judging = contest.settings["judging"]
        found = Round(contest_id=contest.id, number=1, mode=judging["mode"], criteria=judging["criteria"],
                      judges_per_entry=judging["judges_per_entry"], seed=secrets.randbits(31))
        db.session.add(found)
        db.session.flush()
        if shortlist is not None:
            chosen, ties = shortlist
            if not any(chosen.values()):
                raise ApiError("conflict", "No entry has a counted vote: there are no champions to judge.", 409)
            found.shortlisted = True
            for ids in chosen.values():
                for entry_id in ids:
                    db.session.add(RoundEntry(round_id=found.id, entry_id=entry_id))
            audit.append(contest, None, "judging.champions", "round 1",
                         {"champions": chosen, "ties_at_cut": ties}, now)
            db.session.flush()
    return found


def _champions_first(contest: Contest, now: datetime) -> tuple[dict[str, list[int]], list[str]] | None:
    """For `jury_among_champions`, the jury's first round holds exactly the
    public vote's champions, so it waits until voting has closed."""
    if contest.settings["awards"]["policy"] != "jury_among_champions":
        return None
    window = contest.windows().get("voting")
    if window is None or now < window.closes_at:
        raise ApiError("phase_closed", "The jury picks among the public vote's champions: make the assignments "
                       "once voting has closed.", 409)
    return champions(contest)


def round_entries(contest: Contest, rnd: Round | None = None) -> list[Entry]:
    """The entries a round judges: its shortlist when it has one, else every
    approved entry of the contest."""
    query = select(Entry).where(Entry.contest_id == contest.id, Entry.status == "approved")
    if rnd is not None and rnd.shortlisted:
        query = query.join(RoundEntry, RoundEntry.entry_id == Entry.id).where(RoundEntry.round_id == rnd.id)
    return list(db.session.scalars(query.order_by(Entry.id)))


def round_judges(contest: Contest, rnd: Round) -> list:
    """The round's judges: those it names, else every active judge of the contest."""
    rows = judge_rows(contest)
    return rows if rnd.judge_ids is None else [r for r in rows if r.user_id in set(rnd.judge_ids)]


def detect_conflicts(contest: Contest, entries: list[Entry], now: datetime) -> None:
    """Store the conflicts found from organisations, mail domains and teams
    (in the caller's transaction); declared ones are already stored."""
    rows = judge_rows(contest)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_([r.user_id for r in rows])))}
    # The account that submitted an entry is its entrant, unless an organiser of the contest entered it
    # for someone else (organisers add and import entries): then only the entry's organisation speaks.
    submitters = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_({e.submitted_by_id for e in entries if e.submitted_by_id})))
        if not u.manages(contest.id)}
    judges = [conflict_rules.JudgeFacts(r.user_id, users[r.user_id].email, r.organisation) for r in rows]
    members = teams.entry_team_members(contest.id)
    facts = [conflict_rules.EntryFacts(e.id, e.organisation, e.submitted_by_id if e.submitted_by_id in submitters
                                       else None,
                                       submitters[e.submitted_by_id].email if e.submitted_by_id in submitters
                                       else "", members.get(e.id, frozenset())) for e in entries]
    known = stored_conflict_pairs(contest)
    for (judge_id, entry_id), why in sorted(conflict_rules.detect(judges, facts).items()):
        if (judge_id, entry_id) not in known:
            db.session.add(Conflict(contest_id=contest.id, judge_id=judge_id, entry_id=entry_id, source="detected",
                                    reason=why, created_at=now))
    db.session.flush()


def conflict_pairs(contest: Contest) -> set[tuple[int, int]]:
    """Every (judge, entry) pair in conflict: those stored, and each member of
    an entry's team with that entry, so that a judge who joined the team since
    the conflicts were last detected is kept off it at once (lists, scoring,
    pairs) rather than at the next plan, which then stores the conflict."""
    return stored_conflict_pairs(contest) | {(user_id, entry_id) for entry_id, ids
                                             in teams.entry_team_members(contest.id).items() for user_id in ids}


def stored_conflict_pairs(contest: Contest) -> set[tuple[int, int]]:
    return {(c.judge_id, c.entry_id) for c in db.session.scalars(
        select(Conflict).where(Conflict.contest_id == contest.id))}


def stored(rnd: Round) -> list[Assignment]:
    return list(db.session.scalars(select(Assignment).where(Assignment.round_id == rnd.id)))


def counted(rnd: Round) -> list[Assignment]:
    """The round's assignments of approved entries: those of an entry rejected
    since stay stored until the plan is repaired, but are nobody's work and
    count in no ranking (approving the entry again brings them back)."""
    return list(db.session.scalars(select(Assignment).join(Entry, Entry.id == Assignment.entry_id)
                                   .where(Assignment.round_id == rnd.id, Entry.status == "approved")
                                   .options(selectinload(Assignment.sheet))))


def void_sheet(contest: Contest, rnd: Round, assignment: Assignment, why: str, actor: User | None,
               now: datetime) -> None:
    """Record that a started sheet goes with its assignment (`why`: its judge now
    conflicts with the entry), keeping its history:
    every SheetChange of it is detached (it names round, judge and entry
    itself) and a last `voided` change holds what the sheet held. In the
    caller's transaction, before the assignment is deleted."""
    sheet = assignment.sheet
    before = sheet.snapshot()
    db.session.execute(update(SheetChange).where(SheetChange.sheet_id == sheet.id).values(sheet_id=None))
    after = {"status": "voided", "why": why}
    db.session.add(SheetChange(sheet_id=None, round_id=rnd.id, judge_id=assignment.judge_id,
                               entry_id=assignment.entry_id, actor_id=actor.id if actor else None, action="voided",
                               before=before, after=after, at=now))
    audit.append(contest, actor, "judging.voided", f"entry {assignment.entry_id}",
                 {"entry_id": assignment.entry_id, "judge_id": assignment.judge_id, "before": before,
                  "after": after}, now)


def plan(contest: Contest, actor: User | None, now: datetime, judges_per_entry: int | None = None) -> dict[str, Any]:
    """Make or repair the round's assignments; commits, with an audit entry.
    Answers the count, what changed, and every entry left short of judges."""
    lock_contest(contest)  # one plan at a time per contest: two would draw over each other
    require_unpublished(contest)
    rnd = current_round(contest, now=now)
    if rnd.mode != "rubric":
        raise ApiError("conflict", N_("A pairwise round has no assignments: judges take pairs as they come.")
                       if rnd.mode == "pairwise" else N_("A round without a jury has no assignments."), 409)
    if rnd.closed_at is not None:
        raise ApiError("phase_closed", "This round is closed.", 409)
    if judges_per_entry is not None:
        rnd.judges_per_entry = judges_per_entry
    entries = round_entries(contest, rnd)
    detect_conflicts(contest, entries, now)
    judges = [plan_rules.Judge(r.user_id, frozenset(r.expertise or ())) for r in round_judges(contest, rnd)]
    pool = [plan_rules.Entry(e.id, e.category.slug) for e in entries]
    conflicts = conflict_pairs(contest)
    live = {e.id for e in entries}
    # A started sheet of an entry rejected since stays out of the repair, untouched: it counts nowhere while the
    # entry is rejected (`counted`), and again if it is approved again. Unstarted ones go like any other.
    rows = {(a.judge_id, a.entry_id): a for a in stored(rnd) if a.entry_id in live or a.sheet is None}
    started = {pair for pair, a in rows.items() if a.sheet is not None}
    if rows:
        # A new draw for each repair, still reproducible: the seed and how many pairs there were.
        rng = random.Random(f"{rnd.seed}:{len(rows)}")
        current = plan_rules.Plan(rnd.judges_per_entry, frozenset(rows))
        result = plan_rules.reassign(current, pool, judges, conflicts, rng, locked=started,
                                     judges_per_entry=rnd.judges_per_entry)
        new_plan, added, removed = result.plan, list(result.added), list(result.removed)
    else:
        new_plan = plan_rules.assign(pool, judges, conflicts, rnd.judges_per_entry, random.Random(rnd.seed))
        added, removed = sorted(new_plan.pairs), []
    for pair in removed:
        if rows[pair].sheet is not None:  # a started sheet goes only when its judge now conflicts with the entry
            void_sheet(contest, rnd, rows[pair], "conflict", actor, now)
        db.session.delete(rows[pair])
    for judge_id, entry_id in added:
        db.session.add(Assignment(round_id=rnd.id, judge_id=judge_id, entry_id=entry_id, created_at=now))
    shortages = [{"entry_id": s.entry, "category": s.category, "needed": s.needed, "got": s.got}
                 for s in new_plan.shortages]
    audit.append(contest, actor, "judging.assigned", f"round {rnd.number}",
                 {"round": rnd.number, "judges_per_entry": rnd.judges_per_entry, "seed": rnd.seed,
                  "added": [list(p) for p in added], "removed": [list(p) for p in removed],
                  "shortages": shortages}, now)
    db.session.commit()
    return {"assignments": len(new_plan.pairs), "added": len(added), "removed": len(removed),
            "shortages": shortages}


def add_conflict(contest: Contest, judge_id: int, entry: Entry, source: str, reason: str, actor: User,
                 now: datetime) -> bool:
    """Record a conflict (once) and take the entry off the judge's list,
    replacing them; answers whether it was new. Commits."""
    require_unpublished(contest)
    new = (judge_id, entry.id) not in stored_conflict_pairs(contest)
    if new:
        db.session.add(Conflict(contest_id=contest.id, judge_id=judge_id, entry_id=entry.id, source=source,
                                reason=reason, created_at=now))
        audit.append(contest, actor, "judging.conflict", f"entry {entry.id}",
                     {"judge_id": judge_id, "entry_id": entry.id, "source": source, "reason": reason}, now)
        db.session.flush()
    rnd = current_round(contest, create=False)
    window = contest.windows().get("judging")
    closed = rnd is not None and (rnd.closed_at is not None or (window is not None and now >= window.closes_at))
    if closed:  # nothing moves once judging is over: the submitted sheets stand as they were
        db.session.commit()
    elif rnd is not None and db.session.scalar(select(Assignment.id).where(
            Assignment.round_id == rnd.id, Assignment.judge_id == judge_id, Assignment.entry_id == entry.id)):
        plan(contest, actor, now)  # commits
    else:
        db.session.commit()
    return new


def record_conflict(contest: Contest, judge_id: int, entry_id: int, reason: str, actor: User,
                    now: datetime) -> bool:
    """An organiser records a judge's conflict on their behalf (as `add_conflict`);
    404 for someone who is not a judge of the contest, or an entry of another."""
    if not any(row.user_id == judge_id for row in judge_rows(contest, active_only=False)):
        raise not_found("judge of this contest")
    return add_conflict(contest, judge_id, get_entry(entry_id, contest), "organiser", reason, actor, now)


def sheet_of(rnd: Round, judge_id: int, entry_id: int,
             lock: bool = False) -> tuple[Assignment | None, ScoreSheet | None]:
    """The assignment and its sheet; with `lock`, the assignment's row is held
    until the caller commits, so two saves of one sheet run one after the other
    and the second sees what the first did (a submit is never overwritten)."""
    query = select(Assignment).where(
        Assignment.round_id == rnd.id, Assignment.judge_id == judge_id, Assignment.entry_id == entry_id)
    found = db.session.scalar(query.with_for_update() if lock else query)
    if found is not None and lock:
        db.session.refresh(found, ["sheet"])
    return found, (found.sheet if found else None)
