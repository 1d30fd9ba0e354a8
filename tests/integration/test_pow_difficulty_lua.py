"""The gate's Lua difficulty (redis_keys.DIFFICULTY_LUA, run by a real Redis)
and pow.difficulty agree exactly: the challenge endpoint hands out what the
gate then asks for, at every threshold and doubling."""

from __future__ import annotations

import itertools

from voting import redis_keys as keys
from voting.ballots.domain import pow

# Every case in one EVAL: ARGV holds (base, recent, spike) triples.
RUN_ALL = keys.DIFFICULTY_LUA + """
local out = {}
for i = 1, #ARGV, 3 do
  out[#out + 1] = difficulty(tonumber(ARGV[i]), tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]))
end
return out
"""


def cases() -> list[tuple[int, int, int]]:
    bases = (0, 1, 4, 8, 16, 22, 23, 24, 27, 28)
    spikes = (1, 2, 3, 7, 100, 599, 600, 601, 1000, 9999, 10_000_000)
    found = set()
    for base, spike in itertools.product(bases, spikes):
        recents = {0, 1, spike - 1, spike, spike + 1, 10**9, 2**40}
        for k in range(0, 9):  # around every doubling, past the cap of six extra bits
            recents.update({spike * 2**k - 1, spike * 2**k, spike * 2**k + 1})
        found.update((base, recent, spike) for recent in recents if recent >= 0)
    found.update((16, recent, 600) for recent in range(0, 40_000, 7))
    return sorted(found)


def test_lua_and_python_difficulty_agree(redis_client):
    triples = cases()
    assert len(triples) > 6000
    lua = redis_client.eval(RUN_ALL, 0, *[v for triple in triples for v in triple])
    python = [pow.difficulty(*triple) for triple in triples]
    disagree = [(t, l, p) for t, l, p in zip(triples, lua, python) if l != p]
    assert not disagree, disagree[:20]


def test_the_gate_script_carries_the_same_function():
    assert keys.GATE_SCRIPT.startswith(keys.DIFFICULTY_LUA)
