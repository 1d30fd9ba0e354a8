"""Real images made in memory for the photo tests: photos with EXIF (GPS
included), textures that hash like photographs, bombs, and the broken or
two-faced files the pipeline must refuse."""

from __future__ import annotations

import io
import random
import struct
import zlib

from PIL import Image, ImageDraw, ImageFilter

GPS_IFD = 0x8825


def encode(img: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **options)
    return out.getvalue()


def scene(size=(640, 480), seed: int = 1) -> Image.Image:
    """A textured picture (shapes over a gradient, blurred a little) whose perceptual hash behaves like a photo's."""
    rng = random.Random(seed)
    img = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(25):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        r = rng.randrange(10, max(11, size[0] // 5))
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x - r, y - r, x + r, y + r], fill=colour)
    return img.filter(ImageFilter.GaussianBlur(2))


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # maker
    exif[0x0110] = "Model X serial 1234"
    exif[0x0112] = orientation
    exif[GPS_IFD] = {1: "N", 2: (46.0, 12.0, 30.5), 3: "E", 4: (6.0, 8.0, 15.25)}
    return exif


def jpeg(size=(64, 48), colour="orange", **options) -> bytes:
    return encode(Image.new("RGB", size, colour), "JPEG", **options)


def png(size=(64, 48), colour="teal", mode="RGB", **options) -> bytes:
    return encode(Image.new(mode, size, colour), "PNG", **options)


def webp(size=(64, 48), colour="purple", **options) -> bytes:
    return encode(Image.new("RGB", size, colour), "WEBP", **options)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int, idat: bytes = b"") -> bytes:
    """A PNG whose header claims this size, with whatever pixel data (8-bit grey)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header)
            + png_chunk(b"IDAT", idat or zlib.compress(b"\x00" * 64)) + png_chunk(b"IEND", b""))


def bomb_png(side: int) -> bytes:
    """The classic decompression bomb: a side × side grey PNG of zeros, a few hundred KB
    that would decode to side² bytes."""
    row = b"\x00" * (side + 1)  # filter byte, then the row
    packer = zlib.compressobj(9)
    rows_per_block = max(1, (1 << 22) // len(row))
    parts, left = [], side
    while left:
        count = min(rows_per_block, left)
        parts.append(packer.compress(row * count))
        left -= count
    parts.append(packer.flush())
    return png_declaring(side, side, b"".join(parts))


def webp_declaring(width: int, height: int) -> bytes:
    """An extended WebP (VP8X) whose canvas claims this size, around a tiny real frame."""
    small = webp((2, 2))
    frame = small[12:]  # the VP8/VP8L chunk of a 2×2 image
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00" + (width - 1).to_bytes(3, "little") \
        + (height - 1).to_bytes(3, "little")
    body = b"WEBP" + vp8x + frame
    return b"RIFF" + struct.pack("<I", len(body)) + body


def jpeg_with_segment(data: bytes, marker: int, payload: bytes) -> bytes:
    """The JPEG with one more segment right after SOI (an APPn, or COM 0xFE)."""
    segment = bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload
    return data[:2] + segment + data[2:]


def png_with_chunk(data: bytes, kind: bytes, payload: bytes) -> bytes:
    """The PNG with one more chunk right after IHDR."""
    return data[:33] + png_chunk(kind, payload) + data[33:]


def zip_archive() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.html", "<html><script>alert(1)</script></html>")
    return out.getvalue()
