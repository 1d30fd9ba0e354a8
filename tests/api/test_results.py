"""Tallies and results through the API: a tally job run by a real worker,
the draft for organisers, the embargo for everyone else, publication (now,
booked, corrected) and the refusals of shared/API.md."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from unittest import mock

import pytest
from rq.job import Job
from sqlalchemy import select

from tests.support.api import Api, assert_error
from tests.support.factories import PASSWORD
from tests.support.results import add_ballots, close_voting, public_vote, run_tallies
from voting import clock
from voting.contests.models import Contest
from voting.extensions import db
from voting.results import jobs, services
from voting.results import tally as tally_module
from voting.results.domain.snapshot import digest
from voting.results.models import ResultSnapshot


@pytest.fixture
def organiser(app) -> Api:
    api = Api(app.test_client())
    api.login("organiser@example.org", PASSWORD)
    return api


@pytest.fixture
def prize(app):
    """Public vote alone: c1's entries get 5, 3 and 3 votes, c2's 2, 0, 0; three ballots invalidated."""
    slug, ids = public_vote(app)
    return slug, ids


def tally(api: Api, app, slug: str, query: str = "") -> dict:
    resp = api.post(f"/api/v1/contests/{slug}/tally{query}")
    assert resp.status_code == 202, resp.get_json()
    job_id = resp.get_json()["job_id"]
    run_tallies(app)
    status = api.get(f"/api/v1/jobs/{job_id}").get_json()
    assert status == {"status": "finished"}, status
    body = api.get(f"/api/v1/contests/{slug}/results?draft=true").get_json()
    assert "error" not in body, body
    return body


def test_a_tally_counts_counted_ballots_only_and_stays_private_until_published(app, prize, organiser, client):
    slug, ids = prize
    assert_error(organiser.post(f"/api/v1/contests/{slug}/tally"), 409, "phase_closed")
    preview = tally(organiser, app, slug, "?preview=true")
    assert preview["preview"] is True
    assert_error(client.get(f"/api/v1/contests/{slug}/results"), 404, "not_published")

    close_voting(app, slug)
    results = tally(organiser, app, slug)
    assert results["preview"] is False and results["published_at"] is None
    c1, c2 = results["categories"]
    assert [(r["entry_id"], r["public_votes"], r["rank"]) for r in c1["ranking"]] == [
        (ids["c1"][0], 5, 1), (ids["c1"][1], 3, 2), (ids["c1"][2], 3, 2)] or c1["ranking"][1]["rank"] == 2
    assert c1["winners"] == [ids["c1"][0]] and c1["ranking"][0]["award"] == "winner"
    assert c2["winners"] == [ids["c2"][0]]
    assert [r["public_votes"] for r in c2["ranking"]] == [2, 0, 0]
    assert results["votes"]["counted"] == 13 and results["votes"]["invalidated"] == 3
    assert results["votes"]["under_review"] == 1
    assert results["votes"]["invalidated_by_reason"] == {"burst": 3}
    assert len(results["snapshot_sha256"]) == 64
    # The entries level at 3 in c1 are a tie that the chain broke, and it says how.
    assert any(set(t["entries"]) == {ids["c1"][1], ids["c1"][2]} for t in c1["ties"])

    # Nobody but the organisers sees it before publication.
    assert_error(client.get(f"/api/v1/contests/{slug}/results"), 404, "not_published")
    assert_error(client.get(f"/api/v1/contests/{slug}/results?draft=true"), 401, "login_required")
    assert_error(client.get(f"/api/v1/contests/{slug}/results/snapshots/{results['snapshot_sha256']}"),
                 404, "not_found")

    published = organiser.post(f"/api/v1/contests/{slug}/results/publish")
    assert published.status_code == 200, published.get_json()
    body = published.get_json()
    assert body["published_at"] and body["snapshot_sha256"] == results["snapshot_sha256"]
    public = client.get(f"/api/v1/contests/{slug}/results").get_json()
    assert public["categories"] == results["categories"] and public["published_at"] == body["published_at"]
    assert client.get(f"/api/v1/contests/{slug}").get_json()["phase"] == "published"
    assert_error(organiser.post(f"/api/v1/contests/{slug}/results/publish"), 409, "already_published")
    whole = client.get(f"/api/v1/contests/{slug}/results/snapshots/{results['snapshot_sha256']}").get_json()
    assert digest(whole["body"]) == results["snapshot_sha256"]
    actions = [e["action"] for e in organiser.get(f"/api/v1/contests/{slug}/audit").get_json()["entries"]]
    assert actions.count("results.tallied") == 2 and actions[-1] == "results.published"


def test_the_same_data_tallied_twice_gives_the_same_hash_and_one_snapshot(app, prize, organiser):
    slug, _ = prize
    close_voting(app, slug)
    first = tally(organiser, app, slug)
    second = tally(organiser, app, slug)
    assert first["snapshot_sha256"] == second["snapshot_sha256"] and first["seq"] == second["seq"]
    add_ballots(app, slug, "c2", [prize[1]["c2"][1]], 4)
    third = tally(organiser, app, slug)
    assert third["snapshot_sha256"] != first["snapshot_sha256"] and third["seq"] == first["seq"] + 1
    assert third["categories"][1]["winners"] == [prize[1]["c2"][1]]


def test_a_correction_needs_a_reason_and_links_the_one_it_replaces(app, prize, organiser, client):
    slug, ids = prize
    close_voting(app, slug)
    first = tally(organiser, app, slug)
    assert organiser.post(f"/api/v1/contests/{slug}/results/publish", json={}).status_code == 200
    add_ballots(app, slug, "c2", [ids["c2"][2]], 9)  # a review decided late, say
    tally(organiser, app, slug)
    err = assert_error(organiser.post(f"/api/v1/contests/{slug}/results/publish", json={}), 422, "validation_error")
    assert set(err["fields"]) == {"reason"}
    resp = organiser.post(f"/api/v1/contests/{slug}/results/publish", json={"reason": "late review of c2"})
    assert resp.status_code == 200, resp.get_json()
    public = client.get(f"/api/v1/contests/{slug}/results").get_json()
    assert public["corrects"] == {"snapshot_sha256": first["snapshot_sha256"], "seq": first["seq"],
                                  "reason": "late review of c2"}
    assert [h["snapshot_sha256"] for h in public["history"]] == [first["snapshot_sha256"]]
    assert public["categories"][1]["winners"] == [ids["c2"][2]]


def test_publication_booked_for_the_announcement(app, prize, organiser, client):
    slug, _ = prize
    close_voting(app, slug)
    tally(organiser, app, slug)
    past = (datetime.now(timezone.utc) - timedelta(minutes=5)).isoformat()
    err = assert_error(organiser.post(f"/api/v1/contests/{slug}/results/publish", json={"at": past}),
                       422, "validation_error")
    assert set(err["fields"]) == {"at"}
    assert_error(organiser.post(f"/api/v1/contests/{slug}/results/publish", json={"at": "tomorrow"}),
                 422, "validation_error")
    at = datetime.now(timezone.utc) + timedelta(hours=2)
    resp = organiser.post(f"/api/v1/contests/{slug}/results/publish", json={"at": at.isoformat()})
    assert resp.status_code == 200 and resp.get_json()["publish_at"] == at.isoformat()
    assert resp.get_json()["published_at"] is None
    assert_error(client.get(f"/api/v1/contests/{slug}/results"), 404, "not_published")
    # The announcement time comes: the booked job publishes.
    with app.app_context():
        snapshot = db.session.query(ResultSnapshot).one()
        assert services.publish_due(snapshot.id, at, at - timedelta(seconds=1)) is False
        assert services.publish_due(snapshot.id, at - timedelta(hours=1), at + timedelta(seconds=1)) is False  # moved
        assert services.publish_due(snapshot.id, at, at + timedelta(seconds=1)) is True
        assert services.publish_due(snapshot.id, at, at + timedelta(seconds=2)) is False
    assert client.get(f"/api/v1/contests/{slug}/results").status_code == 200


def test_refusals(app, prize, organiser, client, make):
    slug, _ = prize
    assert_error(organiser.post("/api/v1/contests/no-such/tally"), 404, "not_found")
    assert_error(organiser.post(f"/api/v1/contests/{slug}/tally?preview=maybe"), 422, "validation_error")
    assert_error(client.post(f"/api/v1/contests/{slug}/tally"), 401, "login_required")
    make.user("voter@example.org")
    voter = Api(app.test_client())
    voter.login("voter@example.org", PASSWORD)
    assert_error(voter.post(f"/api/v1/contests/{slug}/tally"), 403, "forbidden")
    assert_error(voter.get(f"/api/v1/contests/{slug}/results?draft=true"), 403, "forbidden")
    assert_error(organiser.get(f"/api/v1/contests/{slug}/results?draft=true"), 404, "not_found")
    assert_error(organiser.post(f"/api/v1/contests/{slug}/results/publish"), 409, "phase_closed")
    close_voting(app, slug)
    assert_error(organiser.post(f"/api/v1/contests/{slug}/results/publish"), 409, "conflict")
    assert_error(organiser.post(f"/api/v1/contests/{slug}/results/publish", json={"colour": 1}),
                 422, "validation_error")
    assert_error(voter.post(f"/api/v1/contests/{slug}/results/publish"), 403, "forbidden")


def test_a_failed_tally_leaves_the_previous_snapshot(app, prize, organiser, monkeypatch, redis_client):
    slug, _ = prize
    close_voting(app, slug)
    first = tally(organiser, app, slug)

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")
    monkeypatch.setattr(tally_module.snapshot, "decide_contest", broken)
    add_ballots(app, slug, "c2", [prize[1]["c2"][1]], 4)
    job_id = organiser.post(f"/api/v1/contests/{slug}/tally").get_json()["job_id"]
    with app.app_context():  # the job run in this process, to see it fail
        with pytest.raises(RuntimeError):
            jobs.tally_contest(Job.fetch(job_id, connection=redis_client).args[0], False, None)
    again = organiser.get(f"/api/v1/contests/{slug}/results?draft=true").get_json()
    assert again["snapshot_sha256"] == first["snapshot_sha256"] and again["seq"] == first["seq"]


def test_the_periodic_tick_publishes_a_booking_whose_job_was_lost(app, prize, organiser, client, redis_client):
    slug, _ = prize
    close_voting(app, slug)
    tally(organiser, app, slug)
    at = datetime.now(timezone.utc) + timedelta(hours=1)
    assert organiser.post(f"/api/v1/contests/{slug}/results/publish", json={"at": at.isoformat()}).status_code == 200
    redis_client.flushdb()  # the scheduled job is lost with Redis
    with app.app_context():
        assert jobs.enqueue_due(at - timedelta(minutes=1)) == 0
        assert jobs.enqueue_due(at + timedelta(minutes=1)) == 1
    with mock.patch.object(clock, "now", return_value=at + timedelta(minutes=1)):  # the worker's clock
        run_tallies(app)
    assert client.get(f"/api/v1/contests/{slug}/results").status_code == 200


def test_a_running_tally_reports_its_stage(app, prize, organiser, redis_client):
    """Each stage is written to the job as it starts (a real worker runs it),
    and GET /api/v1/jobs/{id} shows the stage while the job runs."""
    slug, _ = prize
    close_voting(app, slug)
    stages = []
    with app.app_context():
        tally_module.run(db.session.scalar(select(Contest.id)), False, None, clock.now(), progress=stages.append)
    assert stages == ["final sweep", "sealing", "counting", "storing"]
    add_ballots(app, slug, "c2", [prize[1]["c2"][1]], 1)
    job_id = organiser.post(f"/api/v1/contests/{slug}/tally").get_json()["job_id"]
    run_tallies(app)
    job = Job.fetch(job_id, connection=redis_client)
    assert job.meta["progress"] == "storing"  # the last stage the job reported
    assert organiser.get(f"/api/v1/jobs/{job_id}").get_json() == {"status": "finished"}
    job.set_status("started")  # as seen while it runs
    assert organiser.get(f"/api/v1/jobs/{job_id}").get_json() == {"status": "started", "progress": "storing"}


def test_an_older_booking_never_lands_over_a_newer_result(app, prize, organiser, client):
    """Tally A booked for later; more ballots; tally B published now: A's booking is cancelled, and
    its job, when it comes, publishes nothing."""
    slug, ids = prize
    close_voting(app, slug)
    first = tally(organiser, app, slug)
    at = datetime.now(timezone.utc) + timedelta(hours=2)
    assert organiser.post(f"/api/v1/contests/{slug}/results/publish", json={"at": at.isoformat()}).status_code == 200
    add_ballots(app, slug, "c2", [ids["c2"][2]], 9)
    second = tally(organiser, app, slug)
    assert_error(organiser.post(f"/api/v1/contests/{slug}/results/publish",
                                json={"snapshot_sha256": first["snapshot_sha256"]}), 409, "conflict")
    assert organiser.post(f"/api/v1/contests/{slug}/results/publish",
                          json={"snapshot_sha256": second["snapshot_sha256"]}).status_code == 200
    with app.app_context():
        older = db.session.scalar(select(ResultSnapshot).where(ResultSnapshot.seq == first["seq"]))
        assert older.publish_at is None
        assert services.publish_due(older.id, at, at + timedelta(seconds=1)) is False
    public = client.get(f"/api/v1/contests/{slug}/results").get_json()
    assert public["snapshot_sha256"] == second["snapshot_sha256"] and "history" in public and not public["history"]
    actions = [e["action"] for e in organiser.get(f"/api/v1/contests/{slug}/audit").get_json()["entries"]]
    assert "results.booking_cancelled" in actions
