"""The static export of a contest's ledger (docs/ledger.md): the whole ledger as
files a verifier downloads once, instead of paging the API, and any cache
or mirror can keep.

The files live in the media storage (voting/media/storage.py: the upload
folder or an S3-compatible bucket), so a worker that writes them and a web
server that serves them need not share a disk; under `ledgers/<contest id>/`:
- `batch-000001.jsonl.gz`: a batch's leaves, one leaf text and "\\n" a line,
  in position order. Batches never change, so neither does the file.
- `amendments-<sha256>.jsonl.gz`: the amendments (one line per amendment:
  the canonical JSON of its full published object, prev_hash and hash
  included), named by the SHA-256 of the file, in the manifest too. The chain
  grows, and a reader who holds an older manifest (caches keep it a minute)
  must still get the file that manifest names, not a newer one: so each
  version has its own name, never changes, and is served as immutable; the
  one before the current one is kept for such readers.
- `manifest.json`, written last, and atomically (the store's `put`), so no
  reader sees a manifest naming a file that is not there yet.
gzip with mtime 0: the same ledger makes the same bytes, so a re-export
leaves the sha256 a mirror recorded as it was.

What has been exported is read from the manifest itself, not recorded in SQL:
the manifest is what is served, so it cannot disagree with itself, and the
tick's check (`stale`) costs one small read per closed contest. The ledger's
pages say whether an export of their head is served (`export_url`) from a
short per-process memory of the exported head, so a page costs no read of
the store, and a store that cannot be reached costs the pages their `export`
link, not their answer.

Memory stays bounded: leaves are read a batch at a time in chunks and
compressed as they come (a batch of 10,000 leaves is about 1 MB of gzip);
batch headers are read without their stored trees.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app
from sqlalchemy import select

from voting import clock
from voting.contests.models import Contest
from voting.extensions import db
from voting.ledger import amendments, head
from voting.ledger.domain import encoding
from voting.ledger.models import LedgerAmendment, LedgerBatch, LedgerLeaf, LedgerRules
from voting.media.storage import MissingFile, Storage, storage

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
# Named by its content: each version of the amendments has a name of its own.
AMENDMENTS_FILE = re.compile(r"amendments-([0-9a-f]{64})\.jsonl\.gz")
# Six digits or more: ordered by name up to a million batches (ten billion ballots), and past it still unique.
BATCH_FILE = re.compile(r"batch-(\d{6,9})\.jsonl\.gz")
GZIP_TYPE = "application/gzip"
JSON_TYPE = "application/json"
COMPRESSION = 6  # zlib's default: level 9 takes twice the time for about 2% less
LEAF_CHUNK = 2000  # leaves fetched at a time
# The head fields that say whether an export is the ledger's current one ("ballots" follows from the batches).
HEAD_FIELDS = ("batches", "chain", "amendments", "amendment_hash")
BATCH_FIELDS = ("seq", "size", "root", "prev_chain", "sealed_at", "rules_hash", "audit_seq", "audit_head", "chain")
# How long a page trusts what it last read of the exported head when the ledger's head is another, and
# at most when it is the same: the export job runs in another process, within a tick.
RECHECK_SECONDS, REMEMBER_SECONDS = 15, 300


def batch_file(seq: int) -> str:
    return f"batch-{seq:06d}.jsonl.gz"


def manifest_path(slug: str) -> str:
    return f"/api/v1/contests/{slug}/ledger/export"


def _key(contest_id: int, name: str) -> str:
    return f"ledgers/{contest_id}/{name}"


def amendments_file(sha256: str) -> str:
    return f"amendments-{sha256}.jsonl.gz"


def _amendments_key(contest_id: int, sha256: str) -> str:
    return _key(contest_id, amendments_file(sha256))


@dataclass(frozen=True)
class Manifest:
    body: bytes  # as stored: what is served, and what its ETag hashes
    data: dict

    @property
    def etag(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


def read_manifest(contest_id: int) -> Manifest | None:
    """The contest's stored manifest; None when there is none (or it is unreadable: a re-export replaces it)."""
    try:
        body = storage().get(_key(contest_id, MANIFEST))
    except MissingFile:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        log.warning("the ledger export manifest of contest %s is not JSON", contest_id)
        return None
    return Manifest(body, data) if isinstance(data, dict) else None


