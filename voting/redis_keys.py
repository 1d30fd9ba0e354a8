"""Every Redis key name the app uses, in one place.

Keys of one contest share the hash tag `{c:<id>}` so that they live in one
Redis Cluster slot and one Lua script can touch them all.
"""

from __future__ import annotations

import hashlib

LIMITER_PREFIX = "voting:limits"  # Flask-Limiter's keys (login and registration limits)
# RQ owns every key under "rq:"; nothing else writes there.


def contest_tag(contest_id: int) -> str:
    return f"{{c:{contest_id}}}"


def pow_used(contest_id: int, token: str) -> str:
    return f"{contest_tag(contest_id)}:pow:{hashlib.sha256(token.encode()).hexdigest()[:32]}"


def voted(contest_id: int, category_id: int) -> str:
    """Voter ids with a ballot in the category: the dedupe pre-check."""
    return f"{contest_tag(contest_id)}:voted:{category_id}"


def intake_rate(contest_id: int, minute: int) -> str:
    return f"{contest_tag(contest_id)}:rate:{minute}"


def limit_windows(contest_id: int, scope: str, subject: str, window: int, index: int) -> tuple[str, str]:
    """A rate limit's counters of the window `index` and of the one before it."""
    base = f"{contest_tag(contest_id)}:rl:{scope}:{window}:{subject}:"
    return base + str(index), base + str(index - 1)


def board(contest_id: int, category_id: int) -> str:
    """Sorted set: entry id → live count of counted ballots."""
    return f"{contest_tag(contest_id)}:board:{category_id}"


def totals(contest_id: int) -> str:
    """Hash: category id → counted ballots."""
    return f"{contest_tag(contest_id)}:totals"


def watermark(contest_id: int) -> str:
    """Highest ballot id the last rebuild included from SQL."""
    return f"{contest_tag(contest_id)}:watermark"


def applied(contest_id: int) -> str:
    """Ballot ids above the watermark already added to the counters."""
    return f"{contest_tag(contest_id)}:applied"


# Before the commit, in one round trip: rate limits (all checked, then all
# counted), the single use of the proof-of-work token, the dedupe pre-check.
# A window's counter gets its expiry when it is created (it is needed until
# the window after it ends), so a ballot costs one INCR per limit.
# KEYS: pow_used, voted, intake_rate, then (current, previous) window per limit.
# ARGV: n_limits, pow_state (ok|bad|none), pow_ttl_ms, voter_id,
#       then (limit, window_ms, previous_weight) per limit.
GATE_SCRIPT = """
local n = tonumber(ARGV[1])
if n > 0 then
  local counts = redis.call('MGET', unpack(KEYS, 4, 3 + 2 * n))
  for i = 1, n do
    local cur = tonumber(counts[2 * i - 1] or '0')
    local prev = tonumber(counts[2 * i] or '0')
    local limit = tonumber(ARGV[2 + 3 * i])
    local weight = tonumber(ARGV[4 + 3 * i])
    if cur + prev * weight + 1 > limit then
      return {'rate_limited', i}
    end
  end
  for i = 1, n do
    if redis.call('INCR', KEYS[2 + 2 * i]) == 1 then
      redis.call('PEXPIRE', KEYS[2 + 2 * i], 2 * tonumber(ARGV[3 + 3 * i]))
    end
  end
end
if redis.call('INCR', KEYS[3]) == 1 then
  redis.call('EXPIRE', KEYS[3], 180)
end
if ARGV[2] == 'bad' then
  return {'challenge_failed', 0}
end
if ARGV[2] == 'ok' then
  if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[3]) then
    return {'challenge_reused', 0}
  end
end
if redis.call('SISMEMBER', KEYS[2], ARGV[4]) == 1 then
  return {'already_voted', 0}
end
return {'ok', 0}
"""

# After the commit: mark the voter, and add a counted ballot to the counters
# once. Ballots at or below the watermark are already in the rebuilt counts;
# the applied set makes re-running this for one ballot harmless.
# KEYS: voted, board, totals, watermark, applied
# ARGV: voter_id, ballot_id, category_id, counted (1|0), then (entry_id, amount) pairs.
APPLY_SCRIPT = """
redis.call('SADD', KEYS[1], ARGV[1])
if ARGV[4] ~= '1' then
  return 0
end
local wm = tonumber(redis.call('GET', KEYS[4]) or '0')
if tonumber(ARGV[2]) <= wm then
  return 0
end
if redis.call('SADD', KEYS[5], ARGV[2]) == 0 then
  return 0
end
redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
for i = 5, #ARGV, 2 do
  redis.call('ZINCRBY', KEYS[2], ARGV[i + 1], ARGV[i])
end
return 1
"""
