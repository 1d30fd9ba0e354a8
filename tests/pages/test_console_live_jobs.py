"""Long jobs' pages (voting/organiser/jobs.py): the buttons that start a job
lead to its page, which shows its status and stage, then its outcome with a
link to what it made, or its error; each job reports its stages. Jobs run in
a real RQ worker on the real Redis; a job caught mid-run is put in the state
a worker gives it (RQ's own status, voting.queues.mark_progress)."""

from __future__ import annotations

import html as html_lib
import re

from rq import Queue
from rq.job import Job, JobStatus
from sqlalchemy import select

from voting import queues
from voting.contests.models import Contest
from voting.extensions import db
from voting.fraud import jobs as fraud_jobs
from voting.ledger import jobs as ledger_jobs
from voting.results import jobs as result_jobs
from voting.worker import run_worker

from tests.pages.support import page, sign_in, submit
from tests.pages.test_page_quality import check_page
from tests.support.api import Api
from tests.support.factories import PASSWORD
from tests.support.results import add_ballots, close_voting
from tests.support.voting import open_contest

ORGANISER = "organiser@example.org"


def contest_id(app, slug: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(Contest.id).where(Contest.slug == slug))
        db.session.remove()
    return found


def boss(app):
    client = app.test_client()
    sign_in(client, ORGANISER)
    return client


def job_url(job_id: str) -> str:
    return f"/organiser/jobs/{job_id}"


def details(app, job_id: str) -> dict:
    with app.app_context():
        return queues.job_details(job_id)


def run(app, *names: str) -> None:
    with app.app_context():
        run_worker(list(names), burst=True)


def region(html: str) -> str:
    """The text of the page's live region (what jobs.js swaps in)."""
    block = html.split('id="job-state"', 1)[1].split("</div>\n<p><a", 1)[0]
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", block.split(">", 1)[1])).split())


def test_the_rebuild_leads_to_its_page_which_follows_it_to_the_end(app, make):
    slug, ids = open_contest(app, pow_bits=0)
    add_ballots(app, slug, "c1", [ids["c1"][0]], 2)
    organiser = boss(app)
    leaderboard = f"/organiser/contests/{slug}/leaderboard"
    resp = submit(organiser, leaderboard, f"/organiser/contests/{slug}/counters/rebuild")
    job_id = f"rebuild-counters-{contest_id(app, slug)}"
    assert resp.status_code == 303 and resp.headers["Location"] == job_url(job_id)

    resp = organiser.get(job_url(job_id))
    check_page(resp)
    doc, html = page(resp), resp.get_data(as_text=True)
    assert doc.headings[0] == (1, "Rebuild of the live counters: WSIS Prizes (test)")
    assert "The counters are being rebuilt from the ballots (job rebuild-counters-" in doc.text  # the flash
    assert "Status Waiting to start" in region(html)
    assert doc.find("a", href=job_url(job_id)) and "Check again" in doc.text
    assert not doc.find("meta", **{"http_equiv": "refresh"}) and "refresh" not in html.lower()
    live = doc.find("div", id="job-state")[0]
    assert live["role"] == "status" and live["aria-live"] == "polite" and live["data-status"] == "queued"
    assert live["data-status-url"] == f"/api/v1/jobs/{job_id}"
    assert doc.find("script", src="/static/jobs.js")
    # What jobs.js polls answers the organiser.
    api = Api(app.test_client())
    api.login(ORGANISER, PASSWORD)
    assert api.get(f"/api/v1/jobs/{job_id}").get_json() == {"status": "queued"}

    run(app, "counters")
    resp = organiser.get(job_url(job_id))
    check_page(resp)
    doc = page(resp)
    text = region(resp.get_data(as_text=True))
    assert "Status Done" in text and "The live counters hold 2 counted ballots." in text
    assert doc.find("a", href=f"/organiser/contests/{slug}") and "See the live view" in text
    assert "Check again" not in text and doc.find("div", id="job-state")[0]["data-status"] == "finished"
    assert details(app, job_id)["stages"] == ["recounting"]


