"""The pure core of fraud: no Flask, SQLAlchemy, Redis or RQ, here or at import time."""
