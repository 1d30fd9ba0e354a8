"""The one place the app reads the wall clock; pure code takes `now` as an argument."""

from voting.types import utcnow as now  # noqa: F401
