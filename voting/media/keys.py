"""How stored photo files are named and addressed.

A key names its file's content: `entries/<contest>/<entry>/<size>-<sha256
prefix>.jpg`. A file never changes under its key, so its URL
(`/media/entries/<entry>/<the key's last part>`) can be cached as immutable
and its ETag is the name itself. Photos from before this pipeline keep their
old keys (`<contest>/<uuid>.jpg`), written once and never changed either."""

from __future__ import annotations

import hashlib

from voting.media.domain.tuning import OUTPUT_EXTENSION

DIGEST_CHARS = 20  # 80 bits of SHA-256: no two of a contest's files collide by chance


def key_for(contest_id: int, entry_id: int, variant: str, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()[:DIGEST_CHARS]
    return f"entries/{contest_id}/{entry_id}/{variant}-{digest}{OUTPUT_EXTENSION}"


def name_of(key: str) -> str:
    return key.rsplit("/", 1)[-1]


def url_for(entry_id: int, key: str) -> str:
    return f"/media/entries/{entry_id}/{name_of(key)}"


def etag_of(key: str) -> str:
    return name_of(key).rsplit(".", 1)[0]