def test_a_running_job_shows_its_stage_its_step_and_how_far(app, make, redis_client):
    slug, ids = open_contest(app, pow_bits=0)
    cid = contest_id(app, slug)
    with app.app_context():
        seal = ledger_jobs.enqueue_seal(cid)
        tally = result_jobs.enqueue_tally(cid, True, None)
    for job, stage, amount in ((seal, "sealing", (3, 10)), (tally, "counting", (None, None))):
        found = Job.fetch(job.id, connection=redis_client)
        found.set_status(JobStatus.STARTED)
        queues.mark_progress(found, stage, *amount)
    organiser = boss(app)
    resp = organiser.get(job_url(seal.id))
    check_page(resp)
    text = region(resp.get_data(as_text=True))
    assert "Status Running" in text and "Stage Sealing the ballots into the ledger (ballots: 3 of 10)" in text
    assert "Check again" in text
    text = region(organiser.get(job_url(tally.id)).get_data(as_text=True))
    assert "Stage Counting the ballots and the jury's scores (Step 2 of 3)" in text  # a preview has 3 steps
    api = Api(app.test_client())
    api.login(ORGANISER, PASSWORD)
    assert api.get(f"/api/v1/jobs/{tally.id}").get_json() == {"status": "started", "progress": "counting"}
    # The counts are in the API's answer and on the block jobs.js compares, so that the page follows them.
    assert api.get(f"/api/v1/jobs/{seal.id}").get_json() == {"status": "started", "progress": "sealing", "done": 3,
                                                            "total": 10}
    block = page(organiser.get(job_url(seal.id))).find("div", id="job-state")[0]
    assert (block["data-progress"], block["data-done"], block["data-total"]) == ("sealing", "3", "10")
    queues.mark_progress(Job.fetch(seal.id, connection=redis_client), "sealing", 7, 10)
    assert api.get(f"/api/v1/jobs/{seal.id}").get_json()["done"] == 7
    assert "(ballots: 7 of 10)" in region(organiser.get(job_url(seal.id)).get_data(as_text=True))
    # The live view lists both, running, with their stage.
    doc = page(organiser.get(f"/organiser/contests/{slug}"))
    assert doc.find("a", href=job_url(seal.id)) and doc.find("a", href=job_url(tally.id))
    assert "Ledger seal Running Sealing the ballots into the ledger (ballots: 7 of 10)" in doc.text


def test_the_sweep_and_tally_buttons_lead_to_their_jobs_which_report_their_stages(app, make):
    slug, ids = open_contest(app, pow_bits=0)
    add_ballots(app, slug, "c1", [ids["c1"][0]], 3)
    cid = contest_id(app, slug)
    organiser = boss(app)
    review = f"/organiser/contests/{slug}/review"
    resp = submit(organiser, review, f"{review}/sweep")
    assert resp.status_code == 303 and resp.headers["Location"] == job_url(f"fraud-sweep-{cid}-full")
    run(app, "fraud")
    assert details(app, f"fraud-sweep-{cid}-full")["stages"] == ["judging", "recounting"]
    resp = organiser.get(job_url(f"fraud-sweep-{cid}-full"))
    check_page(resp)
    text = region(resp.get_data(as_text=True))
    assert "Status Done" in text and "New clusters: 0; ballots held: 0; ballots flagged: 0." in text
    assert page(resp).find("a", href=review)

    draft = f"/contests/{slug}/results?draft=1"
    resp = submit(organiser, draft, f"/contests/{slug}/results/tally")
    assert resp.status_code == 303 and resp.headers["Location"] == job_url(f"tally-{cid}-preview")
    run(app, "tallies")
    assert details(app, f"tally-{cid}-preview")["stages"] == ["sealing", "counting", "storing"]
    resp = organiser.get(job_url(f"tally-{cid}-preview"))
    check_page(resp)
    assert "Tally 1 is stored." in region(resp.get_data(as_text=True))
    assert page(resp).find("a", href=draft)

    # The seal the tally made left nothing; three more ballots are sealed with their count as progress.
    add_ballots(app, slug, "c2", [ids["c2"][0]], 3)
    with app.app_context():
        seal = ledger_jobs.enqueue_seal(cid)
    run(app, "ledger")
    found = details(app, seal.id)
    assert found["stages"] == ["sealing"] and found["result"] == {"batches": 1, "ballots": 3}
    with app.app_context():
        meta = Job.fetch(seal.id, connection=queues.queue("ledger").connection).meta
    assert (meta["progress_done"], meta["progress_total"]) == (3, 3)
    text = region(organiser.get(job_url(seal.id)).get_data(as_text=True))
    assert "Batches sealed: 1; ballots sealed: 3." in text


