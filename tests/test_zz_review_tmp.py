"""Throwaway review checks (to be deleted)."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from tests.api.test_judging import (CRITERIA, add_judge, entry_ids, hackathon, judge_api, listed, score, window)
from tests.api.test_judging import organiser, panel  # noqa: F401 fixtures
from tests.support.api import Api, assert_error
from tests.support.factories import PASSWORD, spec, iso


def test_takeover_via_fullwidth_domain(app, organiser, make):
    make.user("victim@example.com", name="Victim")
    resp = organiser.post("/api/v1/contests/ageing-better/judges",
                          json={"email": "victim@ｅｘａｍｐｌｅ.com", "display_name": "Owned",
                                "password": "attacker-chosen-pw-123"})
    print(resp.status_code, resp.get_json())
    api = Api(app.test_client())
    api.refresh_csrf()
    r = api.post("/api/v1/auth/login", json={"email": "victim@example.com", "password": "attacker-chosen-pw-123"})
    print("login as victim with attacker pw:", r.status_code, r.get_json())
    assert r.status_code != 200, "TAKEOVER"


def test_conflict_after_draft(app, organiser, panel):
    ids = entry_ids(organiser)
    ben = panel["ben"]
    mine = listed(ben)
    eid = next(iter(mine))
    r = score(ben, eid, {"impact": 5})
    assert r.status_code == 200, r.get_json()
    r = ben.post("/api/v1/judging/ageing-better/conflicts", json={"entry_id": eid, "reason": "my cousin"})
    print("conflict after draft:", r.status_code, r.get_data(as_text=True)[:300])
    assert r.status_code in (200, 201)


def test_conflict_after_submit(app, organiser, panel):
    ben = panel["ben"]
    eid = next(iter(listed(ben)))
    r = score(ben, eid, {"impact": 5, "feasibility": 3}, submit=True)
    assert r.status_code == 200, r.get_json()
    r = organiser.post("/api/v1/contests/ageing-better/judging/conflicts",
                       json={"entry_id": eid, "judge_id": 0 or _uid(app, "ben@example.org"), "reason": "x"})
    print("organiser conflict after submit:", r.status_code, r.get_data(as_text=True)[:300])
    assert r.status_code in (200, 201)


def _uid(app, email):
    from voting.accounts.models import User
    from voting.extensions import db
    from sqlalchemy import select
    with app.app_context():
        uid = db.session.scalar(select(User.id).where(User.email == email))
        db.session.remove()
        return uid


def test_empty_shortlist_judges_everything(app, organiser, panel):
    # nothing submitted: min_score shortlist is empty
    r = organiser.post("/api/v1/contests/ageing-better/rounds", json={"min_score": 9.9})
    print("advance:", r.status_code, r.get_json())
    assert r.status_code == 201
    r = organiser.post("/api/v1/contests/ageing-better/assignments", json={})
    print("assign round 2:", r.status_code, r.get_json())
    assert r.get_json()["assignments"] == 0, "round 2 with an empty shortlist judges every entry"


def _dump(app):
    from voting.extensions import db
    from sqlalchemy import text
    with app.app_context():
        out = {t: db.session.execute(text(f"select * from {t} order by id")).all()
               for t in ("judging_assignments", "judging_sheets", "judging_sheet_changes")}
        db.session.remove()
        return out


def test_conflict_after_submit_state(app, organiser, panel):
    ben = panel["ben"]
    eid = next(iter(listed(ben)))
    r = score(ben, eid, {"impact": 5, "feasibility": 3}, submit=True)
    before = _dump(app)
    r = ben.post("/api/v1/judging/ageing-better/conflicts", json={"entry_id": eid, "reason": "x"})
    after = _dump(app)
    for k in before:
        print(k, "\n  before", before[k], "\n  after ", after[k])
    print(listed(ben))
