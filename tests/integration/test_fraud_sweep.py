"""The sweep with combined evidence: clusters with their strength, held and
flagged ballots, the sweeps' record, the final sweep at the close (the
periodic tick's, once; a final tally runs it first), on a real database and
Redis. The `country` rule (a policy rule: it holds alone) gives verdicts
that do not depend on the other rules' tuning; the contest's `fraud.rules`
turn it into a flag."""

from __future__ import annotations

from datetime import datetime, timezone

from rq import Queue
from sqlalchemy import func, select, update

from voting import clock
from voting.audit.models import AuditEntry
from voting.ballots.models import Ballot
from voting.contests.models import Contest
from voting.extensions import db
from voting.fraud import decisions, jobs, services
from voting.fraud.models import FraudCluster, FraudSweep, FraudVerdict
from voting.worker import run_worker

from tests.support.api import Api
from tests.support.factories import PASSWORD
from tests.support.results import add_ballots, close_voting, mark_published, run_tallies
from tests.support.voting import open_contest


def organiser(app) -> Api:
    api = Api(app.test_client())
    api.login("organiser@example.org", PASSWORD)
    return api


def contest_with_foreigners(app, mode: str = "hold", foreign: int = 3, local: int = 4):
    """Voters from CH (allowed) and TV (not) in c1; the country rule in `mode`."""
    slug, ids = open_contest(app, pow_bits=0)
    api = organiser(app)
    resp = api.patch(f"/api/v1/contests/{slug}", json={"fraud": {"countries": ["CH"], "rules": {"country": mode}}})
    assert resp.status_code == 200, resp.get_json()
    add_ballots(app, slug, "c1", [ids["c1"][0]], local, country="CH")
    add_ballots(app, slug, "c1", [ids["c1"][1]], foreign, country="TV")
    return slug, ids, api


def contest_id(slug: str) -> int:
    return db.session.scalar(select(Contest.id).where(Contest.slug == slug))


def by_country(app) -> dict[str, list[tuple[str, str | None]]]:
    from voting.accounts.models import User

    with app.app_context():
        rows = db.session.execute(select(User.country, Ballot.status, FraudVerdict.action)
                                  .join(User, User.id == Ballot.voter_id)
                                  .outerjoin(FraudVerdict, FraudVerdict.ballot_id == Ballot.id)
                                  .order_by(Ballot.id)).all()
        db.session.remove()
    found: dict[str, list] = {}
    for country, status, action in rows:
        found.setdefault(country, []).append((status, action))
    return found


def sweep(app, slug: str, final: bool = False) -> dict:
    with app.app_context():
        summary = services.sweep(contest_id(slug), clock.now(), final=final)
        db.session.remove()
    return summary


def set_mode(api: Api, slug: str, mode: str) -> None:
    assert api.patch(f"/api/v1/contests/{slug}", json={"fraud": {"rules": {"country": mode}}}).status_code == 200


def test_a_sweep_holds_by_verdict_files_clusters_with_strength_and_is_recorded(app):
    slug, ids, api = contest_with_foreigners(app)
    summary = sweep(app, slug)
    assert (summary["held"], summary["flagged"], summary["final"]) == (3, 0, False)
    found = by_country(app)
    assert found["TV"] == [("under_review", "hold")] * 3
    assert found["CH"] == [("counted", None)] * 4
    with app.app_context():
        assert set(db.session.scalars(select(Ballot.status_reason).where(Ballot.status == "under_review"))) == \
            {"country"}
        cluster = db.session.scalar(select(FraudCluster))
        assert (cluster.rule, cluster.key, cluster.status, cluster.strength) == ("country", "country:TV", "open", 1.0)
        record = db.session.scalar(select(FraudSweep))
        newest = db.session.scalar(select(func.max(Ballot.id)))
        assert (record.final, record.held, record.flagged, record.high_water_ballot_id) == (False, 3, 0, newest)
        assert record.finished_at >= record.started_at
        details = db.session.scalar(select(AuditEntry.details).where(AuditEntry.action == "fraud.sweep"))
        assert details["newly_held"] == 3 and details["final"] is False

    clusters = api.get(f"/api/v1/contests/{slug}/fraud/clusters").get_json()["clusters"]
    (only,) = clusters
    assert (only["kind"], only["strength"], only["status"]) == ("policy", 1.0, "open")
    assert {(b["verdict"], b["status"], b["decided_at"]) for b in only["ballots"]} == \
        {("held", "under_review", None)}
    assert all(b["score"] >= 1.0 for b in only["ballots"])

    again = sweep(app, slug)  # the same cluster, nothing new
    assert (again["held"], again["flagged"]) == (0, 0)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FraudCluster)) == 1
        assert db.session.scalar(select(func.count()).select_from(FraudSweep)) == 2