def test_the_final_tally_and_the_export_report_their_stages(app, make, make_app, tmp_path):
    slug, ids = open_contest(app, pow_bits=0, awards={"policy": "public", "winners_per_category": 1})
    add_ballots(app, slug, "c1", [ids["c1"][0]], 2)
    close_voting(app, slug)
    cid = contest_id(app, slug)
    with app.app_context():
        final_sweep = fraud_jobs.enqueue_final_sweep(cid)
    run(app, "fraud")
    assert details(app, final_sweep.id)["stages"] == ["judging", "recounting"]
    with app.app_context():
        tally = result_jobs.enqueue_tally(cid, False, None)
    run(app, "tallies", "counters")
    assert details(app, tally.id)["stages"] == ["final sweep", "sealing", "counting", "storing"]

    store = make_app(upload_dir=str(tmp_path / "uploads"))
    with store.app_context():
        export = ledger_jobs.enqueue_export(cid)
        run_worker(["ledger"], burst=True)
    found = details(app, export.id)
    assert found["status"] == "finished" and found["stages"] == ["exporting"]
    text = region(boss(app).get(job_url(export.id)).get_data(as_text=True))
    assert "Ballots in the export: 2; batches: 1." in text


def test_a_failed_job_shows_its_error(app, make, make_app, tmp_path):
    slug, _ids = open_contest(app, pow_bits=0)
    close_voting(app, slug)
    cid = contest_id(app, slug)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the store's folder should be")
    broken = make_app(upload_dir=str(blocked))
    with broken.app_context():
        # Without RQ's retries (enqueue_once retries a failure three times, minutes apart).
        job = queues.queue("ledger").enqueue(ledger_jobs.export_ledger, cid, meta={"contest_id": cid})
        run_worker(["ledger"], burst=True)
    resp = boss(app).get(job_url(job.id))
    check_page(resp)
    text = region(resp.get_data(as_text=True))
    assert "Status Failed" in text and re.search(r"The job failed: \w+Error", text)
    assert "Check again" not in text

    # Through enqueue_once a failure is tried again later: the page says so while the job waits.
    with broken.app_context():
        job = ledger_jobs.enqueue_export(cid)
        run_worker(["ledger"], burst=True)
    text = region(boss(app).get(job_url(job.id)).get_data(as_text=True))
    assert "Status Waiting to start" in text
    assert "An attempt failed; the job will be tried again shortly (2 tries left)." in text


def test_who_may_see_a_job(app, client, make, redis_client):
    slug, _ids = open_contest(app, pow_bits=0)
    with app.app_context():
        job = ledger_jobs.enqueue_seal(contest_id(app, slug))
        nobodys = Queue("default", connection=redis_client).enqueue("voting.periodic.periodic_tick", 300)
    assert client.get(job_url(job.id)).status_code in (302, 303)  # signed out: the sign-in page
    make.organiser("other@example.org", manages=False)
    other = app.test_client()
    sign_in(other, "other@example.org")
    check_page(other.get(job_url(job.id)), 403)
    organiser = boss(app)
    check_page(organiser.get(job_url("no-such-job")), 404)
    check_page(organiser.get(job_url(nobodys.id)), 403)  # a job about no contest is nobody's here
    check_page(organiser.get(job_url(job.id)))


def test_without_redis_the_job_page_says_so(app, make, make_app):
    open_contest(app, pow_bits=0)
    resp = boss(make_app(redis_url="redis://127.0.0.1:1/0")).get(job_url("rebuild-counters-1"))
    check_page(resp, 503)
    doc = page(resp)
    assert "the job queue is unavailable" in doc.text and doc.find("a", href=job_url("rebuild-counters-1"))
