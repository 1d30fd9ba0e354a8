"""The tally and the ledger's recount count by the same rules (counting.py):
for every method, a contest with invalidated ballots, amendments and a
withdrawn entry is tallied by a real RQ worker and published, and then both
recounts agree with it: `tools/verify_ledger.py`, run as outsiders run it
against the app served on a local port (the ledger's pages, the static export,
the results and snapshot, the organisers' audit log), and
`flask --app voting ledger verify`. A result whose numbers were changed fails
both."""

from __future__ import annotations

import contextlib
import copy
import json
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, update
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.support.api import Api
from tests.support.factories import PASSWORD
from tests.support.results import add_ballots, close_voting, run_tallies
from tests.support.voting import open_contest
from voting.accounts.models import User
from voting.audit import services as audit
from voting.ballots.models import Ballot
from voting.contests.models import Entry
from voting.contests.services import get_contest
from voting.extensions import db
from voting.fraud import decisions
from voting.ledger import amendments, export, sealing
from voting.ledger.cli import ledger as ledger_cli
from voting.results.models import ResultSnapshot

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "verify_ledger.py"


def profile(method: str, c1: list[int], c2: list[int]) -> list[tuple[str, object, int]]:
    """(category, selection, ballots); entry d of c1 is withdrawn after the vote."""
    a, b, c, d = c1
    x, y = c2[:2]
    return {
        "single": [("c1", [a], 5), ("c1", [b], 3), ("c1", [c], 3), ("c1", [d], 2), ("c2", [x], 2), ("c2", [y], 1)],
        "approval": [("c1", [a, b], 4), ("c1", [b], 2), ("c1", [a, c, d], 3), ("c1", [d], 1), ("c2", [x, y], 2)],
        "score": [("c1", {str(a): 5, str(b): 3}, 3), ("c1", {str(b): 4}, 2), ("c1", {str(c): 1, str(d): 5}, 2),
                  ("c1", {str(a): 0, str(d): 2}, 1), ("c2", {str(x): 2}, 2)],
        "ranked": [("c1", [a, b, c], 4), ("c1", [b, c, a], 3), ("c1", [c, b], 3), ("c1", [d, a], 2), ("c1", [d, c], 1),
                   ("c1", [b], 1), ("c2", [x, y], 2), ("c2", [y], 2)],
    }[method]


def organiser() -> User:
    return db.session.scalar(select(User).where(User.email == "organiser@example.org"))


def amend_one(app, slug: str, category: str, selection, to_status: str) -> None:
    """One sealed ballot of this selection decided as the app decides it (an organiser's review
    decision, or a fraud sweep's hold), recorded in the audit log and, as the ballot is sealed, as an
    amendment of the ledger."""
    with app.app_context():
        contest = get_contest(slug)
        ballot = next(b for b in db.session.scalars(
            select(Ballot).where(Ballot.contest_id == contest.id, Ballot.category_id == contest.category(category).id,
                                 Ballot.status != to_status).order_by(Ballot.id)) if b.selection == selection)
        now = datetime.now(timezone.utc)
        if to_status == "under_review":  # as voting/fraud/filing.py holds a ballot
            entry = audit.append(contest, None, "fraud.sweep", f"contest {slug}",
                                 {"ballots_by_rule": {"burst": 1}, "newly_held": 1}, now)
            made = amendments.amend(ballot, to_status, "held by the burst rule", "system: fraud sweep", entry.hash,
                                    now)
            ballot.status_reason = "burst"
            db.session.commit()
        else:
            decision = {"counted": "count", "invalidated": "invalidate"}[to_status]
            result = decisions.decide(contest, [ballot.id], decision, "review", organiser(), now)
            made = result["changed"] == 1 or None
        db.session.remove()
    assert made is not None


