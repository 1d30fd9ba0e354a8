"""Pairwise judging (`judging.mode = pairwise`): the pair a judge has in front
of them, their verdicts and skips, and a round's ranking per category.

A judge has a pair of one category in front of them: the previous entry and
the current one, their two visits flagged `current` (the later visit is the
current entry). Every call, in this order:

1. the judge (403 `not_assigned`, also for a judge the round does not name);
   the contest locked, so one change at a time is made per contest (conflicts
   are detected, and entries chosen, once); the round, which must be pairwise
   (409 `conflict`) and open (409 `phase_closed`);
2. what the judge may see: the round's entries in the categories of their
   expertise (every category when they have none), without those they conflict
   with (detected conflicts are stored first);
3. a verdict (`judge`) must name the pair in front of them, and is recorded
   and audited: the current entry becomes the previous one; a `skip` sets one
   entry of the pair aside, unjudged, audited, never shown to them again;
4. the pair is kept as far as the judge may still see it, and completed: a
   partner for a lone entry by `pairwise.choose_next` within its category, else
   a fresh start (the least-judged entry they have not seen, in a category
   where at least two are left) and its partner; no pair left: done.

Completing a pair rebuilds the model's state by `pairwise.replay` from the
round's stored judgements, so they stay the only record: about 0.1 s per
thousand judgements in the round (measured), fine for hackathons of ~100
entries per category. The generator is seeded from the round's seed, the
judge and how many entries they have seen, so a judge's walk can be redone.

The ranking (`ranking`) fits Bradley-Terry strengths per category with choix;
each judge's reliability is measured against the other judges' consensus
(`against_the_others`), and the verdicts of judges flagged as unreliable are
left out of the fit.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import func, select

from voting.accounts.models import User
from voting.audit import services as audit
from voting.contests import entries as contest_entries
from voting.contests import services
from voting.contests.models import Contest, Entry
from voting.errors import ApiError, validation_error
from voting.extensions import db
from voting.i18n.domain import N_, msg

from judging.assignments import conflict_pairs, current_round, detect_conflicts, round_entries, round_judges
from judging.domain import pairwise as pw
from judging.domain.tuning import PAIRWISE, Pairwise
from judging.judges import judge_of, lock_contest
from judging.models import Judge, PairwiseJudgement, PairwiseVisit, Round
from judging.scoring import check_open, not_assigned


def not_pairwise() -> ApiError:
    return ApiError("conflict", "This contest's judging round is not judged by pairwise comparison.", 409)


@dataclass
class Walk:
    """A judge's place in a pairwise round, loaded under the contest's lock."""

    contest: Contest
    round: Round
    user: User
    round_ids: list[int]  # the round's entries
    visible: dict[int, Entry]  # those the judge may see
    conflicts: set[int]
    visits: list[PairwiseVisit]  # in the order shown
    now: datetime

    def pair(self) -> list[PairwiseVisit]:
        return [v for v in self.visits if v.current]

    def seen(self) -> set[int]:
        return {v.entry_id for v in self.visits}


def _walk(contest: Contest, user: User, now: datetime) -> Walk:
    row = judge_of(contest, user)
    if row is None:
        raise not_assigned()
    lock_contest(contest)
    services.require_unpublished(contest)
    rnd = current_round(contest, create=False)
    if (rnd.mode if rnd else contest.settings["judging"]["mode"]) != "pairwise":
        raise not_pairwise()
    rnd = rnd or current_round(contest, now=now)  # round 1, from the SPEC (or the champions), for the first judge
    if all(r.user_id != user.id for r in round_judges(contest, rnd)):
        raise not_assigned()  # a judge of the contest, not of this round
    check_open(contest, rnd, now)
    entries = round_entries(contest, rnd)
    detect_conflicts(contest, entries, now)
    conflicts = {entry for judge, entry in conflict_pairs(contest) if judge == user.id}
    expertise = set(row.expertise or ())
    visible = {e.id: e for e in entries
               if e.id not in conflicts and (not expertise or e.category.slug in expertise)}
    visits = list(db.session.scalars(select(PairwiseVisit).where(
        PairwiseVisit.round_id == rnd.id, PairwiseVisit.judge_id == user.id).order_by(PairwiseVisit.id)))
    return Walk(contest, rnd, user, [e.id for e in entries], visible, conflicts, visits, now)


def _judgements(contest: Contest, rnd: Round, entry_ids: list[int] | set[int]) -> list[pw.Judgement]:
    """The round's judgements in the order made, without those that no longer
    count: an entry left the round (rejected), or its judge now conflicts with it."""
    ids, conflicts = set(entry_ids), conflict_pairs(contest)
    rows = db.session.execute(select(PairwiseJudgement.judge_id, PairwiseJudgement.winner_id,
                                     PairwiseJudgement.loser_id)
                              .where(PairwiseJudgement.round_id == rnd.id).order_by(PairwiseJudgement.id))
    return [pw.Judgement(j, w, l) for j, w, l in rows
            if w in ids and l in ids and (j, w) not in conflicts and (j, l) not in conflicts]


# --- completing the pair ----------------------------------------------------------------------------------------

def _show(walk: Walk, entry_id: int) -> None:
    visit = PairwiseVisit(round_id=walk.round.id, judge_id=walk.user.id, entry_id=entry_id, current=True,
                          at=walk.now)
    db.session.add(visit)
    db.session.flush()  # ids follow the order shown
    walk.visits.append(visit)


def _partner(walk: Walk, state: pw.State, anchor: int, rng: random.Random) -> bool:
    """Show the entry to compare with `anchor`, chosen within its category; False when none is left."""
    category = walk.visible[anchor].category_id
    items = {i: state.items[i] for i, e in walk.visible.items() if e.category_id == category}
    chosen = pw.choose_next(state.judges.get(walk.user.id) or pw.new_judge(), anchor, items, rng,
                            seen=walk.seen(), views=state.views)
    if chosen is not None:
        _show(walk, chosen)
    return chosen is not None


def _start(walk: Walk, state: pw.State, rng: random.Random) -> int | None:
    """The least-judged entry the judge has not seen, in a category where at
    least two are left (a pair), drawn among equals; None when there is none."""
    seen, left = walk.seen(), Counter()
    for entry_id, entry in walk.visible.items():
        if entry_id not in seen:
            left[entry.category_id] += 1
    pool = sorted(i for i, e in walk.visible.items() if i not in seen and left[e.category_id] >= 2)
    if not pool:
        return None
    fewest = min(state.views[i] for i in pool)
    return rng.choice([i for i in pool if state.views[i] == fewest])


def _fill(walk: Walk, rng: random.Random | None) -> None:
    """Keep of the pair what the judge may still see (of one category), then complete it."""
    pair = walk.pair()
    for visit in pair[:-2]:
        visit.current = False
    for visit in pair[-2:]:
        if visit.entry_id not in walk.visible:
            visit.current = False
    pair = walk.pair()
    if len(pair) == 2 and walk.visible[pair[0].entry_id].category_id != walk.visible[pair[1].entry_id].category_id:
        pair[0].current = False  # an entry moved category: keep the later one
        pair = pair[1:]
    if len(pair) == 2:
        return
    state = pw.replay(walk.round_ids, _judgements(walk.contest, walk.round, walk.round_ids))
    rng = rng or random.Random(f"{walk.round.seed}:{walk.user.id}:{len(walk.visits)}")
    if pair and _partner(walk, state, pair[0].entry_id, rng):
        return
    for visit in pair:
        visit.current = False
    anchor = _start(walk, state, rng)
    if anchor is not None:
        _show(walk, anchor)
        _partner(walk, state, anchor, rng)  # the category has another entry left: _start saw to it
    db.session.flush()


def _present(walk: Walk) -> dict[str, Any]:
    pair = walk.pair()
    comparisons = db.session.scalar(select(func.count(PairwiseJudgement.id)).where(
        PairwiseJudgement.round_id == walk.round.id, PairwiseJudgement.judge_id == walk.user.id))
    if len(pair) != 2:
        return {"round": walk.round.number, "done": True, "category": None, "previous": None, "current": None,
                "comparisons": comparisons}
    previous, current = (walk.visible[v.entry_id] for v in pair)
    return {"round": walk.round.number, "done": False, "category": current.category.slug,
            "previous": contest_entries.serialise(previous), "current": contest_entries.serialise(current),
            "comparisons": comparisons}


# --- what a judge does ------------------------------------------------------------------------------------------

def next_entry(contest: Contest, judge: User, now: datetime, rng: random.Random | None = None) -> dict[str, Any]:
    """The pair in front of the judge: the same one until they judge or skip
    it; a new one (a fresh start) when they have none. Commits."""
    walk = _walk(contest, judge, now)
    _fill(walk, rng)
    db.session.commit()
    return _present(walk)


def _refuse_foreign(walk: Walk, named: list[int]) -> None:
    if any(entry_id in walk.conflicts for entry_id in named):
        raise ApiError("conflict_of_interest", "You have a conflict of interest with this entry.", 403)


def _in_front(walk: Walk) -> tuple[int, int] | None:
    """The pair in front of the judge, when it is still one they may judge."""
    pair = [v.entry_id for v in walk.pair()]
    if len(pair) != 2 or any(entry_id not in walk.visible for entry_id in pair):
        return None
    return pair[0], pair[1]


def judge(contest: Contest, user: User, winner_id: int, loser_id: int, now: datetime,
          rng: random.Random | None = None) -> dict[str, Any]:
    """Record that the judge preferred `winner_id` to `loser_id`, which must be
    the pair in front of them, and show the next. Refusals: a conflict (403
    `conflict_of_interest`), the comparison they just made sent again (409
    `already_submitted`), any other pair (422 `validation_error`). Commits."""
    walk = _walk(contest, user, now)
    _refuse_foreign(walk, [winner_id, loser_id])
    pair = _in_front(walk)
    if pair is None or {winner_id, loser_id} != set(pair) or winner_id == loser_id:
        last = db.session.scalars(select(PairwiseJudgement).where(
            PairwiseJudgement.round_id == walk.round.id, PairwiseJudgement.judge_id == user.id)
            .order_by(PairwiseJudgement.id.desc()).limit(1)).first()
        if last is not None and {last.winner_id, last.loser_id} == {winner_id, loser_id}:
            raise ApiError("already_submitted", "This comparison is recorded already.", 409)
        raise validation_error(_wrong_pair(pair, {"winner": winner_id, "loser": loser_id}),
                               "Judge the pair in front of you (GET …/pairwise/next).")
    previous_id, current_id = pair
    category = walk.visible[current_id].category
    db.session.add(PairwiseJudgement(round_id=walk.round.id, judge_id=user.id, category_id=category.id,
                                     winner_id=winner_id, loser_id=loser_id, at=now))
    walk.pair()[0].current = False  # the current entry is now the previous one
    db.session.flush()
    _fill(walk, rng)
    audit.append(contest, user, "judging.compared", f"entry {current_id}",
                 {"round": walk.round.number, "judge_id": user.id, "category": category.slug,
                  "previous": previous_id, "current": current_id, "winner": winner_id, "loser": loser_id,
                  "next": _shown(walk)}, now)
    db.session.commit()
    return _present(walk)


def skip(contest: Contest, user: User, entry_id: int, now: datetime,
         rng: random.Random | None = None) -> dict[str, Any]:
    """Set one entry of the pair aside without a verdict (the judge could not
    open it): it is not shown to them again, and a new partner is chosen for
    the other. 422 for an entry not in front of them. Commits."""
    walk = _walk(contest, user, now)
    pair = [v.entry_id for v in walk.pair()]  # as stored: an entry they may no longer see can be skipped too
    if len(pair) != 2 or entry_id not in pair:
        raise validation_error(_wrong_pair((pair[0], pair[1]) if len(pair) == 2 else None, {"skip": entry_id}),
                               "Skip an entry of the pair in front of you (GET …/pairwise/next).")
    next(v for v in walk.pair() if v.entry_id == entry_id).current = False
    db.session.flush()
    _fill(walk, rng)
    audit.append(contest, user, "judging.skipped", f"entry {entry_id}",
                 {"round": walk.round.number, "judge_id": user.id, "entry_id": entry_id, "pair": pair,
                  "next": _shown(walk)}, now)
    db.session.commit()
    return _present(walk)


def _wrong_pair(pair: tuple[int, int] | None, named: dict[str, int]) -> dict[str, str]:
    if pair is None:
        return {field: N_("you have no pair to judge now, or it changed: ask for the next one") for field in named}
    problems = {field: msg("is not an entry in front of you (%(first)s and %(second)s)", first=pair[0], second=pair[1])
                for field, entry_id in named.items() if entry_id not in pair}
    return problems or {"loser": N_("must differ from winner")}


def _shown(walk: Walk) -> list[int] | None:
    pair = [v.entry_id for v in walk.pair()]
    return pair if len(pair) == 2 else None


def my_rounds(user: User, now: datetime) -> list[dict[str, Any]]:
    """The pairwise rounds open to this judge, one a contest they judge (not a
    draft), with the comparisons they have made in it: their judging list's
    link to the pairwise page. A contest without a round yet is listed when
    its SPEC judges pairwise (its round 1 comes with the first pair)."""
    found = []
    for contest in db.session.scalars(select(Contest).join(Judge, Judge.contest_id == Contest.id).where(
            Judge.user_id == user.id, Judge.active.is_(True)).order_by(Contest.id)):
        rnd = current_round(contest, create=False)
        if (not user.has_role("judge", contest.id) or not services.visible_to(contest, user, now)
                or (rnd.mode if rnd else contest.settings["judging"]["mode"]) != "pairwise"
                or (rnd is not None and (rnd.closed_at is not None
                                         or (rnd.judge_ids is not None and user.id not in rnd.judge_ids)))):
            continue
        made = 0 if rnd is None else db.session.scalar(select(func.count(PairwiseJudgement.id)).where(
            PairwiseJudgement.round_id == rnd.id, PairwiseJudgement.judge_id == user.id))
        found.append({"contest": contest, "round": rnd.number if rnd else 1, "comparisons": made})
    return found


# --- the round's ranking ----------------------------------------------------------------------------------------

def ranking(contest: Contest, rnd: Round | None) -> dict[str, Any]:
    """Per category, the entries compared at least once, best first, by their
    Bradley-Terry strengths fitted to the category's verdicts (choix), leaving
    out those of judges flagged as unreliable; each judge's reliability."""
    if rnd is None:
        return {"round": None, "mode": "pairwise", "categories": [], "judges": []}
    entries = {e.id: e for e in round_entries(contest, rnd)}
    judgements = _judgements(contest, rnd, set(entries))
    by_category = {c.id: [j for j in judgements
                          if entries[j.winner].category_id == c.id == entries[j.loser].category_id]
                   for c in contest.categories}
    reliability = pw.reliabilities(against_the_others(by_category.values()))
    categories = []
    for category in contest.categories:
        counted = [j for j in by_category[category.id] if not reliability[j.judge].flagged]
        compared = Counter(i for j in counted for i in (j.winner, j.loser))
        wins = Counter(j.winner for j in counted)
        categories.append({"slug": category.slug, "ranking": [{
            "entry_id": p.entry, "title": entries[p.entry].title, "rank": p.rank, "tied": p.tied,
            "score": round(p.score, 4), "comparisons": compared[p.entry], "wins": wins[p.entry]}
            for p in pw.rank(sorted(compared), counted)]})
    made = Counter(j.judge for j in judgements)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(reliability))))}
    judges = [{"judge_id": r.judge, "display_name": users[r.judge].display_name, "email": users[r.judge].email,
               "reliability": round(r.mean, 4), "flagged": r.flagged, "comparisons": made[r.judge]}
              for r in reliability.values()]
    return {"round": rnd.number, "mode": "pairwise", "categories": categories, "judges": judges}


