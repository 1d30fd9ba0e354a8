"""The ledger's static export (voting/ledger/export.py): written by a real RQ
worker once voting has closed, equal to the ledger in SQL file by file, kept
when nothing changed, brought up to date by the tick when the ledger moves
on, and served (export_api.py) only once the leaves are published, with
caching headers and conditional requests."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path

import pytest
from rq import Queue
from sqlalchemy import select, update

from voting import clock
from voting.ballots.models import Ballot
from voting.contests.models import Contest
from voting.extensions import db
from voting.ledger import amendments, export, jobs, sealing
from voting.ledger.domain import encoding
from voting.ledger.models import LedgerAmendment, LedgerBatch, LedgerLeaf
from voting.periodic import periodic_tick
from voting.worker import run_worker

from tests.support.api import assert_error
from tests.support.results import add_ballots, close_voting, mark_published
from tests.support.voting import open_contest

MANIFEST_KEYS = ["contest", "format", "genesis", "amendments_genesis", "audit_genesis", "method", "ranked_method",
                 "head", "rules", "batches", "amendments", "exported_at"]
BATCH_KEYS = ["seq", "size", "root", "prev_chain", "sealed_at", "rules_hash", "audit_seq", "audit_head", "chain",
              "file", "sha256", "bytes"]


@pytest.fixture
def export_app(make_app, tmp_path):
    """An app with a store of its own: the suite's upload folder outlives each test's tables."""
    return make_app(upload_dir=str(tmp_path / "uploads"))


def contest_id(app, slug: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(Contest.id).where(Contest.slug == slug))
        db.session.remove()
    return found


def sealed_contest(app, batch_limit: int = 3, unsealed: int = 2) -> tuple[str, int]:
    """A contest with ten ballots sealed in batches of `batch_limit` (one invalidated), `unsealed` more after."""
    slug, ids = open_contest(app, pow_bits=0)
    add_ballots(app, slug, "c1", [ids["c1"][0]], 5)
    add_ballots(app, slug, "c2", [ids["c2"][1]], 4)
    add_ballots(app, slug, "c1", [ids["c1"][2]], 1, status="invalidated", reason="burst")
    cid = contest_id(app, slug)
    with app.app_context():
        while sealing.seal(cid, clock.now(), limit=batch_limit) is not None:
            pass
        db.session.remove()
    add_ballots(app, slug, "c1", [ids["c1"][1]], unsealed)  # cast after the last seal: not in the ledger yet
    return slug, cid


def run_export(app, cid: int) -> dict:
    with app.app_context():
        job = jobs.enqueue_export(cid)
        assert job.id == f"export-ledger-{cid}"
        run_worker(["ledger"], burst=True)
        job.refresh()
        assert job.get_status() == "finished", job.latest_result().exc_string if job.latest_result() else None
        return job.return_value()


def folder(app, cid: int) -> Path:
    return Path(app.config["UPLOAD_DIR"]) / "ledgers" / str(cid)


def stored_manifest(app, cid: int) -> dict:
    return json.loads((folder(app, cid) / "manifest.json").read_bytes())


def files_state(app, cid: int) -> dict[str, tuple[int, int]]:
    """Each stored file's inode and modification time: a rewrite (a rename over it) changes both."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder(app, cid).iterdir()}


def lines_of(data: bytes) -> list[bytes]:
    text = gzip.decompress(data)
    assert text == b"" or text.endswith(b"\n")
    return text.split(b"\n")[:-1]


def amend_one(app, to_status: str = "invalidated") -> None:
    """A review decision on a sealed ballot: an amendment."""
    with app.app_context():
        ballot = db.session.scalar(select(Ballot).where(Ballot.sealed.is_(True), Ballot.status == "counted")
                                   .order_by(Ballot.id).limit(1))
        made = amendments.amend(ballot, to_status, "found later", "Olga Organiser <organiser@example.org>",
                                "ab" * 32, clock.now())
        assert made is not None
        db.session.commit()
        db.session.remove()


