"""The intake's pure rules against bad input (issue 11): score keys, proof
tokens and nonces with digits that are not ASCII, rate limits that would make
a backtracking pattern crawl, and the difficulty in whole numbers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from voting.ballots.domain import screening, selection

from voting.guards.domain import pow, ratelimit
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

SEEN = screening.ScriptSeen(visible_ms=9_000, input=True)


def test_render_token_notes_are_recorded_but_never_hold():
    for note in sorted(screening.RENDER_NOTES):
        flags = screening.flags_for("", NOW, NOW, 0, True, True, note, page=False, script=None)
        assert flags == [note, "no_page"] and screening.status_for(flags) == "counted"
    assert screening.flags_for("", NOW, NOW, 0, True, True, "anything else", page=True, script=SEEN) == []


def test_client_flags_say_what_the_client_was_and_never_hold():
    def flags(page, script):
        return screening.flags_for("", NOW, NOW, 0, True, True, page=page, script=script)
    assert flags(False, None) == ["no_page"]  # an API client, or a script that never rendered the page
    assert flags(False, SEEN) == ["no_page"]  # what a script claims counts for nothing without a page
    assert flags(True, None) == ["no_script"]  # a page without JavaScript, or its form sent by a script
    assert flags(True, screening.ScriptSeen(9_000, False)) == ["no_input"]
    assert flags(True, SEEN) == []
    for found in (flags(False, None), flags(True, None), flags(True, screening.ScriptSeen(0, False))):
        assert screening.status_for(found) == "counted" and screening.holding_reason(found) is None
    assert set(screening.CLIENT_FLAGS).isdisjoint(screening.HOLDING_FLAGS)


def test_page_ms_counts_milliseconds_from_the_render_and_never_below_zero():
    assert screening.page_ms(NOW - timedelta(seconds=41, milliseconds=250), NOW) == 41_250
    assert screening.page_ms(NOW + timedelta(milliseconds=800), NOW) == 0  # another process's clock, a little ahead


# --- difficulty of busy addresses ---------------------------------------------------------------------------

def test_an_address_adds_a_bit_above_its_threshold_and_at_each_doubling():
    assert [pow.extra_bits(n, 1000) for n in (0, 1000, 1001, 1999, 2000, 3999, 4000, 8000, 32_000, 64_000, 10**9)] \
        == [0, 0, 1, 1, 2, 2, 3, 4, 6, 6, 6]
    assert pow.extra_bits(10**9, 0) == 0  # no threshold: no rise
    assert pow.address_extra([(5400, 1000), (5400, 4000)]) == 3  # the address's own, the larger
    assert pow.address_extra([(900, 1000), (9000, 4000)]) == 2  # a busy /24 of quiet addresses
    assert pow.address_extra([]) == 0


def test_the_address_adds_to_the_spike_within_the_cap_and_never_turns_proof_on():
    assert pow.difficulty(16, 0, 600, 3) == 19
    assert pow.difficulty(16, 601, 600, 3) == 20
    assert pow.difficulty(16, 10**9, 600, 6) == pow.MAX_BITS
    assert pow.difficulty(0, 10**9, 600, 6) == 0


def test_sliding_counts_and_thresholds_in_whole_ballots():
    assert ratelimit.recent(10, 100, 0.25) == 35
    assert ratelimit.recent(0, 3, 1 / 3) == 0  # 0.999999: as the gate's Lua floors "0.333333" * 3
    assert ratelimit.weight_text(1 / 3) == "0.333333"
    hour = ratelimit.parse("10000/hour")
    assert ratelimit.threshold_in(hour, ratelimit.parse("1000/hour")) == 1000
    assert ratelimit.threshold_in(ratelimit.parse("200/minute"), ratelimit.parse("1200/hour")) == 20
    assert ratelimit.threshold_in(ratelimit.parse("5/second"), ratelimit.parse("1/hour")) == 1  # never 0
