"""ISO 3166-1 alpha-2 codes, from Babel's CLDR data (no list of our own to keep)."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale

# CLDR codes that are not countries or are placeholders.
NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"}


@lru_cache(maxsize=1)
def codes() -> frozenset[str]:
    return frozenset(code for code in Locale("en").territories
                     if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES)


def is_country(code: object) -> bool:
    return isinstance(code, str) and code.upper() in codes() and len(code) == 2


def name(code: str, locale: str = "en") -> str:
    return Locale.parse(locale).territories.get(code.upper(), code)
