"""The organiser's review pages, used the way a browser would: the queue of
clusters and held ballots, a cluster's page and its two decision forms, the
sweep button, the audit log and the invalidation report."""

from __future__ import annotations

import re

import redis
from rq import Queue
from sqlalchemy import insert, select, update

from tests.pages.support import page, sign_in, submit
from tests.pages.test_page_quality import check_page
from tests.support.voting import cast, open_contest, voter_api
from voting import clock
from voting.audit.models import AuditEntry
from voting.accounts.models import User
from voting.audit import services as audit
from voting.ballots.models import Ballot
from voting.contests.models import Category, Contest
from voting.extensions import db
from voting.fraud.models import FraudCluster, FraudClusterBallot

ORGANISER = "organiser@example.org"
SLUG = "wsis-prizes-test"
QUEUE = f"/organiser/contests/{SLUG}/review"
HELD_DECISION = f"/organiser/contests/{SLUG}/review/ballots/decision"


def cluster_url(cluster_id: int) -> str:
    return f"{QUEUE}/clusters/{cluster_id}"


def statuses(app) -> dict[int, str]:
    with app.app_context():
        found = dict(db.session.execute(select(Ballot.id, Ballot.status)).all())
        db.session.remove()
    return found


def audit_count(app) -> int:
    with app.app_context():
        # Decisions only: creating the contest and its entries is audited too.
        n = len(db.session.scalars(select(AuditEntry.id).where(AuditEntry.action.like("fraud.%"))).all())
        db.session.remove()
    return n


def make_cluster(app, ballot_ids: list[int], rule: str = "burst", key: str = "entry-1") -> int:
    """A cluster as a sweep would file it (rules are not needed): the rows, and
    its ballots held under review with the rule as their reason."""
    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.slug == SLUG))
        cluster = FraudCluster(contest_id=contest.id, rule=rule, key=key, found_at=clock.now(),
                               evidence={"ballots": len(ballot_ids), "window_seconds": 60,
                                         "top_prefixes": [["203.0.113.0/24", len(ballot_ids)]]})
        db.session.add(cluster)
        db.session.flush()
        db.session.add_all(FraudClusterBallot(cluster_id=cluster.id, ballot_id=b) for b in ballot_ids)
        db.session.execute(update(Ballot).where(Ballot.id.in_(ballot_ids))
                           .values(status="under_review", status_reason=rule))
        db.session.commit()
        cluster_id = cluster.id
        db.session.remove()
    return cluster_id


def setup_review(app, make, client=None):
    """Three honest ballots (two of them in a burst cluster), two honeypot
    ballots the intake held; the organiser signed in on `client`."""
    slug, ids = open_contest(app, pow_bits=0)
    for n in range(3):
        assert cast(voter_api(app, make, f"honest{n}@example.org"), slug, "c1", [ids["c1"][0]],
                    with_proof=False).status_code == 201
    for n in range(2):
        assert cast(voter_api(app, make, f"bot{n}@example.org"), slug, "c1", [ids["c1"][1]], with_proof=False,
                    form={"website": "http://spam.example"}).status_code == 201
    found = statuses(app)
    held = sorted(b for b, s in found.items() if s == "under_review")
    counted = sorted(b for b, s in found.items() if s == "counted")
    cluster_id = make_cluster(app, counted[:2])
    if client is not None:
        sign_in(client, ORGANISER)
    return {"cluster": cluster_id, "in_cluster": counted[:2], "honest": counted[2], "held": held}


def checkbox_values(doc, prefix: str) -> set[int]:
    return {int(a["value"]) for a in doc.find("input", type="checkbox") if a["id"].startswith(prefix)}


def test_review_pages_are_for_organisers(app, client, make):
    state = setup_review(app, make)
    pages = (QUEUE, cluster_url(state["cluster"]), f"/organiser/contests/{SLUG}/audit",
             f"/organiser/contests/{SLUG}/report")
    for url in pages:
        resp = client.get(url)
        assert resp.status_code == 302 and resp.headers["Location"].startswith("/login?next=")
    sign_in(client, "honest0@example.org")
    for url in pages:
        assert client.get(url).status_code == 403
    token = page(client.get("/")).forms[0]["fields"]["csrf_token"]  # the sign-out form's
    for action in (f"{QUEUE}/sweep", HELD_DECISION, f"{cluster_url(state['cluster'])}/decision"):
        resp = client.post(action, data={"csrf_token": token, "decision": "invalidate", "reason": "x",
                                         "ballot_ids": state["held"]})
        assert resp.status_code == 403
    assert statuses(app)[state["held"][0]] == "under_review"