@dataclass(frozen=True)
class Served:
    """A file of the export as the manifest names it: where it is stored and its ETag (its sha256)."""

    key: str
    etag: str
    immutable: bool


def served_file(contest_id: int, name: str, manifest: Manifest) -> Served | None:
    """The stored file behind `name`; None when there is none to serve. A batch file is served if the
    manifest names it. An amendments file is named by its SHA-256, so it is served under that name
    whichever manifest named it (the current one or, for a reader who fetched it a moment ago, the one
    before, whose file the export keeps): it never changes, and the store holds it only under the
    name of its content, so nothing else can be served under that name."""
    data = manifest.data
    named = AMENDMENTS_FILE.fullmatch(name)
    if named:
        return Served(_amendments_key(contest_id, named.group(1)), named.group(1), True)
    if BATCH_FILE.fullmatch(name):
        for item in data.get("batches") or []:
            if item.get("file") == name and isinstance(item.get("sha256"), str):
                return Served(_key(contest_id, name), item["sha256"], True)
    return None


# --- the ledger as it stands ---------------------------------------------------------------------------------------

def _last_amendment(contest: Contest) -> tuple[int, str]:
    last = db.session.execute(select(LedgerAmendment.seq, LedgerAmendment.hash)
                              .where(LedgerAmendment.contest_id == contest.id)
                              .order_by(LedgerAmendment.seq.desc()).limit(1)).first()
    return (last.seq, last.hash) if last else (0, encoding.amendments_genesis(contest.slug))


def current_head(contest: Contest) -> dict:
    """{"batches", "ballots", "chain", "amendments", "amendment_hash"}: the ledger's head, from a few small reads."""
    return head.current(contest.id, contest.slug)


def _exported_head(data: dict) -> tuple | None:
    """The head a manifest holds, as compared with the ledger's (HEAD_FIELDS); None when it is not a
    manifest this version serves (its amendments not under their content's name: written before)."""
    found, amended = data.get("head"), data.get("amendments")
    if not isinstance(found, dict) or not isinstance(amended, dict) or not isinstance(amended.get("sha256"), str) \
            or amended.get("file") != amendments_file(amended["sha256"]):
        return None
    return tuple(found.get(k) for k in HEAD_FIELDS)


def stale(contest: Contest) -> bool:
    """Whether the contest's export is missing or behind its ledger (for the periodic tick)."""
    found = read_manifest(contest.id)
    wanted = current_head(contest)
    return found is None or _exported_head(found.data) != tuple(wanted[k] for k in HEAD_FIELDS)


def _remembered() -> dict[int, tuple[tuple | None, float]]:
    """This app's memory of each contest's exported head: {contest id: (head, when read)}."""
    return current_app.extensions.setdefault("ledger_exported_heads", {})


def _read_exported_head(contest_id: int) -> tuple | None:
    try:
        found = read_manifest(contest_id)
    except Exception:  # the store is down or refuses: the page goes without its link, and says so in the log
        log.warning("ledger export of contest %s: the media store cannot be read", contest_id, exc_info=True)
        return None
    return _exported_head(found.data) if found is not None else None


def export_url(contest: Contest, ledger_head: dict | None = None) -> str | None:
    """The manifest's URL for the ledger's page: only when the leaves are public and an export of
    the ledger's head (`ledger_head`, read now if not given) is stored; None otherwise.

    What the store holds is remembered a while (RECHECK_SECONDS while the export is behind the
    head, REMEMBER_SECONDS when it is the head's), so pages do not read the store each time; a
    store that cannot be read answers None (logged), and is asked again after RECHECK_SECONDS."""
    # Imported here: publish.py's page calls this function, so a top-level import would be a cycle.
    from voting.ledger.publish import leaves_public

    if not leaves_public(contest, clock.now()):
        return None
    found = ledger_head or current_head(contest)
    wanted = tuple(found[k] for k in HEAD_FIELDS)
    memory, moment = _remembered(), time.monotonic()
    known = memory.get(contest.id)
    if known is None or moment - known[1] >= (REMEMBER_SECONDS if known[0] == wanted else RECHECK_SECONDS):
        known = memory[contest.id] = (_read_exported_head(contest.id), moment)
    return manifest_path(contest.slug) if known[0] == wanted else None