def test_flagged_ballots_stay_counted_and_a_hold_never_turns_back_into_a_flag(app):
    slug, ids, api = contest_with_foreigners(app, mode="flag")
    assert sweep(app, slug)["flagged"] == 3
    assert by_country(app)["TV"] == [("counted", "flag")] * 3
    status = api.get(f"/api/v1/contests/{slug}/fraud/status").get_json()
    assert (status["flagged"], status["under_review"], status["open_clusters"]) == (3, 0, 1)
    report = api.get(f"/api/v1/contests/{slug}/fraud/report").get_json()
    assert report["flagged"] == 3 and report["flagged_by_reason"] == {"country": 3}
    assert report["categories"][0]["flagged"] == 3 and report["categories"][1]["flagged"] == 0
    assert report["counted"] == 7  # flagged ballots are counted

    set_mode(api, slug, "hold")
    assert sweep(app, slug)["held"] == 3
    assert by_country(app)["TV"] == [("under_review", "hold")] * 3
    set_mode(api, slug, "flag")
    assert sweep(app, slug)["held"] == 0
    assert by_country(app)["TV"] == [("under_review", "hold")] * 3  # only an organiser ends a hold

    set_mode(api, slug, "off")
    summary = sweep(app, slug)
    assert summary["clusters"] == 0 and by_country(app)["TV"] == [("under_review", "hold")] * 3


def test_a_decided_ballot_is_not_held_again(app):
    slug, ids, api = contest_with_foreigners(app)
    sweep(app, slug)
    with app.app_context():
        first = db.session.scalar(select(Ballot.id).where(Ballot.status == "under_review").order_by(Ballot.id))
    assert api.post(f"/api/v1/contests/{slug}/fraud/ballots/decision", json={
        "ballot_ids": [first], "decision": "count", "reason": "A Swiss voter living abroad"}).status_code == 200
    assert sweep(app, slug)["held"] == 0
    with app.app_context():
        assert db.session.get(Ballot, first).status == "counted"