def test_the_job_exports_every_sealed_batch_as_the_database_holds_it(app, export_app):
    slug, cid = sealed_contest(app)
    close_voting(app, slug)
    summary = run_export(export_app, cid)
    assert summary == {"exported": True, "batches": 4, "ballots": 10, "amendments": 0, "files_written": 5,
                       "manifest_written": True}
    manifest = stored_manifest(export_app, cid)
    assert list(manifest) == MANIFEST_KEYS
    assert manifest["contest"] == slug and manifest["format"] == 2
    assert (manifest["genesis"], manifest["amendments_genesis"], manifest["audit_genesis"]) == (
        encoding.genesis(slug), encoding.amendments_genesis(slug), encoding.audit_genesis(slug))
    assert (manifest["method"], manifest["ranked_method"]) == ("single", None)
    with app.app_context():
        contest = db.session.get(Contest, cid)
        assert manifest["head"] == export.current_head(contest)
        batches = db.session.scalars(select(LedgerBatch).where(LedgerBatch.contest_id == cid)
                                     .order_by(LedgerBatch.seq)).all()
        leaves = {b.seq: [t.encode() for t in db.session.scalars(
            select(LedgerLeaf.leaf).where(LedgerLeaf.batch_id == b.id).order_by(LedgerLeaf.position))]
            for b in batches}
        assert db.session.scalar(select(db.func.count()).select_from(Ballot).where(Ballot.sealed.is_(False))) == 2
        headers = [{"seq": b.seq, "size": b.size, "root": b.root, "prev_chain": b.prev_chain,
                    "sealed_at": b.sealed_at.isoformat(), "rules_hash": b.rules_hash, "audit_seq": b.audit_seq,
                    "audit_head": b.audit_head, "chain": b.chain} for b in batches]
        db.session.remove()
    assert manifest["head"]["batches"] == 4 and manifest["head"]["ballots"] == 10  # the unsealed two wait
    assert [{k: v for k, v in item.items() if k not in ("file", "sha256", "bytes")}
            for item in manifest["batches"]] == headers
    for item in manifest["batches"]:
        assert list(item) == BATCH_KEYS
        assert item["chain"] == encoding.chain({"contest": slug, **item})  # every hashed field, as hashed
        data = (folder(export_app, cid) / item["file"]).read_bytes()
        assert item["file"] == f"batch-{item['seq']:06d}.jsonl.gz"
        assert (item["sha256"], item["bytes"]) == (hashlib.sha256(data).hexdigest(), len(data))
        assert data[4:8] == b"\0\0\0\0"  # gzip's mtime: the bytes depend on the leaves alone
        assert lines_of(data) == leaves[item["seq"]] and len(leaves[item["seq"]]) == item["size"]
    assert [item["size"] for item in manifest["batches"]] == [3, 3, 3, 1]
    assert set(manifest["rules"]) == {item["rules_hash"] for item in manifest["batches"]}
    for digest, rules in manifest["rules"].items():
        assert encoding.rules_hash(rules) == digest and rules["contest"] == slug
    amended = manifest["amendments"]
    assert amended["file"] == f"amendments-{amended['sha256']}.jsonl.gz" and amended["count"] == 0
    data = (folder(export_app, cid) / amended["file"]).read_bytes()
    assert lines_of(data) == [] and (amended["sha256"], amended["bytes"]) == (hashlib.sha256(data).hexdigest(),
                                                                             len(data))


def test_nothing_is_exported_while_voting_is_open(app, export_app):
    slug, cid = sealed_contest(app)
    assert run_export(export_app, cid) == {"exported": False}
    assert not folder(export_app, cid).exists()


