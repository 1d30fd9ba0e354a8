"""The registration's proof of work by the hour's accounts from one address (pure), and its settings."""

from __future__ import annotations

import pytest

from voting.accounts.domain import registration_bits
from voting.config import ConfigError, Settings


def test_the_first_accounts_are_free_then_a_bit_more_at_each_doubling():
    asked = {n: registration_bits(n, 30, 16) for n in (0, 29, 30, 59, 60, 119, 120, 240, 480, 960, 1920, 10**6)}
    assert asked == {0: 0, 29: 0, 30: 16, 59: 16, 60: 17, 119: 17, 120: 18, 240: 19, 480: 20, 960: 21,
                     1920: 22, 10**6: 22}  # at most six more
    assert registration_bits(10**6, 1, 27) == 28  # never above 28 in all
    assert registration_bits(10**6, 30, 0) == 0  # 0 bits: the proof is off


DEV = {"VOTING_ENV": "development"}


def test_the_registration_settings_are_checked():
    assert Settings.from_env(DEV).register_limit_ip == "500/hour"
    with pytest.raises(ConfigError, match="REGISTER_FREE_PER_HOUR"):
        Settings.from_env({**DEV, "VOTING_REGISTER_FREE_PER_HOUR": "0"})
    with pytest.raises(ConfigError, match="REGISTER_POW_BITS"):
        Settings.from_env({**DEV, "VOTING_REGISTER_POW_BITS": "29"})
    assert Settings.from_env({**DEV, "VOTING_REGISTER_POW_BITS": "0"}).register_pow_bits == 0
