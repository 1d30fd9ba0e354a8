"""The photo pipeline's pure part: what a file is (from its bytes, never its
name), whether it fits the limits and is one image and nothing else, and how
it is re-encoded, sized and hashed. Pillow and imagehash only."""
