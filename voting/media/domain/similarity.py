"""Perceptual hashes and the near-duplicate rule. Pure (imagehash).

A hash is imagehash's 64-bit DCT hash as 16 hex digits; two photos are near
duplicates when their hashes differ in at most NEAR_DUPLICATE_BITS bits
(tuning.py has the reasoning)."""

from __future__ import annotations

from collections.abc import Mapping

import imagehash
from PIL import Image

from voting.media.domain.tuning import NEAR_DUPLICATE_BITS


def perceptual_hash(img: Image.Image) -> str:
    return str(imagehash.phash(img))


def distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def near_duplicates(phash: str, others: Mapping[int, str], bits: int = NEAR_DUPLICATE_BITS) -> list[dict]:
    """The others (by entry id) within `bits` of `phash`, closest first:
    `[{"entry_id", "distance"}]`."""
    found = [{"entry_id": entry_id, "distance": distance(phash, other)} for entry_id, other in others.items()]
    return sorted((f for f in found if f["distance"] <= bits), key=lambda f: (f["distance"], f["entry_id"]))