def test_a_cluster_decision_leaves_ballots_decided_one_by_one_alone(app):
    slug, ids, api = contest_with_foreigners(app, foreign=4)
    sweep(app, slug)
    with app.app_context():
        held = list(db.session.scalars(select(Ballot.id).where(Ballot.status == "under_review").order_by(Ballot.id)))
        cluster_id = db.session.scalar(select(FraudCluster.id))
    one, other = held[0], held[1]
    for ballot, decision in ((one, "invalidate"), (other, "count")):
        assert api.post(f"/api/v1/contests/{slug}/fraud/ballots/decision", json={
            "ballot_ids": [ballot], "decision": decision, "reason": "looked at it"}).status_code == 200

    resp = api.post(f"/api/v1/contests/{slug}/fraud/clusters/{cluster_id}/decision",
                    json={"decision": "count", "reason": "Diaspora voters"})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert (body["decided"], body["changed"]) == (2, 2)
    assert body["left_alone"] == [{"id": one, "status": "invalidated"}, {"id": other, "status": "counted"}]
    assert body["cluster"] == {"id": cluster_id, "status": "mixed"}
    with app.app_context():
        assert db.session.get(Ballot, one).status == "invalidated"  # not reversed by the cluster's "count"
        assert {db.session.get(Ballot, b).status for b in held[2:]} == {"counted"}
        entry = db.session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
        assert entry.details["ballots"] == held[2:] and entry.details["left_alone"] == [one, other]

    # Naming a ballot still decides it, whatever was decided before.
    resp = api.post(f"/api/v1/contests/{slug}/fraud/ballots/decision",
                    json={"ballot_ids": [one], "decision": "count", "reason": "Changed my mind"})
    assert resp.get_json()["changed"] == 1 and resp.get_json()["left_alone"] == []
    # A cluster with nothing left undecided: recorded, nothing changes.
    body = api.post(f"/api/v1/contests/{slug}/fraud/clusters/{cluster_id}/decision",
                    json={"decision": "invalidate", "reason": "Again"}).get_json()
    assert (body["decided"], body["changed"], len(body["left_alone"])) == (0, 0, 4)
    assert by_country(app)["TV"] == [("counted", "hold")] * 4


def test_flagged_ballots_can_be_confirmed_or_invalidated(app):
    slug, ids, api = contest_with_foreigners(app, mode="flag")
    sweep(app, slug)
    with app.app_context():
        cluster_id = db.session.scalar(select(FraudCluster.id))
        flagged = list(db.session.scalars(select(FraudVerdict.ballot_id).order_by(FraudVerdict.ballot_id)))
    body = api.post(f"/api/v1/contests/{slug}/fraud/ballots/decision", json={
        "ballot_ids": flagged[:1], "decision": "invalidate", "reason": "Not a voter of this contest"}).get_json()
    assert body["changed"] == 1
    body = api.post(f"/api/v1/contests/{slug}/fraud/clusters/{cluster_id}/decision",
                    json={"decision": "count", "reason": "Members abroad"}).get_json()
    assert (body["decided"], body["changed"]) == (2, 0)  # confirmed: they were counted already
    assert body["cluster"]["status"] == "mixed"
    status = api.get(f"/api/v1/contests/{slug}/fraud/status").get_json()
    assert (status["flagged"], status["invalidated"], status["open_clusters"]) == (0, 1, 0)


def test_the_final_sweep_judges_accounts_that_have_not_settled(app):
    slug, ids = open_contest(app, pow_bits=0)
    add_ballots(app, slug, "c1", [ids["c1"][0]], 10, fresh=True)  # seconds after sign-up, one entry, just now
    assert "instant_single_vote" not in {c["rule"] for c in _clusters(app, slug)}
    with app.app_context():
        assert services.needs_final_sweep(db.session.get(Contest, contest_id(slug)))
    close_voting(app, slug)
    with app.app_context():
        summary = services.ensure_final_sweep(contest_id(slug), clock.now())
        assert summary is not None and summary["final"] is True
        assert "instant_single_vote" in {c.rule for c in db.session.scalars(select(FraudCluster))}
        final = services.final_sweep(contest_id(slug))
        assert final.final and not services.needs_final_sweep(db.session.get(Contest, contest_id(slug)))
        assert services.ensure_final_sweep(contest_id(slug), clock.now()) is None  # once
        assert db.session.scalar(select(func.count()).select_from(FraudSweep).where(FraudSweep.final)) == 1
        db.session.remove()


def _clusters(app, slug):
    sweep(app, slug)
    return organiser(app).get(f"/api/v1/contests/{slug}/fraud/clusters").get_json()["clusters"]


def test_no_final_sweep_before_the_close_nor_once_published(app):
    slug, ids, api = contest_with_foreigners(app)
    with app.app_context():
        assert services.ensure_final_sweep(contest_id(slug), clock.now()) is None  # voting still open
    close_voting(app, slug)
    mark_published(app, slug)
    with app.app_context():
        assert services.ensure_final_sweep(contest_id(slug), clock.now()) is None
        assert services.sweep(contest_id(slug), clock.now())["skipped"]
        assert db.session.scalar(select(func.count()).select_from(FraudSweep)) == 0


