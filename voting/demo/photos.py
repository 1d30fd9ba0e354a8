"""Small stand-in photos for the demo photo contest, drawn with Pillow in memory:
a sky gradient with a simple motif, so each entry looks different."""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw

SIZE = (640, 426)

# (sky top, sky bottom, accent, ground) per palette.
PALETTES: list[tuple[tuple[int, int, int], ...]] = [
    ((255, 183, 94), (255, 236, 179), (230, 81, 0), (62, 39, 35)),      # dawn
    ((25, 32, 72), (83, 70, 140), (255, 214, 102), (30, 30, 40)),       # evening
    ((120, 190, 240), (220, 240, 255), (76, 175, 80), (121, 85, 72)),   # market morning
    ((0, 121, 107), (178, 223, 219), (255, 255, 255), (38, 50, 56)),    # clinic teal
    ((240, 200, 140), (255, 245, 225), (2, 136, 209), (161, 120, 80)),  # desert water
    ((236, 64, 122), (252, 228, 236), (255, 241, 118), (74, 20, 140)),  # warm interior
    ((63, 81, 181), (197, 202, 233), (255, 193, 7), (33, 33, 33)),      # code club
    ((27, 94, 32), (200, 230, 201), (255, 112, 67), (51, 105, 30)),     # forest
]


def _gradient(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    width, height = SIZE
    img = Image.new("RGB", SIZE)
    draw = ImageDraw.Draw(img)
    for y in range(height):
        t = y / (height - 1)
        colour = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom))
        draw.line([(0, y), (width, y)], fill=colour)
    return img


def _motif(draw: ImageDraw.ImageDraw, motif: str, accent, ground, seed: int) -> None:
    width, height = SIZE
    horizon = int(height * 0.68)
    if motif == "sun":
        draw.ellipse([420, 90, 540, 210], fill=accent)
        draw.rectangle([0, horizon, width, height], fill=ground)
        draw.polygon([(140, horizon), (160, 120), (180, horizon)], outline=accent, width=4)
        for r in (30, 55, 80):
            draw.arc([160 - r, 120 - r, 160 + r, 120 + r], 200, 340, fill=accent, width=3)
    elif motif == "windows":
        draw.rectangle([0, horizon, width, height], fill=ground)
        for i in range(5):
            for j in range(3):
                x, y = 60 + i * 110, 60 + j * 80
                lit = (i * 3 + j + seed) % 4 != 0
                draw.rectangle([x, y, x + 70, y + 50], fill=accent if lit else ground)
    elif motif == "hills":
        for k, shade in enumerate((0.55, 0.75, 1.0)):
            colour = tuple(round(c * shade) for c in ground)
            base = horizon - 60 + k * 50
            points = [(x, base - 40 * math.sin(x / 90 + k * 1.7 + seed)) for x in range(0, width + 20, 20)]
            draw.polygon([(0, height)] + points + [(width, height)], fill=colour)
        draw.ellipse([80, 60, 150, 130], fill=accent)
    elif motif == "circles":
        draw.rectangle([0, horizon, width, height], fill=ground)
        for k in range(7):
            r = 25 + (k * 37 + seed * 11) % 60
            cx, cy = 70 + k * 85, 150 + (k * 53 + seed * 7) % 120
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=accent, width=5)
    else:  # waves
        for k in range(8):
            y0 = horizon - 40 + k * 22
            points = [(x, y0 + 10 * math.sin(x / 40 + k + seed)) for x in range(0, width + 10, 10)]
            draw.line(points, fill=accent if k % 2 else ground, width=6)
        draw.rectangle([270, 120, 370, 200], outline=ground, width=6)


def make_photo(palette: int, motif: str, seed: int = 0) -> bytes:
    """A 640×426 JPEG, as bytes."""
    top, bottom, accent, ground = PALETTES[palette % len(PALETTES)]
    img = _gradient(top, bottom)
    _motif(ImageDraw.Draw(img), motif, accent, ground, seed)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()
