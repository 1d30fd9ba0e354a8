"""Every number of the photo pipeline, with the reasoning behind it. Pure.

A contest's SPEC sets the byte and pixel limits (`submissions.max_bytes`,
`submissions.max_megapixels`); everything else is the same for every contest.
"""

from __future__ import annotations

# --- what we make ------------------------------------------------------------------------------------------
# Every stored image is a JPEG in sRGB: one format
# that every browser, mail client and slide deck shows, whatever came in. A
# PNG's transparency is flattened onto white: a photo contest's entries are
# photographs, and keeping PNG for the rare transparent one would double the
# formats served for no one's benefit.
OUTPUT_FORMAT = "JPEG"
OUTPUT_CONTENT_TYPE = "image/jpeg"
OUTPUT_EXTENSION = ".jpg"
MATTE = (255, 255, 255)

# The long side of each size. The display size fills a laptop screen at 1x
# and a phone at 2-3x; 800 fills a gallery column at 2x; the thumbnail is at
# most 400 px on its longer side (shared/API.md's `thumbnail_url`), enough for
# a grid cell of ~200 CSS px at 2x. A photo smaller than a size is not blown up.
DISPLAY_SIDE = 1600
MEDIUM_SIDE = 800
THUMBNAIL_SIDE = 400

# Quality: the kept original is what judges and printers get, so it loses as
# little as a JPEG reasonably can; the web sizes trade a little for weight.
ORIGINAL_QUALITY = 92
WEB_QUALITY = 82

# --- what we refuse before decoding --------------------------------------------------------------------------
# A progressive JPEG decodes scan by scan over the whole image; encoders write
# about ten. Thousands of tiny scans make a small file cost minutes of CPU
# (libjpeg-turbo's djpeg has -maxscans for the same reason).
MAX_JPEG_SCANS = 100
# Images inside a JPEG's multi-picture trailer (MPO, phones' gain maps and
# depth maps); cameras write two or three.
MAX_TRAILING_JPEGS = 8
# PNG writers split pixel data into chunks of 8-64 KB (25 MB is ~3,000 of
# them); a file of millions of empty chunks exists only to make the parser work.
MAX_PNG_CHUNKS = 100_000
# A JPEG stream's markers outside its compressed data: cameras and editors
# write fewer than 50 (APPn metadata, quantisation and Huffman tables, a frame
# header, one scan header per scan: 100 scans with their tables stay well
# under 1,000). A small file of millions of empty COM segments or stray restart
# markers exists only to make the walker work (6 million cost seconds and over
# a GB in our parser and Pillow's), and each APPn/COM segment is a window the
# polyglot rule searches. Counted per stream, so each picture of a
# multi-picture JPEG has its own allowance.
MAX_JPEG_SEGMENTS = 1_000
# A still WebP has at most six chunks (VP8X, ICCP, ALPH, the image, EXIF,
# XMP); an animation one ANMF per frame, and a photo contest takes
# photographs. Millions of empty unknown chunks are only there to be parsed
# (3 million took seconds and half a GB), each a window the polyglot rule
# searches.
MAX_WEBP_CHUNKS = 1_000
# Reading this much of the file's start is enough to tell its format.
SNIFF_BYTES = 16
# PDF readers look for `%PDF-` within the first 1,024 bytes, wherever it is.
PDF_WINDOW = 1024

# --- near-duplicates ---------------------------------------------------------------------------------------
# A 64-bit DCT perceptual hash (imagehash.phash). A photo re-encoded, resized,
# brightened, contrasted or turned grey hashes within 0-2 bits of itself;
# cropped by 2 % on every side it moves 2-8 bits (12 at worst in our tests),
# by 4 % 4-16. Different photos sit 31 bits apart on average, and 40 textured
# test scenes were never closer than 18 (the eight demo photos, similar skies
# and motifs, 22). Ten bits flags re-uploads, copies and light edits of one
# photo and leaves distinct photos alone with a margin of 8 bits; a flag only
# asks a moderator to look. A mirror image is not caught (32 bits away): the
# hash is not flip-invariant.
NEAR_DUPLICATE_BITS = 10
