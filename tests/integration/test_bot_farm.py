"""End to end: a scripted bot farm (one network prefix, new accounts on one
throwaway-looking domain, a burst for one entry) votes alongside honest
voters; the sweep, run by a real RQ worker, puts the farm under review while
the honest ballots stay counted, and the organiser's decision shows in the
report, the audit log and the live counters."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update

from voting.accounts.models import User
from voting.ballots.models import Ballot
from voting.extensions import db
from voting.worker import run_worker

from tests.support.api import Api
from tests.support.factories import PASSWORD
from tests.support.results import add_ballots
from tests.support.voting import open_contest


def voter(app, make, email, ip):
    make.user(email)
    api = Api(app.test_client())
    api.client.environ_base["REMOTE_ADDR"] = ip
    api.login(email, PASSWORD)
    return api


def vote(api, slug, category, entry):
    resp = api.post(f"/api/v1/contests/{slug}/ballots", json={"category": category, "selection": [entry]})
    assert resp.status_code == 201, resp.get_json()


def test_sweep_holds_the_farm_and_keeps_honest_ballots(app, make, redis_client):
    slug, ids = open_contest(app, pow_bits=0, rate_limits={"prefix": "1000/hour"})
    honest = []
    for n in range(12):
        api = voter(app, make, f"person{n}@example.org", f"100.{64 + n}.{n}.7")
        honest.append(f"person{n}@example.org")
        for category in ("c1", "c2"):
            vote(api, slug, category, ids[category][n % 3])
    with app.app_context():  # honest people registered days ago and voted from the page over the last hours
        now = datetime.now(timezone.utc)
        db.session.execute(update(User).where(User.email.in_(honest)).values(created_at=now - timedelta(days=3)))
        for n, ballot in enumerate(db.session.scalars(select(Ballot).order_by(Ballot.id))):
            ballot.cast_at = now - timedelta(hours=5) + timedelta(minutes=13 * n + n * n % 7)
            ballot.flags = [f for f in ballot.flags or () if f not in ("no_page", "no_script")]
        db.session.commit()
    # The contest's other voters, from the ballot page: what the farm's page-less ballots stand out against.
    for category in ("c1", "c2"):
        for entry in ids[category][:2]:
            add_ballots(app, slug, category, [entry], 40)
    with app.app_context():  # who signed up over the last day: weeks-old accounts all waking at once for one
        # entry would be a dormant crowd (dormant_wake), which is what an aged farm looks like
        bulk = db.session.scalars(select(User).where(User.email.like("bulk%")).order_by(User.id)).all()
        for n, user in enumerate(bulk):
            user.created_at = user.verified_at = now - timedelta(hours=2 + n % 20)
        db.session.commit()
    target = ids["c1"][2]
    for n in range(35):
        vote(voter(app, make, f"bot{n}@quickmail-farm.example", f"198.51.100.{n + 10}"), slug, "c1", target)

    organiser = Api(app.test_client())
    organiser.login("organiser@example.org", PASSWORD)
    job_id = organiser.post(f"/api/v1/contests/{slug}/fraud/sweep").get_json()["job_id"]
    with app.app_context():
        run_worker(["fraud"], burst=True)
    assert organiser.get(f"/api/v1/jobs/{job_id}").get_json() == {"status": "finished"}

    with app.app_context():
        rows = db.session.execute(select(User.email, Ballot.status).join(User, User.id == Ballot.voter_id)).all()
    farm = [status for email, status in rows if email.startswith("bot")]
    people = [status for email, status in rows if email.startswith("person")]
    assert farm == ["under_review"] * 35
    assert people == ["counted"] * 24

    clusters = organiser.get(f"/api/v1/contests/{slug}/fraud/clusters").get_json()["clusters"]
    rules = {c["rule"] for c in clusters}
    assert "shared_prefix" in rules and "new_account_domain" in rules
    held_ids = {b["id"] for c in clusters for b in c["ballots"]}
    assert len(held_ids) == 35

    # The held ballots already left the live counters (the sweep job rebuilt them).
    board = organiser.get(f"/api/v1/contests/{slug}/leaderboard").get_json()["categories"][0]["entries"]
    assert {e["entry_id"]: e["votes"] for e in board}[target] == 4

    prefix_cluster = next(c for c in clusters if c["rule"] == "shared_prefix")
    resp = organiser.post(f"/api/v1/contests/{slug}/fraud/clusters/{prefix_cluster['id']}/decision",
                          json={"decision": "invalidate", "reason": "35 new accounts on one /24 in a minute"})
    assert resp.status_code == 200, resp.get_json()
    report = organiser.get(f"/api/v1/contests/{slug}/fraud/report").get_json()
    assert report["counted"] == 24 + 160 and report["invalidated"] == 35
    assert report["invalidated_by_reason"] and sum(report["invalidated_by_reason"].values()) == 35
    actions = [e["action"] for e in organiser.get(f"/api/v1/contests/{slug}/audit").get_json()["entries"]]
    assert [a for a in actions if a.startswith("fraud.")] == ["fraud.sweep", "fraud.invalidate"]

    # A second sweep finds the same clusters again and changes nothing decided.
    organiser.post(f"/api/v1/contests/{slug}/fraud/sweep")
    with app.app_context():
        run_worker(["fraud"], burst=True)
    again = organiser.get(f"/api/v1/contests/{slug}/fraud/clusters").get_json()["clusters"]
    assert sorted(c["id"] for c in again) == sorted(c["id"] for c in clusters)
    assert organiser.get(f"/api/v1/contests/{slug}/fraud/report").get_json()["invalidated"] == 35