def test_a_second_run_rewrites_nothing_and_a_new_batch_adds_only_its_file(app, export_app):
    slug, cid = sealed_contest(app)
    close_voting(app, slug)
    run_export(export_app, cid)
    before, manifest = files_state(export_app, cid), stored_manifest(export_app, cid)
    again = run_export(export_app, cid)
    assert (again["files_written"], again["manifest_written"]) == (0, False)
    assert files_state(export_app, cid) == before and stored_manifest(export_app, cid) == manifest

    with app.app_context():  # a late seal (the two ballots cast before the close)
        assert sealing.seal(cid, clock.now()).seq == 5
        db.session.remove()
    later = run_export(export_app, cid)
    assert (later["batches"], later["files_written"], later["manifest_written"]) == (5, 1, True)
    after = files_state(export_app, cid)
    assert {name: after[name] for name in before if name != "manifest.json"} == {
        name: state for name, state in before.items() if name != "manifest.json"}
    assert set(after) - set(before) == {"batch-000005.jsonl.gz"}
    updated = stored_manifest(export_app, cid)
    assert updated["batches"][:4] == manifest["batches"] and updated["head"]["ballots"] == 12


def test_the_same_ledger_makes_the_same_bytes(app, export_app):
    slug, cid = sealed_contest(app)
    close_voting(app, slug)
    run_export(export_app, cid)
    first = stored_manifest(export_app, cid)
    for path in folder(export_app, cid).iterdir():
        path.unlink()
    run_export(export_app, cid)
    second = stored_manifest(export_app, cid)
    assert {k: v for k, v in first.items() if k != "exported_at"} == {
        k: v for k, v in second.items() if k != "exported_at"}


def test_a_stored_file_that_no_longer_matches_is_written_again(app, export_app):
    slug, cid = sealed_contest(app)
    close_voting(app, slug)
    run_export(export_app, cid)
    manifest = stored_manifest(export_app, cid)
    damaged = folder(export_app, cid) / "batch-000002.jsonl.gz"
    damaged.write_bytes(b"not the batch")
    (folder(export_app, cid) / "batch-000003.jsonl.gz").unlink()
    summary = run_export(export_app, cid)
    assert (summary["files_written"], summary["manifest_written"]) == (2, False)  # same files: same manifest
    assert hashlib.sha256(damaged.read_bytes()).hexdigest() == manifest["batches"][1]["sha256"]


def test_files_left_by_another_ledger_are_replaced(app, export_app):
    """A store that holds another ledger's export under this contest's folder (a
    database restored or replaced, a contest id used again): nothing of it is kept."""
    slug, cid = sealed_contest(app)
    close_voting(app, slug)
    run_export(export_app, cid)
    manifest = stored_manifest(export_app, cid)
    with app.app_context():  # the same contest sealed afresh: other times, other chains
        db.session.execute(update(Ballot).values(sealed=False))
        db.session.execute(LedgerLeaf.__table__.delete())
        db.session.execute(LedgerBatch.__table__.delete())
        db.session.commit()
        while sealing.seal(cid, clock.now().replace(year=2030), limit=3) is not None:
            pass
        db.session.remove()
    summary = run_export(export_app, cid)
    assert summary["batches"] == 4 and summary["files_written"] == 5 - 1  # the empty amendments file is the same
    assert stored_manifest(export_app, cid)["head"]["chain"] != manifest["head"]["chain"]


