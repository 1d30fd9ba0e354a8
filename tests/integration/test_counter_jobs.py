"""The rebuild job through RQ: enqueued by the API, run by a real worker,
status readable through the API; and the CLI command."""

from __future__ import annotations

from voting.worker import run_worker

from tests.support.api import Api, assert_error
from tests.support.factories import PASSWORD
from tests.support.voting import cast, open_contest, voter_api


def organiser_api(app):
    api = Api(app.test_client())
    api.login("organiser@example.org", PASSWORD)
    return api


def test_rebuild_job_repairs_drift(app, make, redis_client):
    slug, ids = open_contest(app, pow_bits=0)
    for n in range(3):
        assert cast(voter_api(app, make, f"v{n}@example.org"), slug, "c1", [ids["c1"][1]],
                    with_proof=False).status_code == 201
    organiser = organiser_api(app)
    board = organiser.get(f"/api/v1/contests/{slug}/leaderboard").get_json()
    assert board["categories"][0]["entries"][0] == {"entry_id": ids["c1"][1], "votes": 3}

    for key in redis_client.scan_iter("{c:*}:board:*"):
        redis_client.zincrby(key, 40, ids["c1"][2])  # drift
    resp = organiser.post(f"/api/v1/contests/{slug}/counters/rebuild")
    assert resp.status_code == 202
    job_id = resp.get_json()["job_id"]
    assert organiser.get(f"/api/v1/jobs/{job_id}").get_json()["status"] == "queued"
    # Asked again while it waits: the same job, not a second one.
    assert organiser.post(f"/api/v1/contests/{slug}/counters/rebuild").get_json()["job_id"] == job_id

    with app.app_context():
        run_worker(["counters"], burst=True)
    assert organiser.get(f"/api/v1/jobs/{job_id}").get_json() == {"status": "finished"}
    board = organiser.get(f"/api/v1/contests/{slug}/leaderboard").get_json()
    c1 = {e["entry_id"]: e["votes"] for e in board["categories"][0]["entries"]}
    assert c1 == {ids["c1"][0]: 0, ids["c1"][1]: 3, ids["c1"][2]: 0}


def test_leaderboard_and_jobs_are_for_organisers(app, make):
    slug, _ = open_contest(app, pow_bits=0)
    voter = voter_api(app, make)
    assert_error(voter.get(f"/api/v1/contests/{slug}/leaderboard"), 403, "forbidden")
    assert_error(voter.post(f"/api/v1/contests/{slug}/counters/rebuild"), 403, "forbidden")
    assert_error(Api(app.test_client()).get("/api/v1/jobs/x"), 401, "login_required")
    assert_error(organiser_api(app).get("/api/v1/jobs/no-such-job"), 404, "not_found")


def test_cli_rebuild(app, make, redis_client):
    slug, ids = open_contest(app, pow_bits=0)
    assert cast(voter_api(app, make), slug, "c2", [ids["c2"][0]], with_proof=False).status_code == 201
    redis_client.flushdb()
    result = app.test_cli_runner().invoke(args=["counters", "rebuild", slug])
    assert result.exit_code == 0, result.output
    assert "1 counted ballot" in result.output
    board = organiser_api(app).get(f"/api/v1/contests/{slug}/leaderboard").get_json()
    assert board["categories"][1]["entries"][0] == {"entry_id": ids["c2"][0], "votes": 1}


def test_periodic_tick_books_upkeep_for_open_contests_and_the_next_tick(app, make, redis_client):
    from rq import Queue
    from rq.registry import ScheduledJobRegistry

    from voting.periodic import periodic_tick

    open_contest(app, pow_bits=0)
    with app.app_context():
        assert periodic_tick(300) == {"voting": 1, "final_sweeps": 0, "sealing": 0, "exports": 0, "publishing": 0}
        assert Queue("counters", connection=redis_client).count == 1
        assert Queue("fraud", connection=redis_client).count == 1
        scheduled = ScheduledJobRegistry("default", connection=redis_client).get_job_ids()
        assert len(scheduled) == 1 and scheduled[0].startswith("voting-tick-")
        periodic_tick(300)  # a second worker's tick books the same slot, not another
        assert len(ScheduledJobRegistry("default", connection=redis_client).get_job_ids()) == 1
