"""A JPEG's structure, walked marker by marker without decoding: its size from
the first frame header, its scans counted, its metadata segments located, and
its end (EOI) found. Pure.

After the end only more JPEG streams may follow, and only when the first one
declares them in a multi-picture (MPF) segment: cameras' MPO files and phones'
gain maps and depth maps. Zero bytes of padding at the very end are allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from voting.media.domain.formats import DAMAGED, JPEG, TRAILING, TRUNCATED, Layout
from voting.media.domain.refusal import Refused
from voting.media.domain.tuning import MAX_JPEG_SCANS, MAX_JPEG_SEGMENTS, MAX_TRAILING_JPEGS

SOI, EOI, SOS = 0xD8, 0xD9, 0xDA
# Start-of-frame markers (not DHT C4, JPG C8, DAC CC).
FRAMES = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM and RST0-7 carry no length
# Inside entropy-coded data a 0xFF is followed by 0x00 (stuffing) or a restart
# marker; anything else after 0xFF (fill bytes aside) is the next marker.
NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
FILL = re.compile(rb"\xff+")  # a marker's 0xFF and the fill bytes before it, skipped at C speed
TOO_MANY_SEGMENTS = f"has more than {MAX_JPEG_SEGMENTS} segments, which no camera or editor writes"


@dataclass
class _Stream:
    end: int = 0
    size: tuple[int, int] | None = None
    scans: int = 0
    multi_picture: bool = False
    metadata: list[tuple[int, int]] = field(default_factory=list)


def read(data: bytes) -> Layout:
    first = _stream(data, 0)
    metadata = list(first.metadata)
    pos, extra = first.end, 0
    while first.multi_picture and data.startswith(b"\xff\xd8", pos):
        extra += 1
        if extra > MAX_TRAILING_JPEGS:
            raise Refused(TRAILING)
        more = _stream(data, pos)
        metadata += more.metadata
        pos = more.end
    if data.count(0, pos) != len(data) - pos:  # anything but zero padding after the last image
        raise Refused(TRAILING)
    width, height = first.size
    return Layout(JPEG, width, height, tuple(metadata))


def _stream(data: bytes, pos: int) -> _Stream:
    """One JPEG stream, from its SOI at `pos` to just after its EOI."""
    if data[pos:pos + 2] != b"\xff\xd8":
        raise Refused(DAMAGED)
    found, pos, n, segments = _Stream(), pos + 2, len(data), 0
    while True:
        if pos >= n:
            raise Refused(TRUNCATED)
        fill = FILL.match(data, pos)  # fill bytes may precede a marker
        if fill is None:
            raise Refused(DAMAGED)
        pos = fill.end()
        if pos >= n:
            raise Refused(TRUNCATED)
        marker = data[pos]
        pos += 1
        segments += 1  # every marker counts, stray restart markers (standalone) included
        if segments > MAX_JPEG_SEGMENTS:
            raise Refused(TOO_MANY_SEGMENTS)
        if marker == EOI:
            if found.size is None or not found.scans:
                raise Refused(DAMAGED)
            found.end = pos
            return found
        if marker in STANDALONE:
            continue
        if marker in (SOI, 0x00):
            raise Refused(DAMAGED)
        if pos + 2 > n:
            raise Refused(TRUNCATED)
        length = int.from_bytes(data[pos:pos + 2], "big")
        start, end = pos + 2, pos + length
        if length < 2:
            raise Refused(DAMAGED)
        if end > n:
            raise Refused(TRUNCATED)
        _segment(found, data, marker, start, end)
        pos = end
        if marker == SOS:
            match = NEXT_MARKER.search(data, pos)
            if match is None:
                raise Refused(TRUNCATED)
            pos = match.start()


def _segment(found: _Stream, data: bytes, marker: int, start: int, end: int) -> None:
    if marker in FRAMES and found.size is None:
        if end - start < 6:
            raise Refused(DAMAGED)
        height = int.from_bytes(data[start + 1:start + 3], "big")
        width = int.from_bytes(data[start + 3:start + 5], "big")
        if not width or not height:  # a height given later by a DNL marker: nobody writes those
            raise Refused(DAMAGED)
        found.size = (width, height)
    elif marker == SOS:
        if found.size is None:
            raise Refused(DAMAGED)
        found.scans += 1
        if found.scans > MAX_JPEG_SCANS:
            raise Refused(f"has more than {MAX_JPEG_SCANS} progressive scans, which no camera or editor writes")
    elif 0xE0 <= marker <= 0xEF or marker == 0xFE:  # APPn and COM: metadata
        found.metadata.append((start, end))
        if marker == 0xE2 and data[start:start + 4] == b"MPF\x00":
            found.multi_picture = True
