"""Factories with overridable defaults. They call the services, not the models,
so what they build is what the app would build."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select

from voting.accounts import services as accounts
from voting.accounts.models import User, UserRole
from voting.contests.models import Contest
from voting.contests import services as contests
from voting.extensions import db

PASSWORD = "correct horse battery"


def iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat()


def spec(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(timezone.utc)
    base = {
        "slug": "wsis-prizes-test",
        "title": "WSIS Prizes (test)",
        "kind": "prize",
        "categories": [{"slug": "c1", "title": "C1 Public governance"},
                       {"slug": "c2", "title": "C2 Information and communication infrastructure"}],
        "phases": {
            "submission": {"opens_at": iso(now - timedelta(days=30)), "closes_at": iso(now - timedelta(days=10))},
            "voting": {"opens_at": iso(now - timedelta(days=1)), "closes_at": iso(now + timedelta(days=10))},
        },
    }
    base.update(copy.deepcopy(overrides))
    return base


def make_user(email: str = "voter@example.org", password: str = PASSWORD, role: str = "voter",
              verified: bool = True, name: str | None = None, contest_id: int | None = None):
    user, _ = accounts.ensure_user(email, password, name or email.split("@")[0], verified=verified)
    db.session.flush()
    accounts.grant_role(user, role, contest_id)
    db.session.commit()
    return user


def make_organiser(email: str = "organiser@example.org", manages: bool = True):
    """An account with the global organiser role (it may create contests).
    With `manages` it also organises every contest the factories made or will
    make, as if it had created them: most tests need one organiser who runs
    everything; authorisation tests pass manages=False for an outsider."""
    user = make_user(email, role="organiser")
    if manages:
        for contest in db.session.scalars(select(Contest)):
            accounts.grant_role(user, "organiser", contest.id)
        if not any(r.role == "factory_manager" for r in user.roles):  # roles are unique
            user.roles.append(UserRole(role="factory_manager"))  # a marker: see make_contest
        db.session.commit()
    return user


def make_contest(**overrides: Any):
    contest = contests.create_contest(spec(**overrides), None, datetime.now(timezone.utc))
    managers = db.session.scalars(select(User).join(UserRole).where(UserRole.role == "factory_manager"))
    for user in managers:
        accounts.grant_role(user, "organiser", contest.id)
    db.session.commit()
    return contest


class Factories:
    """The factories above, each run in its own app context so that tests never
    keep a context pushed while they make requests (Flask would share it, and
    with it `g` and the session, across the test client's requests)."""

    def __init__(self, app):
        self.app = app

    def _run(self, fn, *args, **kwargs):
        with self.app.app_context():
            obj = fn(*args, **kwargs)
            result = {"id": obj.id}
            for attr in ("email", "slug"):
                if hasattr(obj, attr):
                    result[attr] = getattr(obj, attr)
            db.session.remove()
            return type("Made", (), result)

    def user(self, *args, **kwargs):
        return self._run(make_user, *args, **kwargs)

    def organiser(self, *args, **kwargs):
        return self._run(make_organiser, *args, **kwargs)

    def contest(self, **overrides):
        return self._run(make_contest, **overrides)
