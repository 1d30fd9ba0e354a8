"""The three formats we take, told from the first bytes of the file, and the
layout a header reader reports about one. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from voting.media.domain.refusal import Refused

JPEG, PNG, WEBP = "JPEG", "PNG", "WEBP"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NOT_AN_IMAGE = "is not a JPEG, PNG or WebP image"
TRUNCATED = "is cut short: the file ends before the image does"
DAMAGED = "is damaged: its structure is not a valid image"
TRAILING = ("holds more than one image: there is data after the image ends (a motion photo's video, an "
            "archive or a document); export the photo as a plain JPEG, PNG or WebP")

# A browser's or a mail client's idea of what it sends is often wrong (a PNG
# named .jpg, anything as octet-stream), so the bytes decide the format. A part
# declared as something that is not an image at all was sent as that thing,
# and is refused.
GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream"}


def sniff(head: bytes) -> str | None:
    """The format whose magic bytes start the file, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(PNG_SIGNATURE):
        return PNG
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


def check_declared_type(content_type: str | None) -> None:
    declared = (content_type or "").split(";")[0].strip().lower()
    if declared in GENERIC_TYPES or declared.startswith("image/"):
        return
    raise Refused(f"was sent as {declared[:60]}, not as an image")


@dataclass(frozen=True)
class Layout:
    """What a file's structure says, read without decoding any pixel.

    `metadata` holds the byte ranges outside compressed pixel data (JPEG
    APPn/COM segments, PNG's other chunks, WebP's EXIF/XMP/ICC chunks): where
    another format's signature has no business being."""

    format: str
    width: int
    height: int
    metadata: tuple[tuple[int, int], ...] = ()

    @property
    def pixels(self) -> int:
        return self.width * self.height