def test_an_amendment_after_the_close_makes_the_tick_book_a_new_export(app, export_app, redis_client):
    slug, cid = sealed_contest(app, unsealed=0)
    close_voting(app, slug, minutes_ago=60)
    run_export(export_app, cid)
    manifest = stored_manifest(export_app, cid)
    with export_app.app_context():
        assert periodic_tick(300)["exports"] == 0  # the export is the ledger's head
    amend_one(app)
    with export_app.app_context():
        assert periodic_tick(300)["exports"] == 1
        assert f"export-ledger-{cid}" in Queue("ledger", connection=redis_client).job_ids
        run_worker(["ledger"], burst=True)
        db.session.remove()
    updated = stored_manifest(export_app, cid)
    assert updated != manifest and updated["batches"] == manifest["batches"]
    assert (updated["head"]["amendments"], updated["amendments"]["count"]) == (1, 1)
    with app.app_context():
        row = db.session.scalar(select(LedgerAmendment))
        expected = encoding.canonical(amendments.fields_of(row))
        assert updated["head"]["amendment_hash"] == row.hash
        db.session.remove()
    stored = (folder(export_app, cid) / f"amendments-{updated['amendments']['sha256']}.jsonl.gz").read_bytes()
    assert lines_of(stored) == [expected]
    assert json.loads(expected)["prev_hash"] == encoding.amendments_genesis(slug)
    with export_app.app_context():
        assert periodic_tick(300)["exports"] == 0


def test_the_tick_books_the_export_once_voting_has_closed(app, export_app, redis_client):
    slug, cid = sealed_contest(app)
    quiet = open_contest(app, pow_bits=0, slug="no-ballots-yet")[0]
    ledger = Queue("ledger", connection=redis_client)
    with export_app.app_context():
        assert periodic_tick(300)["exports"] == 0  # voting is open
    close_voting(app, slug)
    close_voting(app, quiet)
    with export_app.app_context():
        assert periodic_tick(300)["exports"] == 2
        assert periodic_tick(300)["exports"] == 2  # still waiting: the same jobs, not new ones
        quiet_id = contest_id(app, quiet)
        assert {f"export-ledger-{cid}", f"export-ledger-{quiet_id}"} <= set(ledger.job_ids)
        assert ledger.job_ids.count(f"export-ledger-{cid}") == 1
        # The tick booked the seal of the last two ballots too: whichever runs first, the next tick follows.
        run_worker(["ledger"], burst=True)
        db.session.remove()
        periodic_tick(300)
        run_worker(["ledger"], burst=True)
        db.session.remove()
        assert periodic_tick(300)["exports"] == 0
    assert stored_manifest(export_app, cid)["head"]["ballots"] == 12
    empty = stored_manifest(export_app, quiet_id)
    assert empty["batches"] == [] and empty["head"] == {
        "batches": 0, "ballots": 0, "chain": encoding.genesis(quiet), "amendments": 0,
        "amendment_hash": encoding.amendments_genesis(quiet)}


