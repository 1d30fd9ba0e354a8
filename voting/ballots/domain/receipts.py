"""Receipt codes. Pure. A code is 120 random bits in Crockford-style base32,
grouped for reading aloud; only its SHA-256 is stored."""

from __future__ import annotations

import base64
import hashlib

ALPHABET_FIX = str.maketrans({"0": "O", "1": "I", "8": "B"})


def new_code(random_bytes: bytes) -> str:
    return issue(random_bytes)[0]


def issue(random_bytes: bytes) -> tuple[str, str]:
    """A new code and its hash (the code's text is already in normal form
    but for the dashes, so the hash needs no `normalise`)."""
    text = base64.b32encode(random_bytes).decode().rstrip("=")
    code = "-".join([text[i:i + 4] for i in range(0, len(text), 4)])
    return code, hashlib.sha256(text.encode()).hexdigest()


def normalise(code: str) -> str:
    return code.strip().upper().replace("-", "").replace(" ", "").translate(ALPHABET_FIX)


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def public_status(real_status: str, voting_open: bool) -> str:
    """While voting is open every receipt reads `received`, so a receipt never
    tells a fraudster whether a trick worked."""
    return "received" if voting_open else real_status
