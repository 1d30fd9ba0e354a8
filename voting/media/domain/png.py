"""A PNG's structure, chunk by chunk without decompressing: its size from
IHDR, its metadata chunks located, and IEND as the last bytes of the file.
Pure."""

from __future__ import annotations

import struct

from voting.media.domain.formats import DAMAGED, PNG, PNG_SIGNATURE, TRAILING, TRUNCATED, Layout
from voting.media.domain.refusal import Refused
from voting.media.domain.tuning import MAX_PNG_CHUNKS

PIXEL_CHUNKS = {b"IDAT", b"fdAT"}  # compressed pixel data (fdAT: APNG's later frames)
# Bit depths allowed for each colour type (PNG specification, table 11.1).
DEPTHS = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}
HEAD = struct.Struct(">I4s")
MAX_LENGTH = 2**31 - 1


def read(data: bytes) -> Layout:
    if not data.startswith(PNG_SIGNATURE):
        raise Refused(DAMAGED)
    pos, n, chunks, size, pixels = len(PNG_SIGNATURE), len(data), 0, None, False
    metadata: list[tuple[int, int]] = []
    while True:
        if pos + 8 > n:
            raise Refused(TRUNCATED)
        length, kind = HEAD.unpack_from(data, pos)
        start, end = pos + 8, pos + 8 + length
        if length > MAX_LENGTH or not kind.isalpha():
            raise Refused(DAMAGED)
        if end + 4 > n:  # the chunk's CRC follows its data
            raise Refused(TRUNCATED)
        chunks += 1
        if chunks > MAX_PNG_CHUNKS:
            raise Refused(f"is split into more than {MAX_PNG_CHUNKS} chunks, which no image editor writes")
        if chunks == 1:
            size = _header(data, kind, start, length)
        elif kind == b"IHDR":
            raise Refused(DAMAGED)
        if kind in PIXEL_CHUNKS:
            pixels = True
        elif kind != b"IEND":
            metadata.append((start, end))
        pos = end + 4
        if kind == b"IEND":
            break
    if not pixels:
        raise Refused(DAMAGED)
    if pos != n:
        raise Refused(TRAILING)
    return Layout(PNG, size[0], size[1], tuple(metadata))


def _header(data: bytes, kind: bytes, start: int, length: int) -> tuple[int, int]:
    if kind != b"IHDR" or length != 13:
        raise Refused(DAMAGED)
    width, height, depth, colour, compression, filtering, interlace = struct.unpack_from(">IIBBBBB", data, start)
    if not (0 < width <= MAX_LENGTH and 0 < height <= MAX_LENGTH) or depth not in DEPTHS.get(colour, ()):
        raise Refused(DAMAGED)
    if compression or filtering or interlace > 1:
        raise Refused(DAMAGED)
    return width, height
