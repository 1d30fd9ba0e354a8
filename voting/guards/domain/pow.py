"""Proof-of-work challenges. Pure: the key, the clock and the randomness are
arguments.

A token is `contest.bits.expires.random.mac`: the server keeps nothing when it
hands one out, and checks the MAC, the contest, the expiry and the work when
one comes back. That a token is used only once, and that its bits are still
the current difficulty for this contest and this client's address, is checked
in Redis: the intake's gate marks it used with SET NX for as long as it could
still be valid, and computes the difficulty from the same counters as
`difficulty` below (`redis_keys.DIFFICULTY_LUA`): the contest's intake of the
last minute, and the client address's and network prefix's recent ballots.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable

MAX_EXTRA_BITS = 6
MAX_BITS = 28
MAX_NONCE_LENGTH = 24


@dataclass(frozen=True)
class Challenge:
    token: str
    bits: int
    expires_at: datetime


def _mac(key: bytes, body: str) -> str:
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()[:32]


def issue(key: bytes, contest_id: int, bits: int, now: datetime, ttl_seconds: int, random_hex: str) -> Challenge:
    expires = int(now.timestamp()) + ttl_seconds
    body = f"{contest_id}.{bits}.{expires}.{random_hex}"
    return Challenge(f"{body}.{_mac(key, body)}", bits, datetime.fromtimestamp(expires, timezone.utc))


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def solve(token: str, bits: int) -> str:
    """The smallest decimal nonce that satisfies a token (what a client does)."""
    nonce = 0
    while leading_zero_bits(hashlib.sha256(f"{token}:{nonce}".encode()).digest()) < bits:
        nonce += 1
    return str(nonce)


def problem(key: bytes, contest_id: int, token: object, nonce: object, now: datetime,
            least_bits: int = 0) -> str | None:
    """Why a proof fails, or None when it holds (single use and the current
    difficulty are checked in the gate).

    Numbers are ASCII digits only: str.isdigit alone also takes "²" and "٣"
    (int() refuses the one and reads the other), so every isdigit here is
    asked of text already known to be ASCII, where it means 0-9 exactly."""
    if not isinstance(token, str) or not isinstance(nonce, str) or len(token) > 200:
        return "the proof of work is missing"
    if not token.isascii():  # also: the MAC is compared as text, which compare_digest allows only in ASCII
        return "the challenge token is malformed"
    parts = token.split(".")
    if len(parts) != 5 or not (parts[0].isdigit() and parts[1].isdigit() and parts[2].isdigit()):
        return "the challenge token is malformed"
    if not hmac.compare_digest(_mac(key, ".".join(parts[:4])), parts[4]):
        return "the challenge token was not issued by this server"
    if int(parts[0]) != contest_id:
        return "the challenge token belongs to another contest"
    if int(parts[2]) <= now.timestamp():
        return "the challenge token has expired"
    if len(nonce) > MAX_NONCE_LENGTH or not (nonce.isascii() and nonce.isdigit()):
        return "the nonce must be a decimal string"
    digest = hashlib.sha256(f"{token}:{nonce}".encode()).digest()
    if leading_zero_bits(digest) < int(parts[1]):
        return "the nonce does not solve the challenge"
    if int(parts[1]) < least_bits:
        return "the challenge is easier than this contest asks"
    return None


def expiry_of(token: str) -> int:
    """Of a token `problem` accepted."""
    return int(token.split(".")[2])


def bits_and_expiry(token: str) -> tuple[int, int]:
    """Of a token `problem` accepted."""
    _contest, bits, expires, _rest = token.split(".", 3)
    return int(bits), int(expires)


def extra_bits(recent: int, threshold: int) -> int:
    """Bits added for a count above its threshold: one above it, another at
    twice it, at four times, and so on, at most MAX_EXTRA_BITS (each bit
    doubles a client's expected work); none at or below it, or without one.

    Whole numbers only, and written as the gate's Lua writes it
    (`redis_keys.DIFFICULTY_LUA`): the challenge endpoint and the gate must
    agree exactly, and a float log2 can land on either side of a power of two."""
    if threshold <= 0 or recent <= threshold:
        return 0
    extra = 1
    while extra < MAX_EXTRA_BITS and threshold * 2 ** extra <= recent:
        extra += 1
    return extra


def address_extra(counts: Iterable[tuple[int, int]]) -> int:
    """The bits a client's address adds: of its (recent ballots, threshold)
    pairs, address and network prefix, the one that adds most (the prefix's
    count includes the address's own)."""
    return max((extra_bits(recent, threshold) for recent, threshold in counts), default=0)


def difficulty(base_bits: int, ballots_last_minute: int, spike_per_minute: int, address_bits: int = 0) -> int:
    """Base difficulty, raised by `extra_bits` of the contest's intake above
    its spike threshold, and by the bits of the client's own address
    (`address_extra`: its recent ballots above an honest room's volume), at
    most MAX_BITS in all. A contest with base 0 has turned proof of work off
    and stays off."""
    if base_bits == 0:
        return 0
    extra = extra_bits(ballots_last_minute, spike_per_minute) + address_bits
    return min(MAX_BITS, base_bits + extra) if extra else base_bits