def test_the_queue_shows_the_summary_clusters_and_held_ballots(app, client, make):
    state = setup_review(app, make, client)
    resp = client.get(QUEUE)
    check_page(resp)
    doc = page(resp)
    assert "Counted 1 Under review 4 Invalidated 0" in doc.text
    assert "Honeypot filled</abbr>: 2" in doc.html and "Burst</abbr>: 2" in doc.html
    assert doc.form(f"{QUEUE}/sweep")
    assert (3, f"Cluster {state['cluster']}: Burst") in doc.headings
    assert doc.find("a", href=cluster_url(state["cluster"]))
    assert "Far more ballots for one entry" in doc.text  # what the rule means
    assert "top prefixes 203.0.113.0/24: 2" in doc.text  # the evidence
    assert (2, "Held by the intake checks (2)") in doc.headings
    assert checkbox_values(doc, "held-") == set(state["held"])  # clustered ballots are not repeated
    form = doc.form(HELD_DECISION)
    assert {"csrf_token", "decision", "reason", "ballot_ids"} <= set(form["fields"])


def test_open_clusters_come_first(app, client, make):
    state = setup_review(app, make, client)
    assert submit(client, cluster_url(state["cluster"]), f"{cluster_url(state['cluster'])}/decision",
                  decision="count", reason="A school's class voted together").status_code == 303
    second = make_cluster(app, [state["honest"]], rule="shared_device", key="device-1")
    headings = [title for level, title in page(client.get(QUEUE)).headings if level == 3]
    assert headings.index(f"Cluster {second}: Shared device") < headings.index(f"Cluster {state['cluster']}: Burst")


def test_invalidating_a_cluster_is_audited_and_reported(app, client, make):
    state = setup_review(app, make, client)
    url = cluster_url(state["cluster"])
    doc = page(client.get(url))
    assert checkbox_values(doc, "ballots-") == set(state["in_cluster"])
    assert "window seconds 60" in doc.text

    resp = submit(client, url, f"{url}/decision", decision="invalidate", reason="One script, one network")
    assert resp.status_code == 303 and resp.headers["Location"] == url
    found = statuses(app)
    assert [found[b] for b in state["in_cluster"]] == ["invalidated", "invalidated"]
    assert found[state["honest"]] == "counted" and {found[b] for b in state["held"]} == {"under_review"}
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()))
        full_hash, action = entry.hash, entry.action
        db.session.remove()
    text = page(client.get(url)).text
    assert "2 ballots changed status (2 decided)." in text and full_hash in text
    assert "Partly counted" not in text and "Status Invalidated" in text

    resp = client.get(f"/organiser/contests/{SLUG}/audit")
    check_page(resp)
    doc = page(resp)
    assert re.search(r"Chain intact: all \d+ entries match their hashes\.", doc.text), doc.text
    assert "Ballots invalidated" in doc.text and "reason One script, one network" in doc.text
    assert f"cluster {state['cluster']} (burst)" in doc.text and "<organiser@example.org>" in doc.text
    (abbr,) = doc.find("abbr", title=full_hash)
    assert f"{full_hash[:12]}…" in doc.text and action == "fraud.invalidate"  # the newest entry

    resp = client.get(f"/organiser/contests/{SLUG}/report")
    check_page(resp)
    doc = page(resp)
    row = doc.html[doc.html.index("<tbody>"):doc.html.index("</tbody>")]
    assert ">1</td>" in row and ">2</td>" in row  # c1: 1 counted, 2 under review, 2 invalidated
    assert "Burst</abbr>: 2" in row and "Honeypot filled</abbr>: 2" in row
    assert "Far more ballots for one entry" in doc.text  # the reasons spelled out


def test_a_missing_reason_is_refused_next_to_the_field(app, client, make):
    state = setup_review(app, make, client)
    url = cluster_url(state["cluster"])
    resp = submit(client, url, f"{url}/decision", decision="invalidate", reason="   ")
    check_page(resp, 422)
    doc = page(resp)
    (textarea,) = doc.find("textarea", id="cluster-reason")
    assert textarea["aria-invalid"] == "true" and "cluster-reason-error" in textarea["aria-describedby"]
    error = doc.html[doc.html.index('id="cluster-reason-error"'):]
    assert "is required: say why, for the audit log" in error[:300]
    assert doc.find("a", href="#cluster-reason")  # the summary links to the field
    assert doc.find("input", id="cluster-invalidate", checked="")  # the choice is kept
    assert not doc.find("textarea", id="ballots-reason", **{"aria-invalid": "true"})
    assert {statuses(app)[b] for b in state["in_cluster"]} == {"under_review"}
    assert audit_count(app) == 0

    resp = submit(client, url, f"{url}/decision", decision="maybe", reason="Looks fine")
    assert resp.status_code == 422
    assert "must be count or invalidate" in page(resp).text and audit_count(app) == 0