def test_the_tick_books_the_final_sweep_once_voting_closes(app, redis_client):
    from voting.periodic import periodic_tick

    slug, ids, api = contest_with_foreigners(app)
    with app.app_context():
        cid = contest_id(slug)
        assert periodic_tick(300)["final_sweeps"] == 0  # open: a plain sweep
        assert Queue("fraud", connection=redis_client).job_ids == [f"fraud-sweep-{cid}"]
    Queue("fraud", connection=redis_client).empty()
    close_voting(app, slug, minutes_ago=60)
    with app.app_context():
        assert periodic_tick(300)["final_sweeps"] == 1
        assert periodic_tick(300)["final_sweeps"] == 1  # still waiting: the same job
        assert Queue("fraud", connection=redis_client).job_ids == [f"fraud-final-sweep-{cid}"]
        run_worker(["fraud"], burst=True)
        db.session.remove()
        assert services.final_sweep(cid) is not None
        assert periodic_tick(300)["final_sweeps"] == 0  # done: never again
        assert Queue("fraud", connection=redis_client).count == 0
        db.session.remove()
    assert by_country(app)["TV"] == [("under_review", "hold")] * 3
    assert api.get(f"/api/v1/contests/{slug}/fraud/status").get_json()["final_sweep_at"] is not None


def test_a_final_tally_runs_the_final_sweep_first(app, redis_client):
    slug, ids, api = contest_with_foreigners(app)
    close_voting(app, slug)
    resp = api.post(f"/api/v1/contests/{slug}/tally")
    assert resp.status_code == 202
    review = resp.get_json()["review"]
    assert review == {"last_sweep": None, "final_sweep_at": None, "under_review": 0, "flagged": 0,
                      "invalidated": 0, "open_clusters": 0}
    run_tallies(app)
    draft = api.get(f"/api/v1/contests/{slug}/results?draft=true").get_json()
    assert draft["votes"]["under_review"] == 3 and draft["votes"]["counted"] == 4
    c1 = {r["entry_id"]: r["public_votes"] for r in draft["categories"][0]["ranking"]}
    assert c1[ids["c1"][0]] == 4 and c1[ids["c1"][1]] == 0  # the held ballots are not counted
    status = api.get(f"/api/v1/contests/{slug}/fraud/status").get_json()
    assert status["final_sweep_at"] is not None and status["last_sweep"]["final"] is True
    assert status["under_review"] == 3 and status["open_clusters"] == 1

    body = api.post(f"/api/v1/contests/{slug}/tally").get_json()
    assert body["review"]["under_review"] == 3 and body["review"]["final_sweep_at"] == status["final_sweep_at"]
    run_tallies(app)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FraudSweep)) == 1  # not again


def test_a_preview_does_not_run_the_final_sweep(app, redis_client):
    slug, ids, api = contest_with_foreigners(app)
    assert api.post(f"/api/v1/contests/{slug}/tally?preview=true").status_code == 202
    run_tallies(app)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FraudSweep)) == 0


def test_after_the_close_the_sweep_button_runs_a_final_sweep(app, redis_client):
    slug, ids, api = contest_with_foreigners(app)
    close_voting(app, slug)
    job = api.post(f"/api/v1/contests/{slug}/fraud/sweep").get_json()["job_id"]
    assert job.endswith("-final")
    with app.app_context():
        run_worker(["fraud"], burst=True)
        db.session.remove()
    assert api.get(f"/api/v1/contests/{slug}/fraud/status").get_json()["last_sweep"]["final"] is True


