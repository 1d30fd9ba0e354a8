"""The pure core of ballots: no Flask, SQLAlchemy, Redis or RQ, here or at import time."""