def test_deciding_checked_ballots_changes_only_those(app, client, make):
    state = setup_review(app, make, client)
    url = cluster_url(state["cluster"])
    first, second = state["in_cluster"]
    resp = submit(client, url, HELD_DECISION, decision="count", reason="A real voter", ballot_ids=[first])
    assert resp.status_code == 303 and resp.headers["Location"] == url
    found = statuses(app)
    assert (found[first], found[second]) == ("counted", "under_review")
    assert "1 ballot changed status (1 decided)." in page(client.get(url)).text

    bot = state["held"][0]
    resp = submit(client, QUEUE, HELD_DECISION, decision="invalidate", reason="Honeypot", ballot_ids=[bot])
    assert resp.status_code == 303 and resp.headers["Location"].startswith(QUEUE)
    found = statuses(app)
    assert found[bot] == "invalidated" and found[state["held"][1]] == "under_review"
    assert checkbox_values(page(client.get(QUEUE)), "held-") == {state["held"][1]}


def test_checked_ballots_are_checked_against_the_contest(app, client, make):
    state = setup_review(app, make, client)
    resp = submit(client, QUEUE, HELD_DECISION, decision="invalidate", reason="Bots",
                  ballot_ids=[state["held"][0], 999999])
    check_page(resp, 422)
    doc = page(resp)
    assert "names ballots that are not in this contest" in doc.text
    assert doc.find("fieldset", id="held-ballots", **{"aria-describedby": "held-ballots-error"})
    assert doc.find("input", id=f"held-ballot-{state['held'][0]}", checked="")  # still checked
    resp = submit(client, QUEUE, HELD_DECISION, decision="invalidate", reason="Bots", ballot_ids=[])
    assert resp.status_code == 422 and "Check at least one ballot." in page(resp).text
    assert {statuses(app)[b] for b in state["held"]} == {"under_review"} and audit_count(app) == 0


def test_unknown_clusters_are_404(app, client, make):
    state = setup_review(app, make, client)
    assert client.get(cluster_url(state["cluster"] + 1000)).status_code == 404
    assert client.get(f"/organiser/contests/missing/review/clusters/{state['cluster']}").status_code == 404


def test_the_sweep_button_enqueues_a_job(app, client, make, redis_client):
    setup_review(app, make, client)
    resp = submit(client, QUEUE, f"{QUEUE}/sweep")
    assert resp.status_code == 303 and re.fullmatch(r"/organiser/jobs/fraud-sweep-\d+-full", resp.headers["Location"])
    assert Queue("fraud", connection=redis_client).count == 1
    doc = page(client.get(resp.headers["Location"]))  # the sweep's job page
    assert "A fraud sweep is queued (job fraud-sweep-" in doc.text and doc.find("a", href=QUEUE)


def test_without_redis_the_sweep_is_not_queued_and_decisions_stand(app, client, make, monkeypatch):
    state = setup_review(app, make, client)

    def unreachable(contest_id, **_):
        raise redis.ConnectionError("down")

    monkeypatch.setattr("voting.fraud.jobs.enqueue_sweep", unreachable)
    monkeypatch.setattr("voting.ballots.jobs.enqueue_rebuild", unreachable)
    assert submit(client, QUEUE, f"{QUEUE}/sweep").status_code == 303
    assert "The sweep could not be queued" in page(client.get(QUEUE)).text

    url = cluster_url(state["cluster"])
    assert submit(client, url, f"{url}/decision", decision="invalidate", reason="Bots").status_code == 303
    assert {statuses(app)[b] for b in state["in_cluster"]} == {"invalidated"}
    text = page(client.get(url)).text
    assert "2 ballots changed status" in text and "catch up at the next scheduled repair" in text