def test_served_only_once_the_leaves_are_published(app, export_app):
    slug, cid = sealed_contest(app)
    client = export_app.test_client()
    base = f"/api/v1/contests/{slug}/ledger/export"
    assert_error(client.get(base), 404, "not_published")  # voting is open
    close_voting(app, slug)
    run_export(export_app, cid)
    amendments_file = stored_manifest(export_app, cid)["amendments"]["file"]
    for path in (base, f"{base}/batch-000001.jsonl.gz", f"{base}/{amendments_file}"):
        assert_error(client.get(path), 404, "not_published")
    with export_app.app_context():
        assert export.export_url(db.session.get(Contest, cid)) is None
        db.session.remove()
    mark_published(app, slug)
    with export_app.app_context():
        assert export.export_url(db.session.get(Contest, cid)) == base
        db.session.remove()

    resp = client.get(base)
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert resp.get_data() == (folder(export_app, cid) / "manifest.json").read_bytes()
    assert resp.headers["Cache-Control"] == "public, max-age=60"
    etag = resp.headers["ETag"]
    assert etag == f'"{hashlib.sha256(resp.get_data()).hexdigest()}"'
    again = client.get(base, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag
    assert client.get(base, headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    manifest = resp.get_json()

    batch = manifest["batches"][0]
    resp = client.get(f"{base}/{batch['file']}")
    assert resp.status_code == 200 and resp.mimetype == "application/gzip"
    assert "Content-Encoding" not in resp.headers  # the bytes the manifest's sha256 covers, as they are
    assert hashlib.sha256(resp.get_data()).hexdigest() == batch["sha256"]
    assert resp.headers["Content-Length"] == str(batch["bytes"])
    assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert resp.headers["ETag"] == f'"{batch["sha256"]}"'
    assert client.get(f"{base}/{batch['file']}", headers={"If-None-Match": resp.headers["ETag"]}).status_code == 304

    resp = client.get(f"{base}/{manifest['amendments']['file']}")  # named by its content: it never changes
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert hashlib.sha256(resp.get_data()).hexdigest() == manifest["amendments"]["sha256"]
    assert resp.headers["ETag"] == f'"{manifest["amendments"]["sha256"]}"'
    assert client.get(f"{base}/{manifest['amendments']['file']}",
                      headers={"If-None-Match": resp.headers["ETag"]}).status_code == 304

    amend_one(app)  # the ledger moved on: no export of its head until the job has run
    with export_app.app_context():
        assert export.export_url(db.session.get(Contest, cid)) is None
        db.session.remove()
    assert client.get(base).status_code == 200  # the last export stays served meanwhile
    run_export(export_app, cid)
    resp = client.get(base, headers={"If-None-Match": etag})
    assert resp.status_code == 200 and resp.get_json()["head"]["amendments"] == 1


def test_published_before_any_export_is_not_found_yet(app, export_app):
    slug, cid = sealed_contest(app)
    close_voting(app, slug)
    mark_published(app, slug)
    client = export_app.test_client()
    assert_error(client.get(f"/api/v1/contests/{slug}/ledger/export"), 404, "not_found")
    assert_error(client.get(f"/api/v1/contests/{slug}/ledger/export/batch-000001.jsonl.gz"), 404, "not_found")
    assert_error(client.get("/api/v1/contests/no-such-contest/ledger/export"), 404, "not_found")


BAD_NAMES = [
    "batch-000099.jsonl.gz",  # well formed, but no such batch
    "batch-1.jsonl.gz", "BATCH-000001.jsonl.gz", "batch-000001.jsonl", "batch-000001.jsonl.gz.bak",
    "batch-0000001x.jsonl.gz", "manifest.json", "amendments.jsonl", ".", "..", "%2e%2e", "..%2fmanifest.json",
    "%2e%2e%2f%2e%2e%2fsecret", "batch-000001.jsonl.gz%00", "%00", "x" * 300, "amendments-SHA.jsonl.gz",
    "batch-000001.jsonl.gz%0a", " batch-000001.jsonl.gz", "amendments.jsonl.gz", f"amendments-{'AB' * 32}.jsonl.gz",
    f"amendments-{'ab' * 32}.jsonl.gz", f"amendments-{'ab' * 31}.jsonl.gz"]


def test_bad_file_names_are_refused(app, export_app):
    slug, cid = sealed_contest(app)
    close_voting(app, slug)
    mark_published(app, slug)
    run_export(export_app, cid)
    client = export_app.test_client()
    assert client.get(f"/api/v1/contests/{slug}/ledger/export/batch-000001.jsonl.gz").status_code == 200
    for name in BAD_NAMES:
        resp = client.get(f"/api/v1/contests/{slug}/ledger/export/{name}")
        assert 400 <= resp.status_code < 500 and resp.is_json and set(resp.get_json()) == {"error"}, name


def test_a_reader_of_the_previous_manifest_still_gets_the_amendments_it_names(app, export_app):
    """The amendments are served under the name of their content, which the manifest gives: a reader
    who fetched the manifest just before a re-export (caches keep it a minute) gets the very file it
    names, not the newer one."""
    slug, cid = sealed_contest(app)
    close_voting(app, slug)
    run_export(export_app, cid)
    mark_published(app, slug)
    client = export_app.test_client()
    base = f"/api/v1/contests/{slug}/ledger/export"
    old = client.get(base).get_json()  # the verifier reads the manifest...
    amend_one(app)  # ...a late review decision...
    run_export(export_app, cid)  # ...the tick's re-export...
    new = client.get(base).get_json()
    assert new["amendments"]["file"] != old["amendments"]["file"]
    for manifest in (old, new):  # ...then each reader reads the file its manifest names
        resp = client.get(f"{base}/{manifest['amendments']['file']}")
        assert resp.status_code == 200
        assert hashlib.sha256(resp.get_data()).hexdigest() == manifest["amendments"]["sha256"]
        assert len(lines_of(resp.get_data())) == manifest["amendments"]["count"]


def test_a_manifest_of_the_old_naming_is_written_again(app, export_app, redis_client):
    """An export written before the amendments were named by their content names a file no longer
    served: the tick finds it stale, and the job writes the manifest anew."""
    slug, cid = sealed_contest(app, unsealed=0)
    close_voting(app, slug, minutes_ago=60)
    run_export(export_app, cid)
    path = folder(export_app, cid) / "manifest.json"
    manifest = json.loads(path.read_bytes())
    path.write_text(json.dumps({**manifest, "amendments": {**manifest["amendments"], "file": "amendments.jsonl.gz"}}))
    with export_app.app_context():
        assert periodic_tick(300)["exports"] == 1
        run_worker(["ledger"], burst=True)
        db.session.remove()
    assert stored_manifest(export_app, cid)["amendments"]["file"] == manifest["amendments"]["file"]


def test_a_store_outage_costs_the_ledger_pages_their_export_link_only(app, export_app, monkeypatch):
    """The page says whether an export of its head is served from what it last read of the store; a
    store that cannot be read (an S3 outage) answers `export: null` and a log line, not an error."""
    from voting.media import storage as media

    slug, cid = sealed_contest(app)
    close_voting(app, slug)
    run_export(export_app, cid)
    mark_published(app, slug)
    client = export_app.test_client()
    page = f"/api/v1/contests/{slug}/ledger?limit=1"
    reads = []
    real = media.LocalStorage.get

    def counted(self, key):
        reads.append(key)
        return real(self, key)

    monkeypatch.setattr(media.LocalStorage, "get", counted)
    for _ in range(3):
        assert client.get(page).get_json()["export"] == f"/api/v1/contests/{slug}/ledger/export"
    assert len(reads) == 1  # once, then remembered while the ledger's head stays

    def down(self, key):
        raise ConnectionError("store unreachable")

    monkeypatch.setattr(media.LocalStorage, "get", down)
    export_app.extensions.pop("ledger_exported_heads")  # as after REMEMBER_SECONDS
    export_app.testing = False  # as in production: an error would be a 500
    export_app.config["PROPAGATE_EXCEPTIONS"] = False
    resp = client.get(page)
    assert resp.status_code == 200 and resp.get_json()["export"] is None


def test_only_the_exports_own_files_are_served(app, export_app):
    """The manifest's batch files, and amendments files under the name of their content: nothing
    else of the store, not even a file put beside them, nor a batch file the manifest does not name."""
    slug, cid = sealed_contest(app)
    close_voting(app, slug)
    mark_published(app, slug)
    run_export(export_app, cid)
    client = export_app.test_client()
    stored = stored_manifest(export_app, cid)["amendments"]["file"]
    assert os.path.exists(folder(export_app, cid) / stored)
    assert client.get(f"/api/v1/contests/{slug}/ledger/export/{stored}").status_code == 200
    (folder(export_app, cid) / "batch-000009.jsonl.gz").write_bytes(b"stray")
    (folder(export_app, cid) / "amendments.jsonl.gz").write_bytes(b"stray")
    for name in ("batch-000009.jsonl.gz", "amendments.jsonl.gz", f"amendments-{'cd' * 32}.jsonl.gz"):
        assert_error(client.get(f"/api/v1/contests/{slug}/ledger/export/{name}"), 404, "not_found")
