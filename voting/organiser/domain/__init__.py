"""Pure code of the organiser console (no Flask, SQLAlchemy, Redis or RQ)."""
