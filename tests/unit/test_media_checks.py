"""What an upload must be before anything decodes it: JPEG, PNG or WebP by
its bytes, whole, within the byte and pixel budget, and one image only.
Every bad file is refused by `checks.inspect` (the bomb from its header: this
test only asks that it is refused; its cost is measured in bench/photos.py)."""

from __future__ import annotations

import struct

import pytest

from tests.support import images
from voting.media.domain import checks
from voting.media.domain.formats import JPEG, PNG, WEBP
from voting.media.domain.refusal import Refused

MAX_BYTES = 25_000_000
MAX_PIXELS = 50_000_000


def inspect(data: bytes, declared: str | None = None, max_bytes: int = MAX_BYTES):
    return checks.inspect(data, max_bytes, MAX_PIXELS, declared)


def refused(data: bytes, declared: str | None = None, max_bytes: int = MAX_BYTES) -> Refused:
    with pytest.raises(Refused) as caught:
        inspect(data, declared, max_bytes)
    return caught.value


@pytest.mark.parametrize("make, fmt", [(images.jpeg, JPEG), (images.png, PNG), (images.webp, WEBP)])
def test_the_three_formats_are_read_from_their_headers(make, fmt):
    layout = inspect(make((300, 200)))
    assert (layout.format, layout.width, layout.height) == (fmt, 300, 200)


def test_progressive_and_lossless_and_alpha_variants_are_read():
    assert inspect(images.jpeg((90, 60), progressive=True)).width == 90
    assert inspect(images.webp((90, 60), lossless=True)).height == 60
    assert inspect(images.png((90, 60), "#00ff0080", mode="RGBA")).format == PNG
    assert inspect(images.png((90, 60), 3, mode="P")).format == PNG
    assert inspect(images.encode(images.scene((90, 60)).convert("RGBA"), "WEBP")).format == WEBP


