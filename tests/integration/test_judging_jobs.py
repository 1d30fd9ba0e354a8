"""The judging reminders through RQ: queued once per contest and day, run by
a real worker against the real Redis, mailing only active judges with
entries left, and nobody twice in a day however often the job runs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from rq import Queue
from rq.job import Job
from sqlalchemy import select, update

from judging import assignments, jobs, judges, scoring
from judging.models import Judge
from tests.support.factories import iso
from voting import clock
from voting.accounts.models import User
from voting.contests import entries, services
from voting.contests.models import Contest
from voting.extensions import db
from voting.worker import run_worker

SLUG = "ageing-better"
JUDGES = ("ann@example.org", "ben@example.org", "cat@example.org", "dan@example.org")


def window(start_days: float, end_days: float) -> dict:
    now = datetime.now(timezone.utc)
    return {"opens_at": iso(now + timedelta(days=start_days)), "closes_at": iso(now + timedelta(days=end_days))}


@pytest.fixture
def contest_id(app, make) -> int:
    """Two entries, four judges who each have both: Ann submitted both, Ben
    has a draft, Cat has not started, Dan no longer judges (inactive)."""
    boss = make.organiser("boss@example.org")
    made = make.contest(slug=SLUG, kind="hackathon", title="Ageing Better with ICTs",
                        categories=[{"slug": "frailty", "title": "Frailty"}],
                        phases={"submission": window(-20, -10), "judging": window(-1, 5)},
                        judging={"criteria": [{"key": "overall", "label": "Overall"}], "judges_per_entry": 4})
    for email in JUDGES:
        make.user(email)
    with app.test_request_context():  # as the organiser's request would (adding a judge mails them)
        contest = services.get_contest(SLUG)
        actor = db.session.get(User, boss.id)
        ids = [entries.add_entry(contest, {"category": "frailty", "title": title}, actor, clock.now()).id
               for title in ("Walk", "Grip")]
        for email in JUDGES:
            judges.add_judge(contest, email, email.split("@")[0], None, None, None, actor, clock.now())
        assert assignments.plan(contest, actor, clock.now())["shortages"] == []
        users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(JUDGES)))}
        for entry_id in ids:
            scoring.save(contest, entry_id, users["ann@example.org"], {"overall": 7}, "", False, True, clock.now())
        scoring.save(contest, ids[0], users["ben@example.org"], {"overall": 5}, "", False, False, clock.now())
        db.session.execute(update(Judge).where(Judge.user_id == users["dan@example.org"].id).values(active=False))
        db.session.commit()
        db.session.remove()
    return made.id


def reminders(mailbox) -> dict[str, list]:
    return {email: [m for m in mailbox.messages(email) if m["Subject"].startswith("Entries of")] for email in JUDGES}


def counts(mailbox) -> list[int]:
    return [len(found) for found in reminders(mailbox).values()]


def test_the_job_is_queued_once_per_contest_and_day(app, contest_id, redis_client):
    with app.app_context():
        first = jobs.enqueue_reminders(contest_id)
        again = jobs.enqueue_reminders(contest_id)
    assert first.id == again.id == f"judging-reminders-{contest_id}-{clock.now().date().isoformat()}"
    assert Queue("default", connection=redis_client).count == 1
    assert first.meta == {"contest_id": contest_id}  # so that its organisers may read its status


def test_a_worker_mails_only_active_judges_with_work_left_and_nobody_twice(app, contest_id, mailbox,
                                                                          redis_client):
    with app.app_context():
        job = jobs.enqueue_reminders(contest_id)
        run_worker(["default"], burst=True)
    assert counts(mailbox) == [0, 1, 1, 0]
    done = Job.fetch(job.id, connection=redis_client)
    assert done.get_status() == "finished"
    assert done.return_value() == {"contest_id": contest_id, "day": clock.now().date().isoformat(), "mailed": 2,
                                   "already": 0, "failed": 0}
    ben = reminders(mailbox)["ben@example.org"][0].get_body(("plain",)).get_content()
    assert "Hello ben," in ben and "Ageing Better with ICTs" in ben
    assert "- 1 not started yet" in ben and "- 1 saved as a draft but not submitted" in ben
    assert "Judging closes on " in ben and "http://localhost/judging/" in ben
    cat = reminders(mailbox)["cat@example.org"][0].get_body(("plain",)).get_content()
    assert "- 2 not started yet" in cat and "draft" not in cat.split("A draft")[0]

    # Queued and run again the same day (the first job has finished): nobody is mailed twice.
    with app.app_context():
        second = jobs.enqueue_reminders(contest_id)
        run_worker(["default"], burst=True)
        assert second.id == job.id
        assert Job.fetch(job.id, connection=redis_client).return_value()["already"] == 2
        # The function run twice by hand, as a retry would: the same.
        assert jobs.mail_reminders(contest_id, clock.now().date().isoformat())["mailed"] == 0
    assert counts(mailbox) == [0, 1, 1, 0]

    # Another day, another reminder.
    with app.app_context():
        assert jobs.mail_reminders(contest_id, "2099-01-01")["mailed"] == 2
    assert counts(mailbox) == [0, 2, 2, 0]


def test_a_failed_delivery_leaves_the_judge_for_the_next_try(app, contest_id, mailbox, monkeypatch):
    monkeypatch.setattr("judging.jobs.send_template", lambda *args, **kwargs: False)
    with app.app_context():
        assert jobs.mail_reminders(contest_id, "2099-01-01")["failed"] == 2
    monkeypatch.undo()
    with app.app_context():
        assert jobs.mail_reminders(contest_id, "2099-01-01")["mailed"] == 2
    assert counts(mailbox) == [0, 1, 1, 0]


def test_nobody_is_reminded_when_judging_is_closed_or_has_not_begun(app, make, contest_id, mailbox):
    other = make.contest(slug="no-round-yet")
    with app.app_context():
        db.session.execute(update(Contest).where(Contest.id == contest_id)
                           .values(judging_closes_at=clock.now() - timedelta(seconds=1)))
        db.session.commit()
        assert jobs.mail_reminders(contest_id, "2099-01-01")["skipped"] == "judging is not open"
        assert jobs.mail_reminders(other.id, "2099-01-01")["skipped"] == "no judging round"
        assert jobs.mail_reminders(10**6, "2099-01-01")["skipped"] == "no judging round"
    assert counts(mailbox) == [0, 0, 0, 0]


def test_the_claims_live_at_the_key_redis_keys_names(app, contest_id, mailbox, redis_client):
    from voting import redis_keys

    with app.app_context():
        judges_by_mail = {u.email: u.id for u in db.session.scalars(select(User).where(User.email.in_(JUDGES)))}
        assert jobs.mail_reminders(contest_id, "2099-01-01")["mailed"] == 2
    key = redis_keys.judging_reminded(contest_id, "2099-01-01")
    assert key.startswith(redis_keys.contest_tag(contest_id))  # in the contest's cluster slot
    assert {int(m) for m in redis_client.smembers(key)} == {judges_by_mail["ben@example.org"],
                                                            judges_by_mail["cat@example.org"]}
    assert 0 < redis_client.ttl(key) <= jobs.CLAIM_TTL_SECONDS
