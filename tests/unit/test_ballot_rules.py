from datetime import datetime, timedelta, timezone

import pytest

from voting.ballots.domain import receipts, screening, selection

from voting.guards.domain import pow, ratelimit
from voting.ballots.domain.selection import Rules, SelectionError

NOW = datetime(2021, 5, 18, 12, 0, tzinfo=timezone.utc)
ELIGIBLE = frozenset({1, 2, 3, 4})


@pytest.mark.parametrize("rules, chosen, expected", [
    (Rules("single"), [2], [2]),
    (Rules("approval", max_choices=3), [1, 3, 4], [1, 3, 4]),
    (Rules("ranked"), [4, 1], [4, 1]),
    (Rules("score", score_max=5), {"1": 5, "3": 0}, {"1": 5, "3": 0}),
])
def test_valid_selections(rules, chosen, expected):
    assert selection.check(rules, chosen, ELIGIBLE) == expected


@pytest.mark.parametrize("rules, chosen", [
    (Rules("single"), [2, 3]), (Rules("single"), []), (Rules("single"), [9]), (Rules("single"), [True]),
    (Rules("single"), "2"), (Rules("approval", max_choices=2), [1, 2, 3]), (Rules("approval", max_choices=3), [1, 1]),
    (Rules("ranked"), [1, 2, 1]), (Rules("ranked"), [1, 2, 3, 4, 5]),
    (Rules("score", score_max=5), {"1": 6}), (Rules("score", score_max=5), {"x": 1}),
    (Rules("score", score_max=5), {"1": 2.5}), (Rules("score", score_max=5), {}),
    (Rules("score", score_max=5), {"1": 1, "01": 2}), (Rules("none"), [1]),
])
def test_invalid_selections(rules, chosen):
    with pytest.raises(SelectionError):
        selection.check(rules, chosen, ELIGIBLE)


def test_no_approved_entries():
    with pytest.raises(SelectionError):
        selection.check(Rules("single"), [1], frozenset())


def test_increments_per_method():
    assert selection.increments("single", [3]) == {3: 1}
    assert selection.increments("approval", [1, 2]) == {1: 1, 2: 1}
    assert selection.increments("score", {"1": 4, "2": 0}) == {1: 4}
    assert selection.increments("ranked", [4, 1, 2]) == {4: 1}


KEY = b"k" * 32


def test_pow_round_trip_and_failures():
    issued = pow.issue(KEY, 7, 8, NOW, 600, "ab12")
    assert issued.expires_at == NOW + timedelta(seconds=600)
    nonce = pow.solve(issued.token, 8)
    assert pow.problem(KEY, 7, issued.token, nonce, NOW) is None
    assert "another contest" in pow.problem(KEY, 8, issued.token, nonce, NOW)
    assert "expired" in pow.problem(KEY, 7, issued.token, nonce, NOW + timedelta(seconds=601))
    assert "not issued" in pow.problem(b"other" * 8, 7, issued.token, nonce, NOW)
    assert "decimal" in pow.problem(KEY, 7, issued.token, "12a", NOW)
    assert "missing" in pow.problem(KEY, 7, None, None, NOW)
    assert "malformed" in pow.problem(KEY, 7, "a.b", "1", NOW)
    tampered = issued.token.replace(".8.", ".1.", 1)
    assert "not issued" in pow.problem(KEY, 7, tampered, nonce, NOW)


def test_wrong_nonce_fails_the_work_check():
    issued = pow.issue(KEY, 7, 12, NOW, 600, "cd")
    good = int(pow.solve(issued.token, 12))
    bad = next(str(n) for n in range(good) if n != good)
    assert "does not solve" in pow.problem(KEY, 7, issued.token, bad, NOW)


def test_leading_zero_bits():
    assert pow.leading_zero_bits(bytes([0, 0, 0x10])) == 19
    assert pow.leading_zero_bits(bytes([0x80])) == 0
    assert pow.leading_zero_bits(bytes(4)) == 32


def test_difficulty_rises_with_spikes_and_stays_off_at_zero():
    assert pow.difficulty(16, 100, 600) == 16
    assert pow.difficulty(16, 601, 600) == 17
    assert pow.difficulty(16, 2400, 600) == 19
    assert pow.difficulty(16, 10**9, 600) == 22
    assert pow.difficulty(0, 10**9, 600) == 0


def test_limit_parsing():
    assert ratelimit.parse("30/hour") == ratelimit.Limit(30, 3600)
    assert ratelimit.parse("100 / 10 minutes") == ratelimit.Limit(100, 600)
    assert ratelimit.parse("5/second") == ratelimit.Limit(5, 1)
    for bad in ("0/hour", "ten/hour", "5/fortnight", "5/0 minutes", ""):
        with pytest.raises(ValueError):
            ratelimit.parse(bad)


def test_sliding_windows():
    limit = ratelimit.Limit(10, 60)
    current, previous, weight = ratelimit.windows(limit, 90_000)
    assert (current, previous) == (1, 0) and weight == pytest.approx(0.5)


def test_receipt_codes():
    code = receipts.new_code(bytes(range(15)))
    assert len(code.replace("-", "")) == 24 and code.count("-") == 5
    assert receipts.code_hash(code.lower()) == receipts.code_hash(code.replace("-", " "))
    assert receipts.public_status("invalidated", voting_open=True) == "received"
    assert receipts.public_status("invalidated", voting_open=False) == "invalidated"


SEEN = screening.ScriptSeen(visible_ms=12_000, input=True)


def test_screening_flags():
    flags = screening.flags_for("http://x", NOW - timedelta(seconds=1), NOW, 3, True, True, page=True, script=SEEN)
    assert flags == ["honeypot", "too_fast"] and screening.status_for(flags) == "under_review"
    flags = screening.flags_for("", None, NOW, 3, False, False, page=False, script=None)
    assert flags == ["no_render_time", "no_device", "redis_unavailable", "no_page"]
    assert screening.status_for(flags) == "counted"
    assert screening.flags_for(None, NOW - timedelta(seconds=5), NOW, 3, True, True, page=True, script=SEEN) == []
