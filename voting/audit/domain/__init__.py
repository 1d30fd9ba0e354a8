"""The pure core of audit: no Flask, SQLAlchemy, Redis or RQ, here or at import time."""
