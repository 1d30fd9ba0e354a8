"""Team membership feeds judging's conflicts of interest: a judge who is a
member of an entry's team is never assigned that entry and cannot score it
(403 `conflict_of_interest`), also when they joined the team after the
assignments were made."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.support.api import Api, assert_error
from tests.support.factories import PASSWORD, spec
from tests.support.teams import CATEGORIES, window
from voting import clock
from voting.accounts.models import User
from voting.contests.models import Contest, Entry
from voting.extensions import db
from voting.submissions.teams import services as teams

from judging.models import Conflict

SLUG = "ageing-better"
CRITERIA = [{"key": "impact", "label": "Impact", "weight": 1, "min": 0, "max": 10}]
JUDGES = ("ann@example.org", "ben@example.org", "cat@example.org")


def _during_submission():
    return clock.now() - timedelta(days=15)  # inside the submission window below


@pytest.fixture
def organiser(app, make) -> Api:
    """A hackathon now judging, whose submission phase ran from 20 to 10 days ago;
    three entries, three judges, two judges per entry."""
    make.organiser("boss@example.org", manages=False)
    api = Api(app.test_client())
    api.login("boss@example.org", PASSWORD)
    body = spec(slug=SLUG, kind="hackathon", title="Ageing Better with ICTs", categories=CATEGORIES,
                phases={"submission": window(-20, -10), "judging": window(-1, 5)},
                judging={"criteria": CRITERIA, "judges_per_entry": 2, "normalization": "none"})
    assert api.post("/api/v1/contests", json=body).status_code == 201
    for category, title in [("frailty", "Walk"), ("frailty", "Grip"), ("finance", "Pension")]:
        assert api.post(f"/api/v1/contests/{SLUG}/entries", json={"category": category, "title": title}
                        ).status_code == 201
    for email in JUDGES:
        assert api.post(f"/api/v1/contests/{SLUG}/judges",
                        json={"email": email, "display_name": email.split("@")[0], "password": PASSWORD}
                        ).status_code == 201
    with app.app_context():  # as participants, they have confirmed their addresses
        db.session.execute(update(User).where(User.email.in_(JUDGES)).values(verified_at=clock.now()))
        db.session.commit()
    return api


def _ids(organiser: Api) -> dict[str, int]:
    return {e["title"]: e["id"] for e in organiser.get(f"/api/v1/contests/{SLUG}/entries").get_json()["entries"]}


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _team_of_ann_with_walk(app, walk: int) -> int:
    """Ann forms a team during the submission phase; "Walk" is its entry
    (stored as the submission service does, after check_entry_team)."""
    with app.app_context():
        ann, then = _user("ann@example.org"), _during_submission()
        team = teams.create_team(SLUG, ann, "Silver Surfers", then)
        contest = db.session.get(Contest, team.contest_id)
        entry = db.session.get(Entry, walk)
        teams.check_entry_team(contest, ann, team.id, entry.category_id, entry_id=walk)
        db.session.execute(update(Entry).where(Entry.id == walk).values(team_id=team.id))
        db.session.commit()
        team_id = team.id
        db.session.remove()
    return team_id


def _judge(app, email: str) -> Api:
    api = Api(app.test_client())
    api.login(email, PASSWORD)
    return api


def _listed(api: Api) -> set[int]:
    return {a["entry_id"] for a in api.get("/api/v1/judging/assignments").get_json()["assignments"]}


def _score(api: Api, entry_id: int):
    return api.put(f"/api/v1/judging/{SLUG}/entries/{entry_id}/score", json={"scores": {"impact": 7}})


def test_a_judge_in_the_entrys_team_is_never_assigned_it_nor_scores_it(app, organiser):
    ids = _ids(organiser)
    _team_of_ann_with_walk(app, ids["Walk"])
    assert organiser.post(f"/api/v1/contests/{SLUG}/assignments", json={}).status_code == 200
    ann, ben, cat = (_judge(app, email) for email in JUDGES)
    assert ids["Walk"] not in _listed(ann)
    assert ids["Walk"] in _listed(ben) and ids["Walk"] in _listed(cat)  # the two others judge it
    err = assert_error(_score(ann, ids["Walk"]), 403, "conflict_of_interest")
    assert "conflict of interest" in err["message"]
    assert _score(ben, ids["Walk"]).status_code == 200
    with app.app_context():  # stored as detected, with its reason
        (conflict,) = db.session.scalars(select(Conflict)).all()
        assert (conflict.entry_id, conflict.source, conflict.reason) == \
            (ids["Walk"], "detected", "the judge is in the entry's team")
        assert conflict.judge_id == _user("ann@example.org").id
        db.session.remove()


def test_a_judge_who_joins_the_team_after_the_plan_is_kept_off_at_once(app, organiser, mailbox):
    ids = _ids(organiser)
    team_id = _team_of_ann_with_walk(app, ids["Walk"])
    assert organiser.post(f"/api/v1/contests/{SLUG}/assignments", json={}).status_code == 200
    ben = _judge(app, "ben@example.org")
    assert ids["Walk"] in _listed(ben)
    with app.app_context():  # Ben joins Ann's team (while it could still change)
        then = _during_submission()
        teams.invite(team_id, _user("ann@example.org"), "ben@example.org", then)
        teams.join(mailbox.last_token("ben@example.org"), _user("ben@example.org"), then)
        db.session.remove()
    assert ids["Walk"] not in _listed(ben)
    assert_error(_score(ben, ids["Walk"]), 403, "conflict_of_interest")
    # The next plan stores the conflict and moves the entry off Ben's list for good.
    resp = organiser.post(f"/api/v1/contests/{SLUG}/assignments", json={})
    assert resp.status_code == 200
    with app.app_context():
        judges = {c.judge_id for c in db.session.scalars(select(Conflict).where(Conflict.entry_id == ids["Walk"]))}
        assert judges == {_user("ann@example.org").id, _user("ben@example.org").id}
        db.session.remove()
    assert ids["Walk"] not in _listed(ben)