def published_contest(app, tmp_path, method: str, **voting) -> dict:
    """Ballots, a seal, amendments (one invalidated, one counted back, one held), later ballots, an entry
    withdrawn; voting closed, tallied by the worker, published; the API's answers written to files."""
    slug, ids = open_contest(app, method=method, pow_bits=0, entries_per_category=4,
                             awards={"policy": "public", "winners_per_category": 1,
                                     "tie_break": ["public_votes", "earliest_submission"]}, **voting)
    with app.app_context():  # c1's entries submitted in the reverse order of their ids: ties are not broken by id
        early = datetime(2021, 3, 1, tzinfo=timezone.utc)
        for n, entry_id in enumerate(reversed(ids["c1"])):
            db.session.execute(update(Entry).where(Entry.id == entry_id).values(created_at=early + timedelta(hours=n)))
        db.session.commit()
        db.session.remove()
    ballots = profile(method, ids["c1"], ids["c2"])
    for category, selection, n in ballots:
        add_ballots(app, slug, category, selection, n)
    first, second = ballots[0], ballots[1]
    add_ballots(app, slug, first[0], first[1], 2, status="invalidated", reason="burst",
                decided_by="organiser@example.org")
    with app.app_context():
        assert sealing.seal(get_contest(slug).id, datetime.now(timezone.utc)) is not None
        db.session.remove()
    amend_one(app, slug, first[0], first[1], "invalidated")   # a counted ballot found to be fraud
    amend_one(app, slug, first[0], first[1], "counted")       # an invalidated one counted back
    amend_one(app, slug, second[0], second[1], "under_review")  # held again: not counted
    add_ballots(app, slug, "c2", ballots[-1][1], 2)  # sealed by the tally itself
    with app.app_context():
        db.session.execute(update(Entry).where(Entry.id == ids["c1"][3]).values(status="rejected"))
        db.session.commit()
        db.session.remove()
    close_voting(app, slug)

    organiser = Api(app.test_client())
    organiser.login("organiser@example.org", PASSWORD)
    resp = organiser.post(f"/api/v1/contests/{slug}/tally")
    assert resp.status_code == 202, resp.get_json()
    run_tallies(app)
    assert organiser.get(f"/api/v1/jobs/{resp.get_json()['job_id']}").get_json() == {"status": "finished"}
    assert organiser.post(f"/api/v1/contests/{slug}/results/publish").status_code == 200
    with app.app_context():  # what the export job does once voting has closed
        export.write(get_contest(slug), datetime.now(timezone.utc))
        db.session.remove()
    anyone = Api(app.test_client())
    answers = {"ledger": anyone.get(f"/api/v1/contests/{slug}/ledger").get_json(),
               "results": anyone.get(f"/api/v1/contests/{slug}/results").get_json(),
               "audit": organiser.get(f"/api/v1/contests/{slug}/audit").get_json()}
    answers["snapshot"] = anyone.get(
        f"/api/v1/contests/{slug}/results/snapshots/{answers['results']['snapshot_sha256']}").get_json()
    for name, body in answers.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(body))
    return {"slug": slug, "ids": ids, "dir": tmp_path, **answers}


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):
        pass


