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


def intake_rates(contest_id: int, minute: int) -> tuple[str, str]:
    """`intake_rate` of this minute and of the one before, in one call (the gate's)."""
    base = f"{contest_tag(contest_id)}:rate:"
    return base + str(minute), base + str(minute - 1)


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


def rendered(contest_id: int, render_id: str) -> str:
    """A ballot page's render-time token, once a ballot has used it (until it expires)."""
    return f"{contest_tag(contest_id)}:rendered:{render_id}"


def registrations(subject: str, hour: int) -> str:
    """Accounts registered from one address (IPv4 address, IPv6 /64) in one
    clock hour: the sliding hour's count sets the registration's proof of work."""
    return f"voting:register:n:{subject}:{hour}"


def registration_pow_used(token: str) -> str:
    """A registration's proof-of-work token, once used (until it expires)."""
    return f"voting:register:pow:{hashlib.sha256(token.encode()).hexdigest()[:32]}"


def judging_reminded(contest_id: int, day: str) -> str:
    """Set of the judges (user ids) mailed a judging reminder of the contest on
    `day` (YYYY-MM-DD, UTC): the claim that keeps it to one a judge a day."""
    return f"{contest_tag(contest_id)}:judging:reminded:{day}"


# The proof-of-work difficulty: `ballots.pow.extra_bits` and `pow.difficulty`
# line by line, in whole numbers (Redis's Lua numbers are doubles, exact far
# beyond these values), so that the challenge endpoint and the gate agree
# exactly; a test compares them. `recent` is the contest's intake in the last
# full minute and this one so far; `address_extra` the bits the client's
# address and network prefix add for their recent ballots (docs/intake.md).
DIFFICULTY_LUA = """
local function extra_bits(recent, threshold)
  if threshold <= 0 or recent <= threshold then
    return 0
  end
  local extra = 1
  while extra < 6 and threshold * 2 ^ extra <= recent do
    extra = extra + 1
  end
  return extra
end
local function difficulty(base, recent, spike, address_extra)
  if base == 0 then
    return 0
  end
  local extra = extra_bits(recent, spike) + address_extra
  if extra == 0 then
    return base
  end
  return math.min(28, base + extra)
end
"""

# Before the commit, in one round trip: rate limits (all checked, then all
# counted), the proof-of-work token's difficulty against the current one for
# this contest and this client's address, its single use, the dedupe
# pre-check, and last, for a ballot that passed all of them, the single use
# of its page's render-time token.
# A window's counter gets its expiry when it is created (it is needed until
# the window after it ends), so a ballot costs one INCR per limit.
# The difficulty is read from the intake counters and the address's and
# prefix's limit windows as they were before this attempt's INCRs, which is
# what the challenge endpoint would answer now (`ballots.live.recent_counts`):
# a limit with a "harder above" threshold (in its own window's ballots; 0:
# none) adds `extra_bits` of its sliding count, in whole ballots.
# A used render token does not refuse the ballot (the answer says whether it
# was fresh: 1 or 0); the intake then judges its timing by its challenge.
# KEYS: pow_used, voted, intake_rate (this minute), rendered (without a token:
#       any key of the contest, never touched), intake_rate (last minute),
#       then (current, previous) window per limit.
# ARGV: n_limits, pow_state (ok|bad|none), pow_ttl_ms, voter_id, token_bits,
#       base_bits, spike_per_minute, render_ttl_ms (0: no token to mark),
#       then (limit, window_ms, previous_weight, harder_above) per limit.
GATE_SCRIPT = DIFFICULTY_LUA + """
local n = tonumber(ARGV[1])
local counts = redis.call('MGET', unpack(KEYS, 5, 5 + 2 * n))
local address_extra = 0
for i = 1, n do
  local recent = tonumber(counts[2 * i] or '0') + tonumber(counts[2 * i + 1] or '0') * tonumber(ARGV[7 + 4 * i])
  if recent + 1 > tonumber(ARGV[5 + 4 * i]) then
    return {'rate_limited', i}
  end
  local harder = tonumber(ARGV[8 + 4 * i])
  if harder > 0 then
    address_extra = math.max(address_extra, extra_bits(math.floor(recent), harder))
  end
end
for i = 1, n do
  if redis.call('INCR', KEYS[4 + 2 * i]) == 1 then
    redis.call('PEXPIRE', KEYS[4 + 2 * i], 2 * tonumber(ARGV[6 + 4 * i]))
  end
end
local this_minute = redis.call('INCR', KEYS[3])
if this_minute == 1 then
  redis.call('EXPIRE', KEYS[3], 180)
end
if ARGV[2] == 'bad' then
  return {'challenge_failed', 0}
end
if ARGV[2] == 'ok' then
  local recent = math.max(this_minute - 1, tonumber(counts[1] or '0'))
  if tonumber(ARGV[5]) < difficulty(tonumber(ARGV[6]), recent, tonumber(ARGV[7]), address_extra) then
    return {'challenge_too_easy', 0}
  end
  if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[3]) then
    return {'challenge_reused', 0}
  end
end
if redis.call('SISMEMBER', KEYS[2], ARGV[4]) == 1 then
  return {'already_voted', 0}
end
if ARGV[8] ~= '0' and redis.call('SET', KEYS[4], '1', 'NX', 'PX', ARGV[8]) then
  return {'ok', 1}
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


def import_report(contest_id: int, token: str) -> str:
    """A CSV import's row report (JSON), kept an hour for the console's page to show after its redirect."""
    return f"{contest_tag(contest_id)}:import-report:{token}"
