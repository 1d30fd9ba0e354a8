"""The gate's Lua difficulty (redis_keys.DIFFICULTY_LUA, run by a real Redis)
and pow.extra_bits / pow.difficulty agree exactly: the challenge endpoint
hands out what the gate then asks for, at every threshold and doubling, for
the contest's spike and the client address's volume alike."""

from __future__ import annotations

import itertools

from voting import redis_keys as keys
from voting.guards.domain import pow

# Every case in one EVAL: ARGV holds (base, recent, spike, address_extra) quadruples.
RUN_ALL = keys.DIFFICULTY_LUA + """
local out = {}
for i = 1, #ARGV, 4 do
  out[#out + 1] = difficulty(tonumber(ARGV[i]), tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]))
end
return out
"""
EXTRA_ALL = keys.DIFFICULTY_LUA + """
local out = {}
for i = 1, #ARGV, 2 do
  out[#out + 1] = extra_bits(tonumber(ARGV[i]), tonumber(ARGV[i + 1]))
end
return out
"""


def around_doublings(threshold: int) -> set[int]:
    found = {0, 1, threshold - 1, threshold, threshold + 1, 10**9, 2**40}
    for k in range(0, 9):  # around every doubling, past the cap of six extra bits
        found.update({threshold * 2**k - 1, threshold * 2**k, threshold * 2**k + 1})
    return {n for n in found if n >= 0}


def cases() -> list[tuple[int, int, int, int]]:
    bases = (0, 1, 4, 8, 16, 22, 23, 24, 27, 28)
    spikes = (1, 2, 3, 7, 100, 599, 600, 601, 1000, 9999, 10_000_000)
    found = set()
    for base, spike, address in itertools.product(bases, spikes, (0, 1, 3, 6)):
        found.update((base, recent, spike, address) for recent in around_doublings(spike))
    found.update((16, recent, 600, 0) for recent in range(0, 40_000, 7))
    return sorted(found)


def test_lua_and_python_difficulty_agree(redis_client):
    quadruples = cases()
    assert len(quadruples) > 15000
    lua = redis_client.eval(RUN_ALL, 0, *[v for quad in quadruples for v in quad])
    python = [pow.difficulty(*quad) for quad in quadruples]
    disagree = [(q, l, p) for q, l, p in zip(quadruples, lua, python) if l != p]
    assert not disagree, disagree[:20]


def test_lua_and_python_extra_bits_agree(redis_client):
    pairs = sorted({(recent, threshold) for threshold in (0, 1, 3, 17, 1000, 4000, 20_000, 10_000_000)
                    for recent in around_doublings(max(threshold, 1))})
    pairs += [(recent, 1000) for recent in range(0, 70_000, 13)]
    lua = redis_client.eval(EXTRA_ALL, 0, *[v for pair in pairs for v in pair])
    python = [pow.extra_bits(*pair) for pair in pairs]
    disagree = [(p, l, q) for p, l, q in zip(pairs, lua, python) if l != q]
    assert not disagree, disagree[:20]


def test_the_gate_script_carries_the_same_functions():
    assert keys.GATE_SCRIPT.startswith(keys.DIFFICULTY_LUA)
