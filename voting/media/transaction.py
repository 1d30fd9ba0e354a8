"""Work tied to how the session's transaction ends.

Files are stored before the rows that name them are committed (the row must
name a file that exists). If the transaction then ends without a commit (an
error, a rollback, a request torn down) the files are deleted, so a refused
or failed submission leaves no orphan; after a commit the files replaced by
it are deleted and the image job is queued, so the worker finds the row.
A hook's failure is logged and never undoes what already happened.

A savepoint rolled back inside a transaction that then commits keeps its
files: nothing in the app stores files inside a savepoint.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)
ON_COMMIT, ON_ROLLBACK = "media.on_commit", "media.on_rollback"


def on_commit(session: Session, hook: Callable[[], object]) -> None:
    session.info.setdefault(ON_COMMIT, []).append(hook)


def on_rollback(session: Session, hook: Callable[[], object]) -> None:
    session.info.setdefault(ON_ROLLBACK, []).append(hook)


def install() -> None:
    """Listen on every session (once per process, however many apps are built)."""
    if not event.contains(Session, "after_commit", _committed):
        event.listen(Session, "after_commit", _committed)
        event.listen(Session, "after_transaction_end", _ended)


def _run(hooks: list[Callable[[], object]]) -> None:
    for hook in hooks:
        try:
            hook()
        except Exception:  # the transaction's outcome stands; a leftover file or a late job is logged
            log.exception("media: a hook after the transaction failed")


def _committed(session: Session) -> None:
    session.info.pop(ON_ROLLBACK, None)
    _run(session.info.pop(ON_COMMIT, []))


def _ended(session: Session, transaction: SessionTransaction) -> None:
    # Runs after _committed for a committed transaction, which has already taken its hooks.
    if transaction.parent is not None:
        return
    session.info.pop(ON_COMMIT, None)
    _run(session.info.pop(ON_ROLLBACK, []))
