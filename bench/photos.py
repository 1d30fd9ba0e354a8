"""Benchmark: the cost of refusing a decompression bomb and of processing a
24-megapixel photo (issue 14).

Each measurement runs in a fresh Python process of its own, so one case's
memory cannot hide another's:

  bomb       the classic decompression bomb: a 20,000 × 20,000 grey PNG of
             zeros (about 390 KB that would decode to 400 MB), through the
             upload service's `prepare` as an upload: read, inspected from its
             header, refused (422)
  declared   a 300-byte PNG whose header claims 30,000 × 30,000
  photo      a generated 6,000 × 4,000 JPEG (camera-like texture, EXIF with a
             GPS position): `prepare` (inspect, decode, turn upright, re-encode
             the kept original and the 1,600 px display size) and then the
             image job's work (decode the display size, make the 800 px and
             400 px sizes, the perceptual hash), without storage or database
  com-flood  a 64 × 64 JPEG with 6,000,000 empty COM segments after its SOI
             (24 MB), refused after MAX_JPEG_SEGMENTS segments
  fill-flood FFD8 and 24 MB of 0xFF fill bytes: skipped in one regex match,
             refused as cut short
  rst-flood  FFD8 and 12,000,000 stray RST markers (24 MB), refused after
             MAX_JPEG_SEGMENTS markers
  webp-flood a 64 × 64 WebP with 3,000,000 empty unknown chunks (24 MB),
             refused after MAX_WEBP_CHUNKS chunks
  naive      for contrast, what the code before this change did with a bomb
             that Pillow's own guard lets through (10,900 × 10,900 RGB, just
             under its 2 × 60 MP error limit): decode it, then refuse it

Time is the wall clock around the call (time.perf_counter). Memory is the
process's peak resident set during the call (Linux's VmHWM, its high-water
mark reset with /proc/self/clear_refs just before the call, after the imports
and with the input already read) minus its resident set at that moment, so it
counts what the call itself added; the process's whole peak is shown beside
it. (getrusage's ru_maxrss would not do: Linux carries it over from the parent
across fork and exec, so a child starts with the parent's peak.) Each case
runs --runs times; the table shows the median and the worst run.
For the floods the structure check alone (checks.inspect on bytes already
read) is timed again after the measurement and shown beside it: most of their
time and memory is reading 24 MB from the stream into one bytes object, which
`prepare` does for any file of that size.
Targets: the bomb under 50 ms and 20 MB; the photo under 2 s and 300 MB; each
flood under 500 ms and 60 MB (before the limits: seconds, and up to 1.3 GB).

    .venv/bin/python bench/photos.py [--runs 5] [--no-naive]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchdb import reset_peak, status_mb  # noqa: E402  (the bench folder is the script's own)

FLOODS = ("com-flood", "fill-flood", "rst-flood", "webp-flood")
TARGETS = {"bomb": (0.050, 20), "photo": (2.0, 300), **{case: (0.500, 60) for case in FLOODS}}  # seconds, MB
RULES = {"max_bytes": 25_000_000, "max_megapixels": 50}


# --- inputs -------------------------------------------------------------------------------------------------

def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, colour_type: int, idat: bytes) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def bomb(width: int, height: int, channels: int = 1) -> bytes:
    row = b"\x00" * (width * channels + 1)
    packer, parts, left = zlib.compressobj(9), [], height
    while left:
        count = min(left, max(1, (8 << 20) // len(row)))
        parts.append(packer.compress(row * count))
        left -= count
    parts.append(packer.flush())
    return png(width, height, 0 if channels == 1 else 2, b"".join(parts))


def photo_24mp() -> bytes:
    """6,000 × 4,000: gradients, shapes and fine noise, so the encoder works as on a photograph."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(24)
    small = Image.linear_gradient("L").resize((1500, 1000)).convert("RGB")
    draw = ImageDraw.Draw(small)
    for _ in range(60):
        x, y, r = rng.randrange(1500), rng.randrange(1000), rng.randrange(20, 200)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=tuple(rng.randrange(256) for _ in range(3)))
    img = small.filter(ImageFilter.GaussianBlur(3)).resize((6000, 4000), Image.Resampling.BICUBIC)
    grain = Image.effect_noise((6000, 4000), 24).convert("RGB")
    img = Image.blend(img, grain, 0.12)
    exif = Image.Exif()
    exif[0x010F], exif[0x0112] = "BenchCam", 1
    exif[0x8825] = {1: "N", 2: (46.0, 12.0, 30.5), 3: "E", 4: (6.0, 8.0, 15.25)}
    out = io.BytesIO()
    img.save(out, "JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def small_jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.linear_gradient("L").resize((64, 64)).convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def small_webp() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.linear_gradient("L").resize((64, 64)).convert("RGB").save(out, "WEBP", quality=90)
    return out.getvalue()


def floods() -> dict[str, bytes]:
    """Small pixels, huge structure: what a parser that walks every segment or chunk would spend seconds on."""
    jpeg, webp = small_jpeg(), small_webp()
    body = webp[12:] + b"JUNK\x00\x00\x00\x00" * 3_000_000
    return {"com-flood": jpeg[:2] + b"\xff\xfe\x00\x02" * 6_000_000 + jpeg[2:],
            "fill-flood": b"\xff\xd8" + b"\xff" * 24_000_000,
            "rst-flood": b"\xff\xd8" + b"\xff\xd0" * 12_000_000,
            "webp-flood": b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body}


# --- one measurement, in a child process ----------------------------------------------------------------------

def measure(case: str, path: str) -> dict:
    from voting.errors import ApiError
    from voting.media import photos
    from voting.media.domain import encode, similarity

    data = Path(path).read_bytes()
    outcome = {}

    def run():
        try:
            prepared = photos.prepare(RULES, photos.Upload.of(data))
        except ApiError as refusal:
            outcome["answer"] = f"{refusal.status} {(refusal.fields or {}).get('image', refusal.message)}"
            return
        middle = time.perf_counter()
        display = encode.decode_own(prepared.display.data)
        sizes = encode.web_sizes(display, (prepared.original.width, prepared.original.height))
        similarity.perceptual_hash(display)
        outcome["answer"] = (f"stored {prepared.original.width}×{prepared.original.height} "
                             f"({len(prepared.original.data) / 1e6:.1f} MB), display {prepared.display.width} px, "
                             f"thumbnail {sizes['thumbnail'].width}×{sizes['thumbnail'].height}")
        outcome["job_seconds"] = time.perf_counter() - middle

    def naive():  # the decode-first code this change replaced (voting/contests/images.py)
        from PIL import Image

        Image.MAX_IMAGE_PIXELS = 60_000_000
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            outcome["answer"] = f"decoded {img.size[0]}×{img.size[1]}, then refused"

    reset_peak()
    before = status_mb("VmRSS")
    started = time.perf_counter()
    (naive if case == "naive" else run)()
    seconds = time.perf_counter() - started
    peak = status_mb("VmHWM")
    if case in FLOODS:
        from voting.media.domain import checks
        from voting.media.domain.refusal import Refused

        started_check = time.perf_counter()
        try:
            checks.inspect(data, RULES["max_bytes"], RULES["max_megapixels"] * 1_000_000)
        except Refused:
            pass
        outcome["check_seconds"] = time.perf_counter() - started_check
    return {"seconds": seconds, "added_mb": max(0.0, peak - before), "peak_mb": peak, **outcome}


# --- the parent ---------------------------------------------------------------------------------------------

def child(case: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--measure", case, str(path)], capture_output=True, text=True,
                         timeout=600, cwd=ROOT)
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-naive", action="store_true", help="skip the decode-first contrast (seconds, GBs)")
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return

    with tempfile.TemporaryDirectory() as folder:
        inputs = {"bomb": bomb(20_000, 20_000), "declared": png(30_000, 30_000, 0, zlib.compress(b"\x00" * 64)),
                  "photo": photo_24mp(), **floods()}
        if not args.no_naive:
            inputs["naive"] = bomb(10_900, 10_900, channels=3)
        print(f"{'case':<10} {'input':>9} {'time (median, worst)':>22} {'memory added (median, worst)':>30} "
              f"{'peak RSS':>9}  answer")
        verdicts = []
        for case, data in inputs.items():
            path = Path(folder) / case
            path.write_bytes(data)
            runs = [child(case, path) for _ in range(1 if case == "naive" else args.runs)]
            seconds = [r["seconds"] for r in runs]
            added = [r["added_mb"] for r in runs]
            job = [r["job_seconds"] for r in runs if "job_seconds" in r]
            timing = f"{statistics.median(seconds) * 1000:,.1f} ms, {max(seconds) * 1000:,.1f} ms"
            memory = f"{statistics.median(added):,.2f} MB, {max(added):,.2f} MB"
            check = [r["check_seconds"] for r in runs if "check_seconds" in r]
            extra = f" (the job's part: {statistics.median(job) * 1000:,.0f} ms)" if job else ""
            extra += f" (the structure check's part: {statistics.median(check) * 1000:,.1f} ms)" if check else ""
            print(f"{case:<10} {len(data) / 1000:>7,.0f}KB {timing:>22} {memory:>30} "
                  f"{max(r['peak_mb'] for r in runs):>7,.0f}MB  {runs[0]['answer']}{extra}")
            if case in TARGETS:
                limit_s, limit_mb = TARGETS[case]
                verdicts.append((case, max(seconds) < limit_s and max(added) < limit_mb, limit_s, limit_mb))
        for case, ok, limit_s, limit_mb in verdicts:
            print(f"target {case}: under {limit_s * 1000:,.0f} ms and {limit_mb} MB in every run: "
                  f"{'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
