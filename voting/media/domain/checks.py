"""Whether an upload may be decoded at all, decided from its bytes alone in
the order that costs least: size, declared type, magic bytes, structure (which
gives the pixel count without decoding anything), the pixel budget, then the
polyglot rule. Pure.

The polyglot rule. A file is accepted only if it is exactly one image:
1. its structure parses from the first byte to the image's end marker (JPEG's
   EOI, PNG's IEND, the RIFF size of a WebP) and nothing follows it, except
   the extra JPEG images a multi-picture JPEG declares (jpeg.py) and zero
   padding at the end of a JPEG. That alone refuses image+ZIP (a ZIP's
   directory sits at the end), image+MP4 and anything appended to an image.
2. no bytes outside compressed pixel data (JPEG APPn/COM segments, PNG's
   ancillary chunks, WebP's EXIF/XMP/ICC chunks), nor the first 1,024 bytes,
   where a PDF reader looks, hold the signature of a format a browser, a PDF
   reader or an interpreter acts on: HTML tags, `<?php`, `%PDF-`, a ZIP
   record, `javascript:`.
Compressed pixel data is not searched: its bytes are random, so 4-byte
signatures would turn up by chance about once per 4 GB of photos, and they are
meaningless there. Nothing of the original file is ever stored or served (only
our re-encodes), so the rule is a second line: it keeps files crafted to be
two things out of our storage and out of everyone's tools.
"""

from __future__ import annotations

import re

from voting.media.domain import jpeg, png, webp
from voting.media.domain.formats import JPEG, NOT_AN_IMAGE, PNG, WEBP, Layout, check_declared_type, sniff
from voting.media.domain.refusal import Refused
from voting.media.domain.tuning import PDF_WINDOW

READERS = {JPEG: jpeg.read, PNG: png.read, WEBP: webp.read}
FOREIGN = re.compile(rb"<(?:html|script|svg|iframe|body|object|embed)[\s>/]|<!doctype|<\?php|%pdf-|"
                     rb"pk\x03\x04|pk\x05\x06|javascript:", re.IGNORECASE)


def too_large(size: int, max_bytes: int) -> Refused:
    return Refused(f"is larger than this contest accepts ({size_text(max_bytes)})", too_large=True)


def size_text(count: int) -> str:
    return f"{count / 1_000_000:g} MB" if count >= 1_000_000 else f"{count / 1000:g} KB"


def inspect(data: bytes, max_bytes: int, max_pixels: int, declared_type: str | None = None) -> Layout:
    """The file's layout if it may be decoded; Refused otherwise. Reads
    headers and metadata only: a decompression bomb is refused here."""
    if len(data) > max_bytes:
        raise too_large(len(data), max_bytes)
    check_declared_type(declared_type)
    found = sniff(data[:16])
    if found is None:
        raise Refused(NOT_AN_IMAGE)
    layout = READERS[found](data)
    if layout.pixels > max_pixels:
        raise Refused(f"has {layout.width}×{layout.height} pixels; this contest takes at most "
                      f"{max_pixels / 1_000_000:g} megapixels")
    foreign = foreign_signature(data, layout)
    if foreign:
        raise Refused(f"is also another kind of file (it holds {foreign!r}); upload the photo alone")
    return layout


def foreign_signature(data: bytes, layout: Layout) -> str | None:
    """The first other format's signature found where rule 2 looks, or None."""
    windows = [(0, min(len(data), PDF_WINDOW)), *layout.metadata]
    for start, end in windows:
        match = FOREIGN.search(data, start, end)
        if match:
            return match.group().decode("latin-1").strip()
    return None
