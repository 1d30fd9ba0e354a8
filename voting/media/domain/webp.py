"""A WebP's structure, chunk by chunk without decoding: its size from the
first chunk (VP8 frame header, VP8L header or the VP8X canvas), its metadata
chunks located, and the RIFF size matching the file's. Pure.

This must run before Pillow sees the file: Pillow opens every WebP through
libwebp's animation decoder, which allocates the whole canvas up front."""

from __future__ import annotations

from voting.media.domain.formats import DAMAGED, TRAILING, TRUNCATED, WEBP, Layout
from voting.media.domain.refusal import Refused
from voting.media.domain.tuning import MAX_WEBP_CHUNKS

PIXEL_CHUNKS = {b"VP8 ", b"VP8L", b"ALPH", b"ANMF"}
FRAME_CHUNKS = {b"VP8 ", b"VP8L", b"ANMF"}


def read(data: bytes) -> Layout:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise Refused(DAMAGED)
    total = int.from_bytes(data[4:8], "little") + 8
    if total > len(data):
        raise Refused(TRUNCATED)
    if total < len(data):
        raise Refused(TRAILING)
    pos, size, frames, chunks = 12, None, False, 0
    metadata: list[tuple[int, int]] = []
    while pos < total:
        chunks += 1
        if chunks > MAX_WEBP_CHUNKS:
            raise Refused(f"is split into more than {MAX_WEBP_CHUNKS} chunks, which no image editor writes")
        if pos + 8 > total:
            raise Refused(TRUNCATED)
        kind, length = data[pos:pos + 4], int.from_bytes(data[pos + 4:pos + 8], "little")
        start, end = pos + 8, pos + 8 + length
        if end > total:
            raise Refused(TRUNCATED)
        if size is None:
            size = _size(kind, data[start:min(end, start + 10)])
        if kind in FRAME_CHUNKS:
            frames = True
        if kind not in PIXEL_CHUNKS and kind != b"VP8X":
            metadata.append((start, end))
        pos = end + (length & 1)  # chunks are padded to an even length
    if not frames or pos != total:
        raise Refused(DAMAGED)
    return Layout(WEBP, size[0], size[1], tuple(metadata))


def _size(kind: bytes, head: bytes) -> tuple[int, int]:
    if kind == b"VP8 " and len(head) >= 10 and head[3:6] == b"\x9d\x01\x2a" and not head[0] & 1:
        width = int.from_bytes(head[6:8], "little") & 0x3FFF
        height = int.from_bytes(head[8:10], "little") & 0x3FFF
    elif kind == b"VP8L" and len(head) >= 5 and head[0] == 0x2F:
        bits = int.from_bytes(head[1:5], "little")
        width, height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    elif kind == b"VP8X" and len(head) >= 10:
        width = int.from_bytes(head[4:7], "little") + 1
        height = int.from_bytes(head[7:10], "little") + 1
    else:
        raise Refused(DAMAGED)
    if not width or not height:
        raise Refused(DAMAGED)
    return width, height
