"""The pure core of contests: no Flask, SQLAlchemy, Redis or RQ, here or at import time."""
