"""Perceptual hashes and the near-duplicate rule (within NEAR_DUPLICATE_BITS
bits of 64): the same photo re-encoded, resized, brightened or lightly
cropped is flagged; different photos are not."""

from __future__ import annotations

import io
import itertools

from PIL import Image, ImageEnhance

from tests.support import images
from voting.media.domain import similarity
from voting.media.domain.tuning import NEAR_DUPLICATE_BITS


def phash(img: Image.Image) -> str:
    return similarity.perceptual_hash(img)


def reencoded(img: Image.Image, quality: int) -> Image.Image:
    return Image.open(io.BytesIO(images.encode(img, "JPEG", quality=quality)))


def test_copies_and_light_edits_are_near():
    photo = images.scene((800, 600), seed=3)
    w, h = photo.size
    edits = [photo.resize((400, 300)), reencoded(photo, 40), ImageEnhance.Brightness(photo).enhance(1.15),
             ImageEnhance.Contrast(photo).enhance(1.2), photo.convert("L"),
             photo.crop((int(w * .02), int(h * .02), int(w * .98), int(h * .98)))]
    for edited in edits:
        assert similarity.distance(phash(photo), phash(edited)) <= NEAR_DUPLICATE_BITS


def test_different_photos_are_not():
    hashes = [phash(images.scene((640, 480), seed=seed)) for seed in range(12)]
    assert min(similarity.distance(a, b) for a, b in itertools.combinations(hashes, 2)) > NEAR_DUPLICATE_BITS


def test_hashes_are_16_hex_digits_and_distance_counts_bits():
    value = phash(images.scene())
    assert len(value) == 16 and int(value, 16) >= 0
    assert similarity.distance("0000000000000000", "000000000000000f") == 4
    assert similarity.distance(value, value) == 0


def test_near_duplicates_are_listed_closest_first():
    mine = "ffffffffffffffff"
    others = {7: "fffffffffffffff0", 3: "ffffffffffffff00", 9: "0000000000000000", 4: "fffffffffffffff0"}
    assert similarity.near_duplicates(mine, others) == [{"entry_id": 4, "distance": 4}, {"entry_id": 7, "distance": 4},
                                                        {"entry_id": 3, "distance": 8}]
    assert similarity.near_duplicates(mine, others, bits=3) == []
