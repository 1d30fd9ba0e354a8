"""Online voting and judging engine. `create_app` builds the web application.

The app is imported when `create_app` is first asked for, not when the
package is: importing a pure module (`voting.ballots.domain.selection`, say) must
not load Flask, SQLAlchemy or Redis with it."""

from __future__ import annotations

__all__ = ["create_app"]


def __getattr__(name: str):
    if name == "create_app":
        from voting.app import create_app

        return create_app
    raise AttributeError(f"module 'voting' has no attribute {name!r}")
