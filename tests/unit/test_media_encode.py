"""What is stored of a photo: re-encoded JPEGs in sRGB, turned upright, with
none of the file's metadata (EXIF and its GPS position above all), in the
display, medium and thumbnail sizes."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageCms

from tests.support import images
from voting.media.domain import checks, encode
from voting.media.domain.refusal import Refused
from voting.media.domain.tuning import DISPLAY_SIDE, MEDIUM_SIDE, THUMBNAIL_SIDE


def process(data: bytes) -> tuple[encode.Encoded, encode.Encoded]:
    return encode.original_and_display(data, checks.inspect(data, 25_000_000, 50_000_000))


def opened(encoded: encode.Encoded) -> Image.Image:
    img = Image.open(io.BytesIO(encoded.data))
    img.load()
    return img


def segments(data: bytes) -> list[int]:
    """The JPEG's marker bytes up to its first scan."""
    found, pos = [], 2
    while data[pos + 1] != 0xDA:
        found.append(data[pos + 1])
        pos += 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
    return found


def test_exif_with_gps_is_removed():
    upload = images.encode(images.scene((320, 240)), "JPEG", exif=images.exif_with_gps().tobytes())
    with Image.open(io.BytesIO(upload)) as img:  # the upload really has them
        assert img.getexif().get_ifd(images.GPS_IFD) and img.getexif()[0x010F] == "SpyCam"
    for made in process(upload):
        img = opened(made)
        assert img.format == "JPEG" and not img.getexif() and not img.getexif().get_ifd(images.GPS_IFD)
        assert b"SpyCam" not in made.data and b"Exif" not in made.data
        assert 0xE1 not in segments(made.data)  # no APP1 (EXIF, XMP) at all


def test_orientation_is_applied():
    """A 20×10 photo whose EXIF says Orientation=6 (turn 90° clockwise) comes out 10×20, its left edge on top."""
    img = Image.new("RGB", (20, 10), "blue")
    img.paste((255, 0, 0), (0, 0, 10, 10))  # the left half red
    original, display = process(images.encode(img, "JPEG", quality=95, exif=images.exif_with_gps(6).tobytes()))
    for made in (original, display):
        assert (made.width, made.height) == (10, 20)
        out = opened(made)
        assert out.size == (10, 20) and not out.getexif()
        top, bottom = out.getpixel((5, 3)), out.getpixel((5, 16))
        assert top[0] > 200 and top[2] < 60, top
        assert bottom[2] > 200 and bottom[0] < 60, bottom


@pytest.mark.parametrize("orientation, size", [(1, (20, 10)), (3, (20, 10)), (5, (10, 20)), (8, (10, 20))])
def test_every_orientation_gives_the_upright_size(orientation, size):
    upload = images.encode(Image.new("RGB", (20, 10), "green"), "JPEG", exif=images.exif_with_gps(orientation).tobytes())
    assert opened(process(upload)[0]).size == size


def test_png_and_webp_metadata_go_too():
    exif = images.exif_with_gps().tobytes()
    for upload in (images.encode(images.scene((60, 40)), "PNG", exif=exif),
                   images.encode(images.scene((60, 40)), "WEBP", exif=exif, xmp=b"<x:xmpmeta>Secret place</x:xmpmeta>")):
        for made in process(upload):
            assert b"SpyCam" not in made.data and b"Secret" not in made.data and not opened(made).getexif()


def test_transparency_is_flattened_onto_white():
    img = Image.new("RGBA", (40, 40), (0, 0, 255, 255))
    img.paste((255, 0, 0, 0), (0, 0, 20, 40))  # the left half fully transparent
    for fmt in ("PNG", "WEBP"):
        out = opened(process(images.encode(img, fmt, lossless=True) if fmt == "WEBP" else images.encode(img, fmt))[1])
        assert out.mode == "RGB"
        assert min(out.getpixel((5, 20))) > 240  # white
        assert out.getpixel((35, 20))[2] > 200  # still blue


@pytest.mark.parametrize("mode, colour", [("L", 128), ("LA", (128, 255)), ("P", 5), ("1", 1), ("I;16", 40000),
                                          ("CMYK", (0, 255, 255, 0))])
def test_every_mode_comes_out_rgb(mode, colour):
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    made = process(images.encode(Image.new(mode, (30, 20), colour), fmt))[0]
    assert opened(made).mode == "RGB" and (made.width, made.height) == (30, 20)


def test_an_embedded_colour_profile_is_not_kept():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for made in process(images.encode(images.scene((60, 40)), "JPEG", icc_profile=srgb)):
        assert "icc_profile" not in opened(made).info


def test_sizes():
    original, display = process(images.encode(images.scene((3000, 2000)), "JPEG"))
    assert (original.width, original.height) == (3000, 2000)
    assert (display.width, display.height) == (DISPLAY_SIDE, 1067) == opened(display).size
    web = encode.web_sizes(encode.decode_own(display.data), (3000, 2000))
    assert opened(web["medium"]).size == (MEDIUM_SIDE, 533)  # the original's proportions, not the display's
    assert opened(web["thumbnail"]).size == (THUMBNAIL_SIDE, 267)
    assert opened(display).info.get("progressive") and not opened(original).info.get("progressive")


def test_a_small_photo_is_never_enlarged():
    original, display = process(images.jpeg((300, 380)))
    web = encode.web_sizes(encode.decode_own(display.data), (300, 380))
    assert {(e.width, e.height) for e in (original, display, *web.values())} == {(300, 380)}


def test_fit():
    assert encode.fit(6000, 4000, 1600) == (1600, 1067)
    assert encode.fit(4000, 6000, 400) == (267, 400)
    assert encode.fit(100, 50, 400) == (100, 50)
    assert encode.fit(50_000_000, 1, 400) == (400, 1)  # never a side of zero


def test_damaged_pixel_data_is_refused_when_decoded():
    """A PNG whose structure is whole but whose compressed pixels stop short: refused, not a 500."""
    data = images.encode(images.scene((200, 150)), "PNG", compress_level=1)
    start = data.index(b"IDAT") - 4
    length = int.from_bytes(data[start:start + 4], "big")
    idat = data[start + 8:start + 8 + length]
    broken = data[:start] + images.png_chunk(b"IDAT", idat[:len(idat) // 3]) + data[start + 12 + length:]
    layout = checks.inspect(broken, 25_000_000, 50_000_000)  # the structure passes
    with pytest.raises(Refused) as caught:
        encode.original_and_display(broken, layout)
    assert "could not be read" in caught.value.message