def test_after_publication_decisions_are_refused(app, client, make):
    state = setup_review(app, make, client)
    url = cluster_url(state["cluster"])
    cluster_form, ballots_form = page(client.get(url)).form(f"{url}/decision"), page(client.get(url)).form(
        HELD_DECISION)
    queue_form = page(client.get(QUEUE)).form(HELD_DECISION)
    with app.app_context():
        db.session.execute(update(Contest).where(Contest.slug == SLUG).values(published_at=clock.now()))
        db.session.commit()
        db.session.remove()
    published = "The results are published; their ballots can no longer change."
    sent = {"decision": "invalidate", "reason": "Too late"}
    resp = client.post(cluster_form["action"], data={**cluster_form["fields"], **sent})
    check_page(resp, 409)
    assert published in page(resp).text
    resp = client.post(ballots_form["action"], data={**ballots_form["fields"], **sent,
                                                     "ballot_ids": state["in_cluster"]})
    assert resp.status_code == 409 and published in page(resp).text
    resp = client.post(queue_form["action"], data={**queue_form["fields"], **sent, "ballot_ids": state["held"]})
    check_page(resp, 409)
    assert published in page(resp).text
    assert set(statuses(app).values()) == {"counted", "under_review"} and audit_count(app) == 0


def test_long_lists_are_paged(app, client, make):
    setup_review(app, make, client)
    for n in range(30):
        make_cluster(app, [], rule="country", key=f"country-{n}")
    doc = page(client.get(QUEUE))
    assert "Page 1 of 2" in doc.text and doc.find("a", rel="next")
    doc = page(client.get(doc.find("a", rel="next")[0]["href"]))
    assert "Page 2 of 2" in doc.text and doc.find("a", rel="prev")


def test_the_dashboard_links_to_the_review_pages(app, client, make):
    setup_review(app, make, client)
    resp = client.get("/organiser/")
    check_page(resp)
    doc = page(resp)
    for path in ("review", "audit", "report"):
        assert doc.find("a", href=f"/organiser/contests/{SLUG}/{path}")


def test_the_review_pages_pass_the_page_checks(app, client, make):
    state = setup_review(app, make, client)
    for url in (QUEUE, cluster_url(state["cluster"]), f"/organiser/contests/{SLUG}/audit",
                f"/organiser/contests/{SLUG}/report"):
        check_page(client.get(url))
    url = cluster_url(state["cluster"])
    check_page(submit(client, url, HELD_DECISION, decision="", reason="", ballot_ids=[]), 422)


def add_held_ballots(app, n: int) -> list[int]:
    """`n` honeypot ballots straight into the tables (the intake would take a
    minute for this many), with IPv6 prefixes, the longest there are."""
    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.slug == SLUG))
        category = db.session.scalar(select(Category).where(Category.contest_id == contest.id))
        first = (db.session.scalar(select(User.id).order_by(User.id.desc()).limit(1)) or 0) + 1
        db.session.execute(insert(User), [{"id": first + i, "email": f"bulk{i}@example.org", "display_name": "bulk",
                                           "email_normalised": f"bulk{i}@example.org"} for i in range(n)])
        db.session.execute(insert(Ballot), [
            {"contest_id": contest.id, "category_id": category.id, "voter_id": first + i,
             "receipt_hash": f"{first + i:064x}", "method": "single", "selection": [1], "status": "under_review",
             "status_reason": "honeypot", "flags": ["honeypot"], "client_ip": "2001:db8:85a3:8d3:1319:8a2e:370:7348",
             "ip_prefix": "2001:db8:85a3:8d3::/64", "user_agent_hash": "0" * 64, "device_id": "d" * 64,
             "cast_at": clock.now()} for i in range(n)])
        db.session.commit()
        ids = list(db.session.scalars(select(Ballot.id).where(Ballot.voter_id >= first)))
        db.session.remove()
    return ids


def test_big_lists_stay_under_the_page_budget(app, client, make):
    """A page of each long list at its fullest still weighs under 100 KB."""
    setup_review(app, make, client)
    big = add_held_ballots(app, 300)
    cluster_id = make_cluster(app, big[:150], rule="shared_prefix", key="big")
    evidence = {"prefix": "2001:db8:85a3:8d3::/64", "entry": 123456, "voters": 150, "share_of_prefix": 0.97,
                "span": {"first": "2021-05-18T12:00:00+00:00", "last": "2021-05-18T12:09:59+00:00"},
                "top_user_agents": [[f"{i:064x}", 30 - i] for i in range(5)],
                "top_devices": [[f"{i:064x}", 30 - i] for i in range(5)]}
    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.slug == SLUG))
        db.session.execute(update(FraudCluster).values(evidence=evidence))
        for n in range(40):
            db.session.add(FraudCluster(contest_id=contest.id, rule="scripted_cadence", key=f"k{n}",
                                        evidence=evidence, found_at=clock.now()))
        for n in range(60):
            audit.append(contest, None, "fraud.sweep", "contest " + SLUG,
                         {"reason": "r" * 500, "ballots": big, "ballots_by_rule": {"burst": 10}}, clock.now())
        db.session.commit()
        db.session.remove()
    for url in (QUEUE, f"{QUEUE}?page=2&held=2", cluster_url(cluster_id), f"/organiser/contests/{SLUG}/audit",
                f"/organiser/contests/{SLUG}/report"):
        check_page(client.get(url))
    check_page(submit(client, QUEUE, HELD_DECISION, decision="invalidate", reason="", ballot_ids=big[150:250]), 422)