# --- writing --------------------------------------------------------------------------------------------------------

def _gzip(lines) -> tuple[bytes, int]:
    """The lines (str, each without its "\\n") gzipped reproducibly; and how many there were."""
    buffer = io.BytesIO()
    count = 0
    # mtime 0 and no file name (a BytesIO has none): the bytes depend on the lines alone.
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=COMPRESSION, mtime=0) as out:
        pending: list[str] = []
        for line in lines:
            pending.append(line)
            if len(pending) == LEAF_CHUNK:  # one write a chunk: a write per line costs a third of the time
                out.write(("\n".join(pending) + "\n").encode("utf-8"))
                count, pending = count + len(pending), []
        if pending:
            out.write(("\n".join(pending) + "\n").encode("utf-8"))
            count += len(pending)
    return buffer.getvalue(), count


def _leaves(batch_id: int):
    return db.session.scalars(select(LedgerLeaf.leaf).where(LedgerLeaf.batch_id == batch_id)
                              .order_by(LedgerLeaf.position).execution_options(yield_per=LEAF_CHUNK))


def _amendment_lines(contest_id: int, last_seq: int):
    rows = db.session.scalars(select(LedgerAmendment).where(LedgerAmendment.contest_id == contest_id,
                                                            LedgerAmendment.seq <= last_seq)
                              .order_by(LedgerAmendment.seq).execution_options(yield_per=LEAF_CHUNK))
    for row in rows:
        yield encoding.canonical(amendments.fields_of(row)).decode("utf-8")


def _stored_digest(store: Storage, key: str) -> tuple[str, int] | None:
    """(sha256, bytes) of a stored file, read in chunks; None when it is missing."""
    try:
        stored = store.open(key)
    except MissingFile:
        return None
    digest, size = hashlib.sha256(), 0
    for chunk in stored.chunks():
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _kept(store: Storage, key: str, recorded) -> bool:
    """Whether the stored file is still the one the previous manifest recorded."""
    if not isinstance(recorded, dict):
        return False
    found = _stored_digest(store, key)
    if found is not None and found != (recorded.get("sha256"), recorded.get("bytes")):
        log.warning("ledger export file %s differs from its manifest; written again", key)
    return found is not None and found == (recorded.get("sha256"), recorded.get("bytes"))


def _batch_rows(contest_id: int) -> list:
    # The header's columns only: the stored tree is about 640 KB a batch of 10,000.
    return list(db.session.execute(
        select(LedgerBatch.id, LedgerBatch.seq, LedgerBatch.size, LedgerBatch.root, LedgerBatch.prev_chain,
               LedgerBatch.sealed_at, LedgerBatch.rules_hash, LedgerBatch.audit_seq, LedgerBatch.audit_head,
               LedgerBatch.chain)
        .where(LedgerBatch.contest_id == contest_id).order_by(LedgerBatch.seq)))


def _header(row) -> dict:
    item = {name: getattr(row, name) for name in BATCH_FIELDS}
    item["sealed_at"] = row.sealed_at.astimezone(timezone.utc).isoformat()
    return item


def _rules(contest_id: int) -> dict:
    rows = db.session.execute(select(LedgerRules.hash, LedgerRules.body).where(LedgerRules.contest_id == contest_id)
                              .order_by(LedgerRules.hash))
    return {digest: json.loads(body) for digest, body in rows}


def _write_batches(store: Storage, contest_id: int, rows: list, previous: dict) -> tuple[list[dict], int]:
    """Each batch's file: kept when the previous manifest recorded this very batch
    (same chain) and the stored file still has its sha256; written otherwise."""
    recorded = {item.get("seq"): item for item in previous.get("batches") or [] if isinstance(item, dict)}
    items, written = [], 0
    for row in rows:
        item, name = _header(row), batch_file(row.seq)
        key, before = _key(contest_id, name), recorded.get(row.seq)
        if before is not None and before.get("chain") == row.chain and _kept(store, key, before):
            sha, size = before["sha256"], before["bytes"]
        else:
            data, lines = _gzip(_leaves(row.id))
            if lines != row.size:  # published as stored: the verifier reports the gap
                log.error("batch %s of contest %s has %s leaves for size %s", row.seq, contest_id, lines, row.size)
            store.put(key, data, GZIP_TYPE)
            sha, size, written = hashlib.sha256(data).hexdigest(), len(data), written + 1
        items.append({**item, "file": name, "sha256": sha, "bytes": size})
    return items, written


