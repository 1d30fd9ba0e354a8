"""The pure core of ledger: no Flask, SQLAlchemy, Redis or RQ, here or at import time."""