def add_verdicts(app, verdicts: dict[int, tuple[str, float]], rule: str = "burst") -> None:
    """Verdicts as a sweep would record them, and a sweep that ran."""
    from voting.fraud.models import FraudSweep, FraudVerdict

    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.slug == SLUG))
        for ballot_id, (action, score) in verdicts.items():
            db.session.add(FraudVerdict(ballot_id=ballot_id, contest_id=contest.id, action=action, score=score,
                                        rules=[rule], reason=rule, updated_at=clock.now()))
        db.session.add(FraudSweep(contest_id=contest.id, final=False, started_at=clock.now(),
                                  finished_at=clock.now(), held=0, flagged=0))
        db.session.commit()
        db.session.remove()


def test_the_queue_shows_the_sweeps_and_flagged_ballots(app, client, make):
    state = setup_review(app, make, client)
    doc = page(client.get(QUEUE))
    assert "Last sweep None yet" in doc.text and "Final sweep At the close of voting" in doc.text
    assert "4 ballots are under review and will not be counted unless you count them." in doc.text
    flagged = make_cluster(app, [], rule="shared_device", key="device-9")
    with app.app_context():
        db.session.add(FraudClusterBallot(cluster_id=flagged, ballot_id=state["honest"]))
        db.session.execute(update(FraudCluster).where(FraudCluster.id == flagged).values(strength=0.45))
        db.session.commit()
        db.session.remove()
    add_verdicts(app, {state["honest"]: ("flag", 0.75)}, rule="shared_device")
    resp = client.get(QUEUE)
    check_page(resp)
    doc = page(resp)
    assert "Flagged, still counted 1" in doc.text
    assert "1 flagged ballot is counted; look at it and confirm or invalidate it." in doc.text
    assert "Shared device</abbr>: 1" in doc.html  # flagged, by reason
    assert "Last sweep None yet" not in doc.text
    card = doc.html[doc.html.index(f'id="cluster-{flagged}"'):]
    assert "Strength</dt> <dd>0.45" in card[:3000] and "Behaviour: what people do not do" in card[:3000]
    assert "Flagged, not decided</dt> <dd>1" in card[:3000]


def test_a_cluster_page_shows_each_ballots_verdict(app, client, make):
    state = setup_review(app, make, client)
    first, second = state["in_cluster"]
    add_verdicts(app, {first: ("hold", 1.2)})
    resp = client.get(cluster_url(state["cluster"]))
    check_page(resp)
    doc = page(resp)
    assert "Kind Volume: many ballots together; never holds alone" in doc.text and "Strength 1.00" in doc.text
    rows = doc.html[doc.html.index("<tbody>"):doc.html.index("</tbody>")]
    assert "<td>Held</td><td class=\"num\">1.20</td>" in rows
    assert "<td>None</td><td class=\"num\">–</td>" in rows  # the other: no verdict


def test_a_cluster_decision_leaves_ballots_decided_one_by_one_alone(app, client, make):
    state = setup_review(app, make, client)
    url = cluster_url(state["cluster"])
    first, second = state["in_cluster"]
    assert submit(client, url, HELD_DECISION, decision="count", reason="A real voter",
                  ballot_ids=[first]).status_code == 303
    resp = submit(client, url, f"{url}/decision", decision="invalidate", reason="The rest is a script")
    assert resp.status_code == 303
    found = statuses(app)
    assert (found[first], found[second]) == ("counted", "invalidated")
    text = page(client.get(url)).text
    assert "1 ballot changed status (1 decided)." in text
    assert "1 ballot an organiser had already decided on was left as it was" in text
    assert "Status Partly counted, partly invalidated" in text