def test_rules_the_code_no_longer_has_are_ignored(app):
    slug, ids, api = contest_with_foreigners(app)
    with app.app_context():
        contest = db.session.get(Contest, contest_id(slug))
        settings = dict(contest.settings)
        settings["fraud"] = {**settings["fraud"], "rules": {"retired_rule": "flag", "country": "hold"}}
        db.session.execute(update(Contest).where(Contest.id == contest.id).values(settings=settings))
        db.session.commit()
        db.session.remove()
    assert sweep(app, slug)["held"] == 3


def test_the_sweep_jobs(app, redis_client):
    slug, ids, api = contest_with_foreigners(app)
    with app.app_context():
        cid = contest_id(slug)
        assert jobs.fraud_sweep(cid)["held"] == 3
        close_voting(app, slug)
        assert jobs.fraud_final_sweep(cid)["final"] is True
        assert jobs.fraud_final_sweep(cid)["skipped"] is True
        db.session.remove()


def test_decisions_check_their_input_before_anything_changes(app):
    import pytest

    from voting.errors import ApiError

    slug, ids, api = contest_with_foreigners(app)
    sweep(app, slug)
    with app.app_context():
        contest = db.session.get(Contest, contest_id(slug))
        cluster = db.session.scalar(select(FraudCluster))
        from voting.accounts.models import User
        actor = db.session.scalar(select(User).where(User.email == "organiser@example.org"))
        for decision, reason in (("maybe", "x"), ("count", " "), ("count", "x" * 501)):
            with pytest.raises(ApiError):
                decisions.decide_cluster(contest, cluster, decision, reason, actor, datetime.now(timezone.utc))
        with pytest.raises(ApiError):
            decisions.decide(contest, [10**9], "count", "x", actor, datetime.now(timezone.utc))
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action.like("fraud.c%"))) == 0
        db.session.remove()


def test_a_held_accounts_other_ballots_join_the_cluster_that_found_it(app, monkeypatch):
    """evidence.combine holds a whole account; its ballots no finding names
    are filed with the cluster that found the account, so the review lists
    them there and deciding the cluster decides them."""
    from voting.fraud.domain.evidence import Assessment, Verdict
    from voting.fraud.domain.records import Finding

    slug, ids, api = contest_with_foreigners(app, foreign=1, local=1)
    from voting.contests.models import Category

    with app.app_context():  # the foreign voter's ballot in c1, and one in c2 no finding names
        found = db.session.scalar(select(Ballot).order_by(Ballot.id.desc()).limit(1))
        c2 = db.session.scalar(select(Category.id).where(Category.slug == "c2"))
        camouflage = Ballot(contest_id=found.contest_id, category_id=c2, voter_id=found.voter_id,
            receipt_hash="c" * 64, method=found.method, selection=[ids["c2"][0]], status="counted", flags=[],
            client_ip=found.client_ip, ip_prefix=found.ip_prefix, user_agent_hash=found.user_agent_hash,
            device_id="", cast_at=found.cast_at)
        db.session.add(camouflage)
        db.session.commit()
        found_id, camouflage_id = found.id, camouflage.id
        db.session.remove()
    held = Verdict("hold", 1.2, ("country",), "country")
    monkeypatch.setattr("voting.fraud.services.rules.assess", lambda *a, **k: Assessment(
        [Finding("country", "country:TV", frozenset({found_id}), {"country": "TV"}, 1.0)],
        {found_id: held, camouflage_id: held}))
    assert sweep(app, slug)["held"] == 2
    clusters = api.get(f"/api/v1/contests/{slug}/fraud/clusters").get_json()["clusters"]
    assert [sorted(b["id"] for b in c["ballots"]) for c in clusters] == [[found_id, camouflage_id]]
    assert sweep(app, slug)["held"] == 0  # filed once
    assert api.post(f"/api/v1/contests/{slug}/fraud/clusters/{clusters[0]['id']}/decision",
                    json={"decision": "invalidate", "reason": "one account, one farm"}).get_json()["decided"] == 2
