"""The intake's pure rules against bad input (issue 11): score keys, proof
tokens and nonces with digits that are not ASCII, rate limits that would make
a backtracking pattern crawl, and the difficulty in whole numbers."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from voting.ballots.domain import pow, ratelimit, screening, selection
from voting.ballots.domain.selection import Rules, SelectionError

NOW = datetime(2021, 5, 18, 12, 0, tzinfo=timezone.utc)
ELIGIBLE = frozenset({1, 3, 7, 12})
SCORE = Rules("score", score_max=5)
KEY = b"k" * 32


# --- score keys ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", [
    "²",  # str.isdigit says yes; int() raises
    "٣",  # str.isdigit says yes; int() reads 3, an eligible entry
    "３",  # a full-width 3
    "+7", "-7", " 7", "7 ", "7\n", "7_0", "07", "0x7", "7.0", "", "1" * 13, "1" * 5000,
])
def test_a_score_key_is_an_entry_id_in_ascii_digits_or_refused(key):
    with pytest.raises(SelectionError):
        selection.check(SCORE, {key: 3}, ELIGIBLE)


def test_good_score_keys_are_kept_as_sent():
    assert selection.check(SCORE, {"7": 3, "12": 0}, ELIGIBLE) == {"7": 3, "12": 0}
    with pytest.raises(SelectionError, match="not an approved entry"):
        selection.check(SCORE, {"0": 1}, ELIGIBLE)  # a well-formed id that is no entry


# --- proof-of-work tokens and nonces ------------------------------------------------------------------------

def test_non_ascii_digits_in_a_token_or_nonce_are_malformed_not_a_crash():
    issued = pow.issue(KEY, 7, 4, NOW, 600, "ab12")
    body, mac = issued.token.rsplit(".", 1)
    contest, bits, expires, random = body.split(".")
    for forged in (f"{contest}.{bits}.{expires[:-1]}².{random}.{mac}", f"٣.{bits}.{expires}.{random}.{mac}",
                   f"{contest}.+{bits}.{expires}.{random}.{mac}", f"{contest}.{bits}.{expires}.{random}.{mac}\udc80"):
        assert "malformed" in pow.problem(KEY, 7, forged, "1", NOW)
    for nonce in ("²", "٣", "+1", " 1", "1" * 25):
        assert "decimal" in pow.problem(KEY, 7, issued.token, nonce, NOW)
    nonce = pow.solve(issued.token, 4)
    assert pow.problem(KEY, 7, issued.token, nonce, NOW) is None
    assert "easier" in pow.problem(KEY, 7, issued.token, nonce, NOW, least_bits=5)  # below the base
    assert pow.bits_and_expiry(issued.token) == (4, int(issued.expires_at.timestamp()))


# --- rate limits --------------------------------------------------------------------------------------------

def test_a_limit_longer_than_the_cap_is_refused_before_any_pattern_runs():
    assert ratelimit.MAX_LENGTH <= 100
    for text in ("30/" + " " * 10_000 + "hour", "1/" + " " * 20_000 + "x", "1" * 1_000_000):
        with pytest.raises(ValueError, match="too long"):
            ratelimit.parse(text)


def test_the_limit_pattern_is_linear_even_without_the_cap():
    # The old pattern tried every split of a run of spaces between `/\s*(\d{0,5})\s*`:
    # quadratic, minutes for this string. This one fails at once (no timing: it just has to return).
    assert ratelimit.PATTERN.fullmatch("1/" + " " * 30_000 + "x") is None
    assert ratelimit.PATTERN.fullmatch("1" + " " * 30_000) is None


def test_limits_within_the_cap_parse_as_before():
    assert ratelimit.parse(" 100 / 10 minutes\n") == ratelimit.Limit(100, 600)
    assert ratelimit.parse("5/second") == ratelimit.Limit(5, 1)
    assert ratelimit.parse("30/hours") == ratelimit.Limit(30, 3600)
    for bad in ("٣/hour", "3/٣ minutes", "+3/hour", "3/hour s", "3//hour"):
        with pytest.raises(ValueError):
            ratelimit.parse(bad)


# --- difficulty in whole numbers ----------------------------------------------------------------------------

def test_difficulty_adds_a_bit_at_the_threshold_and_at_each_doubling():
    assert [pow.difficulty(16, n, 600) for n in (600, 601, 1199, 1200, 2399, 2400, 4800, 9600, 19200, 38400)] \
        == [16, 17, 17, 18, 18, 19, 20, 21, 22, 22]
    assert pow.difficulty(26, 10**9, 600) == pow.MAX_BITS
    assert pow.difficulty(16, 10**9, 0) == 16


def test_difficulty_is_exact_where_a_float_quotient_rounds_up_to_a_power_of_two():
    # (2**60 - 1) / 2**58 is 3.99999... and rounds to 4.0 as a float: log2 then
    # claimed one doubling too many. Whole numbers do not round.
    assert pow.difficulty(16, 2**60 - 1, 2**58) == 18
    assert pow.difficulty(16, 2**60, 2**58) == 19


# --- screening ----------------------------------------------------------------------------------------------

def test_render_token_notes_are_recorded_but_never_hold():
    for note in sorted(screening.RENDER_NOTES):
        flags = screening.flags_for("", NOW, NOW, 0, True, True, note)
        assert flags == [note] and screening.status_for(flags) == "counted"
    assert screening.flags_for("", NOW, NOW, 0, True, True, "anything else") == []
