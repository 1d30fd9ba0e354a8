"""Photo uploads: checked and re-encoded with Pillow, so what we serve is a
plain JPEG without the uploader's metadata (EXIF location, camera serials)."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from voting.errors import validation_error

MAX_SIDE = 2400
MAX_PIXELS = 60_000_000
ACCEPTED = {"JPEG", "PNG", "WEBP"}


def upload_root() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def reencode(data: bytes) -> bytes:
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in ACCEPTED:
                raise validation_error({"image": "must be a JPEG, PNG or WebP image"})
            img.load()
            img = ImageOps.exif_transpose(img).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        raise validation_error({"image": "is not a readable image"}) from None
    img.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=88, optimize=True)
    return out.getvalue()


def store(contest_id: int, data: bytes) -> str:
    """Saves the image; answers its path relative to the upload folder."""
    encoded = reencode(data)
    relative = Path(str(contest_id)) / f"{uuid.uuid4().hex}.jpg"
    target = upload_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(encoded)
    return str(relative)


def path_of(relative: str) -> Path:
    return upload_root() / relative