@contextlib.contextmanager
def served(app):
    """The app on a free loopback port, one thread per request: the verifier follows the pages itself."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


def verify(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-I", str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                          timeout=120)


METHODS = [("single", {}), ("approval", {"max_choices": 3}), ("score", {}),
           ("ranked", {"ranked_method": "irv"}), ("ranked", {"ranked_method": "schulze"}),
           ("ranked", {"ranked_method": "borda"})]


@pytest.mark.parametrize("method, voting", METHODS, ids=["single", "approval", "score", "irv", "schulze", "borda"])
def test_the_tally_equals_both_recounts_after_amendments(app, make, tmp_path, method, voting):
    found = published_contest(app, tmp_path, method, **voting)
    d, ledger, results, slug = found["dir"], found["ledger"], found["results"], found["slug"]
    counting_method = voting.get("ranked_method", method)
    assert ledger["format"] == 2 and ledger["leaves_published"] and ledger["amendments_revealed"]
    assert ledger["head"]["amendments"] == 3 and ledger["head"]["batches"] == 2
    assert ledger["ranked_method"] == voting.get("ranked_method")
    assert results["method"] == counting_method
    assert found["ids"]["c1"][3] not in [p["entry_id"] for p in results["categories"][0]["ranking"]]
    if counting_method == "irv":  # an elimination tie, broken by the tally's tie order, which the recount follows
        a, _, c, _ = found["ids"]["c1"]
        detail = results["categories"][0]["count"]["detail"]
        assert detail["ties"] == [{"round": 2, "tied": [a, c], "eliminated": [a], "votes": 6}]

    with served(app) as base:
        api = f"{base}/api/v1/contests/{slug}"
        genuine = verify(f"{api}/ledger", "--results", f"{api}/results",
                         "--snapshot", f"{api}/results/snapshots/{results['snapshot_sha256']}",
                         "--audit", d / "audit.json", "--save", d / "saved.json")
        assert genuine.returncode == 0, genuine.stdout + genuine.stderr
        out = genuine.stdout
        assert "2 batch(es) chained" in out and "3 amendment(s) chained" in out
        assert f"recount ({counting_method}:" in out and "over the results' entries" in out
        assert "the SHA-256 of its canonical JSON matches" in out and "audit log:" in out
        assert "the results were tallied from this ledger" in out
        assert "categories equal the recount" in out and out.strip().endswith("OK")
        # The static export of the same ledger, and the file --save wrote, verify alike.
        exported = verify(f"{api}/ledger/export", "--results", d / "results.json", "--audit", d / "audit.json")
        assert exported.returncode == 0, exported.stdout + exported.stderr
        assert exported.stdout.split("recount")[1] == out.split("recount")[1]
    saved = verify(d / "saved.json", "--results", d / "results.json")
    assert saved.returncode == 0, saved.stdout + saved.stderr
    # The snapshot alone carries the results it was published as.
    assert verify(d / "saved.json", "--snapshot", d / "snapshot.json").returncode == 0

    cli = app.test_cli_runner().invoke(ledger_cli, ["verify", found["slug"]])
    assert cli.exit_code == 0, cli.output
    assert f"recount ({counting_method})" in cli.output
    assert "the recount agrees with tally snapshot" in cli.output

    # One number changed in the published results: both the recount and the snapshot refuse it.
    changed = copy.deepcopy(results)
    placing = changed["categories"][0]["ranking"][0]
    placing["public_votes"] += 1
    (d / "changed.json").write_text(json.dumps(changed))
    bad = verify(d / "saved.json", "--results", d / "changed.json")
    assert bad.returncode == 1, bad.stdout
    assert f"c1: entry {placing['entry_id']} has public_votes {placing['public_votes']} in the results" in bad.stdout
    bad = verify(d / "saved.json", "--results", d / "changed.json", "--snapshot", d / "snapshot.json")
    assert bad.returncode == 1 and "the results differ from the snapshot they name: categories" in bad.stdout

    # The same number changed in the stored snapshot: the server's own check says so.
    with app.app_context():
        row = db.session.scalar(select(ResultSnapshot).where(ResultSnapshot.sha256 == results["snapshot_sha256"]))
        body = copy.deepcopy(row.body)
        body["results"]["categories"][0]["ranking"][0]["public_votes"] += 1
        row.body = body
        db.session.commit()
        db.session.remove()
    cli = app.test_cli_runner().invoke(ledger_cli, ["verify", found["slug"]])
    assert cli.exit_code == 1 and "the recount DISAGREES with tally snapshot" in cli.output
    assert f"entry {placing['entry_id']} has public_votes {placing['public_votes']} in tally snapshot" in cli.output


def test_results_of_another_ledger_state_or_a_forged_snapshot_fail(app, make, tmp_path):
    found = published_contest(app, tmp_path, "single")
    d = found["dir"]
    with served(app) as base:
        assert verify(f"{base}/api/v1/contests/{found['slug']}/ledger", "--save", d / "saved.json").returncode == 0
    other = copy.deepcopy(found["results"])
    other["ledger"]["ballots"] -= 1
    (d / "other.json").write_text(json.dumps(other))
    bad = verify(d / "saved.json", "--results", d / "other.json")
    assert bad.returncode == 1 and "the results were tallied from another ledger: ballots differ" in bad.stdout

    forged = copy.deepcopy(found["snapshot"])
    forged["body"]["inputs"]["categories"][0]["ballots"] += 1
    (d / "forged.json").write_text(json.dumps(forged))
    bad = verify(d / "saved.json", "--results", d / "results.json", "--snapshot", d / "forged.json")
    assert bad.returncode == 1 and "the SHA-256 of its canonical JSON is not that" in bad.stdout

    # Without the results the candidates are the entries the rules name, the withdrawn one included.
    alone = verify(d / "saved.json")
    assert alone.returncode == 0 and "over the entries the rules name" in alone.stdout
    assert f"entry {found['ids']['c1'][3]}: 2" in alone.stdout

    # The audit log is the organisers' own: one whose history was rewritten no longer holds the
    # decisions the ledger names.
    log = copy.deepcopy(found["audit"])
    log["entries"] = [e for e in log["entries"] if e["action"] != "fraud.invalidate"]
    (d / "rewritten.json").write_text(json.dumps(log))
    bad = verify(d / "saved.json", "--audit", d / "rewritten.json")
    assert bad.returncode == 1 and "audit_hash is no entry of the audit log" in bad.stdout
