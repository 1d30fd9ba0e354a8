"""Decoding a checked upload and making what we store: every size a JPEG in
sRGB, turned the way the camera said, without any of the file's metadata.
Pure (Pillow).

Only files that `checks.inspect` passed come here, so their pixel count is
known and within the contest's budget before Pillow allocates anything.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms

from voting.media.domain.formats import DAMAGED, JPEG, PNG, WEBP, Layout
from voting.media.domain.refusal import Refused
from voting.media.domain.tuning import (DISPLAY_SIDE, MATTE, MEDIUM_SIDE, ORIGINAL_QUALITY, OUTPUT_FORMAT,
                                        THUMBNAIL_SIDE, WEB_QUALITY)

# What Pillow calls each of our formats once opened (a JPEG with a
# multi-picture segment opens as MPO; we take its first picture).
PILLOW_FORMATS = {JPEG: {"JPEG", "MPO"}, PNG: {"PNG"}, WEBP: {"WEBP"}}
UNREADABLE = "could not be read: the image data is damaged or cut short"
ORIENTATION_TAG = 0x0112
TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
             4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270,
             7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}
SIXTEEN_BIT = {"I;16", "I;16B", "I;16L", "I;16N", "I"}
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True)
class Encoded:
    data: bytes
    width: int
    height: int


def decode(data: bytes, layout: Layout) -> Image.Image:
    """The first frame's pixels, loaded. The header was read by us already;
    Pillow must agree with it, or the file is not what it claims."""
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb guard knows nothing of the contest's budget, which was already checked.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=sorted(PILLOW_FORMATS[layout.format] - {"MPO"}))
            if img.format not in PILLOW_FORMATS[layout.format] or img.size != (layout.width, layout.height):
                raise Refused(DAMAGED)
            img.load()
    except Refused:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, Image.DecompressionBombError):
        raise Refused(UNREADABLE) from None
    return img


def orientation(img: Image.Image) -> int:
    try:
        value = img.getexif().get(ORIENTATION_TAG, 1)
    except Exception:  # a broken EXIF block is ignored like all metadata; the photo is still a photo
        return 1
    return value if value in TRANSPOSE else 1


def upright_srgb(img: Image.Image) -> Image.Image:
    """Turned as the camera said, in sRGB RGB, transparency flattened onto
    white. The result carries no metadata: the EXIF block (with its GPS
    position, camera serials, dates) is read only for the orientation."""
    turn = TRANSPOSE.get(orientation(img))
    icc = img.info.get("icc_profile")
    alpha = img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info
    if img.mode in SIXTEEN_BIT:
        img = img.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if alpha:
        img = img.convert("RGBA")
    elif img.mode not in ("RGB", "L", "CMYK"):
        img = img.convert("RGB")
    if icc:
        img = _to_srgb(img, icc)
    if img.mode == "RGBA":
        flat = Image.new("RGB", img.size, MATTE)
        flat.paste(img, mask=img.getchannel("A"))
        img = flat
    elif img.mode != "RGB":
        img = img.convert("RGB")
    if turn is not None:
        img = img.transpose(turn)
    img.info = {}
    return img


def _to_srgb(img: Image.Image, icc: bytes) -> Image.Image:
    """Colours converted from the embedded profile (Adobe RGB, Display P3, a
    CMYK press profile), since the profile itself is not kept."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if ImageCms.getProfileDescription(source).strip().lower().startswith("srgb"):
            return img
        mode = "RGBA" if img.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(img, source, SRGB, outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return img  # a broken profile: the plain conversion follows


def fit(width: int, height: int, side: int) -> tuple[int, int]:
    """The size with at most `side` pixels on the longer side; never larger than the image."""
    scale = side / max(width, height)
    if scale >= 1:
        return width, height
    return max(1, round(width * scale)), max(1, round(height * scale))


def resized(img: Image.Image, side: int, basis: tuple[int, int] | None = None) -> Image.Image:
    """Fitted to `side`; the size computed from `basis` (the original's size) when the image is
    already a smaller copy of it, so every size is the original's, fitted, whatever it was made from."""
    size = fit(*(basis or img.size), side)
    if size == img.size:
        return img
    return img.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def to_jpeg(img: Image.Image, quality: int, web: bool) -> Encoded:
    """`web`: progressive with optimised tables, for sizes shown in pages.
    Nothing but pixels is written: no EXIF, XMP, ICC profile or comment."""
    out = io.BytesIO()
    img.save(out, OUTPUT_FORMAT, quality=quality, optimize=web, progressive=web, comment=b"")
    return Encoded(out.getvalue(), img.width, img.height)


def original_and_display(data: bytes, layout: Layout) -> tuple[Encoded, Encoded]:
    """The upload's synchronous work: the kept original at full size and the
    display size, both re-encoded."""
    img = upright_srgb(decode(data, layout))
    original = to_jpeg(img, ORIGINAL_QUALITY, web=False)
    display = to_jpeg(resized(img, DISPLAY_SIDE), WEB_QUALITY, web=True)
    return original, display


def decode_own(data: bytes) -> Image.Image:
    """One of our own stored JPEGs (the display size), loaded as RGB."""
    with Image.open(io.BytesIO(data), formats=["JPEG"]) as img:
        if max(img.size) > DISPLAY_SIDE:  # a display size from before this pipeline (up to 2,400 px)
            img.draft("RGB", fit(img.width, img.height, DISPLAY_SIDE))
        img.load()
        return img.convert("RGB")


def web_sizes(display: Image.Image, original: tuple[int, int]) -> dict[str, Encoded]:
    """The job's sizes, made from the display image: medium (for srcset) and the thumbnail."""
    return {"medium": to_jpeg(resized(display, MEDIUM_SIDE, original), WEB_QUALITY, web=True),
            "thumbnail": to_jpeg(resized(display, THUMBNAIL_SIDE, original), WEB_QUALITY, web=True)}
