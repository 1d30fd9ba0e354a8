"""Online voting and judging engine. `create_app` builds the web application."""

from voting.app import create_app

__all__ = ["create_app"]