def _write_amendments(store: Storage, contest_id: int, last: tuple[int, str], previous: dict) -> tuple[dict, int]:
    before, exported = previous.get("amendments"), previous.get("head")
    if (isinstance(before, dict) and isinstance(exported, dict) and isinstance(before.get("sha256"), str)
            and (exported.get("amendments"), exported.get("amendment_hash")) == last
            and _kept(store, _amendments_key(contest_id, before["sha256"]), before)):
        sha = before["sha256"]
        return {"file": amendments_file(sha), "count": last[0], "sha256": sha, "bytes": before["bytes"]}, 0
    data, count = _gzip(_amendment_lines(contest_id, last[0]))
    sha = hashlib.sha256(data).hexdigest()
    store.put(_amendments_key(contest_id, sha), data, GZIP_TYPE)
    return {"file": amendments_file(sha), "count": count, "sha256": sha, "bytes": len(data)}, 1


def _drop_old_amendments(store: Storage, contest_id: int, keep: set[str]) -> None:
    """Amendment files neither the new manifest nor the one before names. The one
    before stays: a reader who fetched it a moment ago is still downloading."""
    for key in store.keys(f"ledgers/{contest_id}/"):
        if key.rsplit("/", 1)[-1].startswith("amendments-") and key not in keep:
            store.delete(key)


def write(contest: Contest, now: datetime) -> dict:
    """Write (or bring up to date) the contest's export of what is sealed now.
    Never seals: a batch sealed meanwhile goes into the next export. Reads only;
    the caller decides when (voting/ledger/jobs.py: once voting has closed)."""
    store, contest_id, slug = storage(), contest.id, contest.slug
    found = read_manifest(contest_id)
    previous = found.data if found is not None else {}
    # The amendments' head before the batches: an amendment names a ballot sealed before it was made,
    # so every ballot amended up to that head is in a batch read after it.
    last = _last_amendment(contest)
    rows = _batch_rows(contest_id)
    voting = contest.settings["voting"]
    batches, written = _write_batches(store, contest_id, rows, previous)
    amended, rewritten = _write_amendments(store, contest_id, last, previous)
    manifest = {
        "contest": slug, "format": encoding.FORMAT, "genesis": encoding.genesis(slug),
        "amendments_genesis": encoding.amendments_genesis(slug), "audit_genesis": encoding.audit_genesis(slug),
        "method": voting["method"],
        "ranked_method": voting.get("ranked_method", "irv") if voting["method"] == "ranked" else None,
        "head": {"batches": len(rows), "ballots": sum(r.size for r in rows),
                 "chain": rows[-1].chain if rows else encoding.genesis(slug),
                 "amendments": last[0], "amendment_hash": last[1]},
        "rules": _rules(contest_id), "batches": batches, "amendments": amended,
        "exported_at": now.astimezone(timezone.utc).replace(microsecond=0).isoformat()}
    db.session.rollback()  # only read: end the transaction before the last writes to the store
    summary = {"batches": len(batches), "ballots": manifest["head"]["ballots"], "amendments": last[0],
               "files_written": written + rewritten}
    if _without_time(previous) == _without_time(manifest):
        return {**summary, "manifest_written": False}
    store.put(_key(contest_id, MANIFEST), json.dumps(manifest, ensure_ascii=False, separators=(",", ":"))
              .encode("utf-8"), JSON_TYPE)
    _remembered().pop(contest_id, None)  # this process's pages look again (others within RECHECK_SECONDS)
    keep = {_amendments_key(contest_id, amended["sha256"])}
    if isinstance(previous.get("amendments"), dict) and isinstance(previous["amendments"].get("sha256"), str):
        keep.add(_amendments_key(contest_id, previous["amendments"]["sha256"]))
    _drop_old_amendments(store, contest_id, keep)
    return {**summary, "manifest_written": True}


def _without_time(manifest: dict) -> dict:
    return {k: v for k, v in manifest.items() if k != "exported_at"}