def against_the_others(categories: Iterable[list[pw.Judgement]], t: Pairwise = PAIRWISE) -> dict[int, pw.JudgeBelief]:
    """Each judge's Crowd-BT belief Beta(alpha, beta) after their verdicts are
    held against the others' consensus: per category, the strengths fitted
    (choix) to the other judges' verdicts; a verdict on two entries the others
    compared adds one to alpha when it agrees with that order and one to beta
    when it contradicts it (a pair they found equal says nothing).

    Pure. Unlike the online beliefs of `pairwise.replay` it does not depend on
    the order of the verdicts: adaptive choice puts close pairs first, where a
    contrary verdict barely moves the online belief (in simulations, a judge
    who contradicted every one of 14 verdicts kept an online reliability above
    0.8), while the finished consensus orders them clearly.
    """
    counts: dict[int, list[int]] = {}
    for verdicts in categories:
        for judge in sorted({v.judge for v in verdicts}):
            others = [v for v in verdicts if v.judge != judge]
            known = {i for v in others for i in (v.winner, v.loser)}
            fitted = pw.strengths(sorted(known), others, t) if others else {}
            tally = counts.setdefault(judge, [0, 0])
            for v in verdicts:
                if v.judge == judge and v.winner in known and v.loser in known:
                    gap = fitted[v.winner] - fitted[v.loser]
                    if gap > t.tie_tolerance:
                        tally[0] += 1
                    elif gap < -t.tie_tolerance:
                        tally[1] += 1
    return {judge: pw.JudgeBelief(t.alpha_prior + agreed, t.beta_prior + contrary)
            for judge, (agreed, contrary) in counts.items()}
