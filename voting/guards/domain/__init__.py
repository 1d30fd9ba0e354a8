"""Pure: proof of work (pow.py) and rate limits (ratelimit.py)."""
