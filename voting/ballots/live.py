"""The intake's Redis side: the pre-commit gate, the post-commit counters, the
leaderboard and the counter rebuild. Redis is the fast path only; every
function here can fail (Redis down) without losing a ballot."""

from __future__ import annotations

import math
from dataclasses import dataclass

from voting import redis_keys as keys
from voting.ballots import feed, held_redis
from voting.guards.domain import ratelimit
from voting.extensions import get_redis

SCOPES = ratelimit.SCOPES


@dataclass(frozen=True)
class GateResult:
    # ok | rate_limited | challenge_failed | challenge_too_easy | challenge_reused | already_voted
    outcome: str
    scope: str | None = None
    retry_after: int = 0
    render_fresh: bool = False  # ok, and the page's render-time token was marked used by this ballot


def gate(script, contest_id: int, category_id: int, voter_id: int, subjects: dict[str, str],
         limits: dict[str, ratelimit.Limit], pow_state: str, pow_token: str | None, pow_ttl_ms: int, now_ms: int,
         pow_bits: int = 0, difficulty: tuple[int, int] = (0, 0), render_id: str | None = None,
         render_ttl_ms: int = 0, harder_above: dict[str, int] | None = None) -> GateResult:
    """The gate's one round trip on this thread's connection (`GATE_SCRIPT`).
    `pow_bits` are the token's, compared with the difficulty that
    `difficulty` (the contest's base bits and spike per minute) and the
    address's and prefix's recent ballots above `harder_above` (per scope, in
    ballots of that limit's window) give now; `render_id` names the page's
    render-time token to mark used (None: none).
    Plain arguments, not an object: every ballot comes this way."""
    scopes = [s for s in SCOPES if subjects.get(s)]
    this_minute, last_minute = keys.intake_rates(contest_id, now_ms // 60000)
    pow_key = keys.pow_used(contest_id, pow_token or "-")
    key_list = [pow_key, keys.voted(contest_id, category_id), this_minute,
                keys.rendered(contest_id, render_id) if render_id else pow_key, last_minute]
    args: list[object] = [len(scopes), pow_state, max(1, pow_ttl_ms), voter_id, pow_bits, difficulty[0],
                          difficulty[1], max(1, render_ttl_ms) if render_id else 0]
    harder_above = harder_above or {}
    for scope in scopes:
        limit = limits[scope]
        current, _previous, weight = ratelimit.windows(limit, now_ms)
        key_list += keys.limit_windows(contest_id, scope, subjects[scope], limit.window, current)
        # The weight as ratelimit.weight_text writes it, inline: every ballot comes this way.
        args += [limit.count, limit.window * 1000, f"{weight:.6f}", harder_above.get(scope, 0)]
    outcome, detail = held_redis.run_script(script, key_list, args)
    outcome = outcome.decode() if isinstance(outcome, bytes) else outcome
    if outcome == "rate_limited":
        scope = scopes[int(detail) - 1]
        window_ms = limits[scope].window * 1000
        return GateResult(outcome, scope, max(1, math.ceil((window_ms - now_ms % window_ms) / 1000)))
    if outcome == "ok":
        return OK_FRESH if int(detail) == 1 else OK
    return GateResult(outcome)


OK, OK_FRESH = GateResult("ok"), GateResult("ok", render_fresh=True)  # made once: nearly every ballot is ok


def _apply_call(contest_id: int, category_id: int, voter_id: int, ballot_id: int, counted: bool,
                increments: dict[int, int]) -> tuple[list[str], list[object]]:
    args: list[object] = [voter_id, ballot_id, category_id, 1 if counted else 0]
    for entry_id, amount in sorted(increments.items()):
        args += [entry_id, amount]
    key_list = [keys.voted(contest_id, category_id), keys.board(contest_id, category_id),
                keys.totals(contest_id), keys.watermark(contest_id), keys.applied(contest_id)]
    return key_list, args


def apply(script, contest_id: int, category_id: int, voter_id: int, ballot_id: int, counted: bool,
          increments: dict[int, int]) -> bool:
    """Add one ballot to the counters now (at most once, whoever else adds it)."""
    key_list, args = _apply_call(contest_id, category_id, voter_id, ballot_id, counted, increments)
    return bool(held_redis.run_script(script, key_list, args))


def apply_soon(script, interval_ms: int, contest_id: int, category_id: int, voter_id: int, ballot_id: int,
               counted: bool, increments: dict[int, int]) -> None:
    """The same, through this process's feed: batched with other ballots'
    updates (see ballots/feed.py), or at once when `interval_ms` is 0."""
    if interval_ms == 0:
        apply(script, contest_id, category_id, voter_id, ballot_id, counted, increments)
        return
    key_list, args = _apply_call(contest_id, category_id, voter_id, ballot_id, counted, increments)
    # One feed a process: the first app to use it sets its interval.
    feed.feed(interval_ms / 1000).put(feed.Update(script, key_list, args))


def recent_counts(contest_id: int, now_ms: int, subjects: dict[str, str], limits: dict[str, ratelimit.Limit],
                  harder_above: dict[str, int]) -> tuple[int, list[tuple[int, int]]]:
    """What the difficulty is computed from, read with one MGET as the gate
    reads it: the contest's ballot attempts in the last full minute and this
    one so far, and (recent ballots, threshold) of each subject (the client's
    address and prefix) whose limit has a "harder above" threshold."""
    minute = now_ms // 60000
    names = [keys.intake_rate(contest_id, minute - 1), keys.intake_rate(contest_id, minute)]
    measured = []
    for scope, threshold in harder_above.items():
        if scope in limits and subjects.get(scope):
            limit = limits[scope]
            current, _previous, weight = ratelimit.windows(limit, now_ms)
            names += keys.limit_windows(contest_id, scope, subjects[scope], limit.window, current)
            measured.append((weight, threshold))
    values = [int(v or 0) for v in get_redis().mget(names)]
    counts = [(ratelimit.recent(values[2 + 2 * i], values[3 + 2 * i], weight), threshold)
              for i, (weight, threshold) in enumerate(measured)]
    return max(values[0], values[1]), counts


def board(contest_id: int, category_id: int) -> dict[int, int]:
    feed.flush()  # this process's own recent ballots included
    rows = get_redis().zrange(keys.board(contest_id, category_id), 0, -1, withscores=True)
    return {int(member): int(score) for member, score in rows}


def replace_counters(contest_id: int, boards: dict[int, dict[int, int]], totals: dict[int, int],
                     watermark: int) -> None:
    """Swap in counts rebuilt from SQL, atomically (MULTI/EXEC)."""
    pipe = get_redis().pipeline(transaction=True)
    for category_id, counts in boards.items():
        pipe.delete(keys.board(contest_id, category_id))
        nonzero = {str(e): n for e, n in counts.items() if n}
        if nonzero:
            pipe.zadd(keys.board(contest_id, category_id), nonzero)
    pipe.delete(keys.totals(contest_id))
    if totals:
        pipe.hset(keys.totals(contest_id), mapping={str(c): n for c, n in totals.items()})
    pipe.set(keys.watermark(contest_id), watermark)
    pipe.delete(keys.applied(contest_id))
    pipe.execute()


def mark_voted(contest_id: int, category_id: int, voter_ids: list[int]) -> None:
    if voter_ids:
        get_redis().sadd(keys.voted(contest_id, category_id), *voter_ids)