@pytest.mark.parametrize("data", [b"", b"this is not an image", b"GIF89a" + b"\x00" * 40,
                                  images.encode(images.scene((20, 20)), "GIF"),
                                  images.encode(images.scene((20, 20)), "BMP"),
                                  images.encode(images.scene((20, 20)), "TIFF"),
                                  b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", b"%PDF-1.7\n"],
                         ids=["empty", "text", "gif-header", "gif", "bmp", "tiff", "svg", "pdf"])
def test_anything_else_is_not_an_image(data):
    assert refused(data).message == "is not a JPEG, PNG or WebP image"


@pytest.mark.parametrize("make", [images.jpeg, images.png, images.webp])
@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_a_truncated_file_is_refused(make, keep):
    data = make((120, 80))
    assert refused(data[:int(len(data) * keep)]).message.startswith(("is cut short", "is damaged"))


def test_a_jpeg_without_its_end_marker_is_cut_short():
    data = images.jpeg((120, 80))
    assert refused(data[:-2]).message.startswith("is cut short")


def test_bytes_beyond_the_limit_are_refused_as_too_large():
    data = images.jpeg((400, 300))
    refusal = refused(data, max_bytes=len(data) - 1)
    assert refusal.too_large
    assert inspect(data, max_bytes=len(data)).width == 400


def test_too_many_pixels_are_refused_from_the_header():
    for data in (images.png_declaring(30_000, 30_000), images.png_declaring(50_001, 1000),
                 images.webp_declaring(16_383, 16_383), images.bomb_png(10_000)):
        refusal = refused(data)
        assert "megapixels" in refusal.message and not refusal.too_large
    assert inspect(images.png_declaring(10_000, 5_000)).pixels == MAX_PIXELS  # exactly the budget passes


def test_a_jpeg_sof_claiming_too_many_pixels_is_refused():
    data = bytearray(images.jpeg((16, 16)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", 60_000, 60_000)  # height, width
    assert "megapixels" in refused(bytes(data)).message


def test_a_jpeg_of_endless_progressive_scans_is_refused():
    scan = b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" + b"\x12\x34"
    data = images.jpeg((16, 16))
    sof_end = data.index(b"\xff\xda")
    crafted = data[:sof_end] + scan * 101 + b"\xff\xd9"
    assert "scans" in refused(crafted).message


# --- small pixels, huge structure: refused before the walk gets long (cost: bench/photos.py) ------------------

def test_a_jpeg_of_endless_empty_segments_is_refused():
    data = images.jpeg((64, 64))
    assert "segments" in refused(data[:2] + b"\xff\xfe\x00\x02" * 600_000 + data[2:]).message  # empty COMs
    assert "segments" in refused(data[:2] + b"\xff\xd0" * 600_000 + data[2:]).message  # stray restart markers
    assert "segments" in refused(b"\xff\xd8" + b"\xff\xd0" * 600_000).message
    assert inspect(data[:2] + b"\xff\xfe\x00\x02" * 500 + data[2:]).width == 64  # a few hundred are fine


def test_a_jpeg_of_endless_fill_bytes_is_refused():
    assert refused(b"\xff\xd8" + b"\xff" * 2_000_000).message.startswith("is cut short")
    data = images.jpeg((64, 64))
    assert inspect(data[:2] + b"\xff" * 100 + data[2:]).width == 64  # fill bytes before a marker are allowed


def test_a_webp_of_endless_empty_chunks_is_refused():
    data = images.webp((64, 64))

    def with_chunks(count: int) -> bytes:
        body = data[12:] + b"JUNK\x00\x00\x00\x00" * count
        return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body

    assert "chunks" in refused(with_chunks(300_000)).message
    assert inspect(with_chunks(500)).width == 64

# --- polyglots: one file that is also something else --------------------------------------------------------

@pytest.mark.parametrize("make", [images.jpeg, images.png, images.webp])
@pytest.mark.parametrize("tail", [images.zip_archive(), b"<html><script>alert(1)</script></html>",
                                  b"%PDF-1.4 trailer", b"#!/bin/sh\nrm -rf /\n", b"\x00\x00junk"],
                         ids=["zip", "html", "pdf", "script", "junk"])
def test_data_after_the_image_is_refused(make, tail):
    assert "more than one image" in refused(make((40, 30)) + tail).message


@pytest.mark.parametrize("payload", [b"<script>alert(1)</script>", b"<HTML><body>hi</body></HTML>",
                                     b"<?php system($_GET['c']); ?>", b"%PDF-1.7 obj", b"PK\x03\x04zipped",
                                     b"javascript:alert(1)", b"<svg onload=alert(1)>"])
def test_another_formats_signature_in_metadata_is_refused(payload):
    assert "another kind of file" in refused(images.jpeg_with_segment(images.jpeg(), 0xFE, payload)).message
    assert "another kind of file" in refused(images.jpeg_with_segment(images.jpeg(), 0xE1, payload)).message
    assert "another kind of file" in refused(images.png_with_chunk(images.png(), b"tEXt", b"Comment\x00" + payload)
                                             ).message


def test_ordinary_metadata_passes():
    exif = images.exif_with_gps().tobytes()
    assert inspect(images.jpeg(exif=exif)).format == JPEG
    assert inspect(images.jpeg_with_segment(images.jpeg(), 0xFE, b"Taken at dawn, 1/250 s")).format == JPEG
    assert inspect(images.png_with_chunk(images.png(), b"tEXt", b"Author\x00Ana <ana@example.org>")).format == PNG


def test_a_multi_picture_jpeg_may_carry_its_declared_pictures():
    """Cameras' MPO files and phones' gain maps: more JPEGs after the first, declared in an MPF segment."""
    first = images.jpeg_with_segment(images.jpeg((40, 30)), 0xE2, b"MPF\x00II*\x00")
    second = images.jpeg((20, 15), "blue")
    assert inspect(first + second).width == 40
    assert inspect(first + second + b"\x00" * 16).width == 40  # zero padding at the end
    assert "more than one image" in refused(first + second + b"PK\x03\x04").message
    assert "more than one image" in refused(images.jpeg((40, 30)) + second).message  # undeclared


# --- the declared type ------------------------------------------------------------------------------------

@pytest.mark.parametrize("declared", [None, "", "image/jpeg", "image/gif", "application/octet-stream",
                                      "IMAGE/PNG; charset=binary"])
def test_the_content_decides_whatever_image_type_was_declared(declared):
    """A PNG named photo.jpg, sent as image/jpeg (or as anything generic), is read as the PNG it is."""
    assert inspect(images.png(), declared).format == PNG


@pytest.mark.parametrize("declared", ["text/html", "application/pdf", "application/zip", "text/plain",
                                      "application/x-php"])
def test_a_part_declared_as_something_else_is_refused(declared):
    assert refused(images.png(), declared).message.startswith("was sent as ")
