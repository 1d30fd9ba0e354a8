"""Format-2 ledgers built from a list of ballots, for the verifier's tests,
with the project's own encoding (voting/ledger/domain/encoding.py, merkle.py)
and nothing else: no app, no database.

`build` seals the ballots into batches, with the ballot rules, an audit log
(an entry for the contest, a review's decision for each invalidation before
its batch is sealed, and one for each later change: a decision to count or
invalidate, or a fraud sweep's hold) and the amendments of those changes, as
the server records them (voting/fraud/decisions.py, filing.py).
A `Ledger` is plain data that a test may change as a dishonest server would,
then `reseal` (roots and sizes from the leaves, then every hash) or `rechain`
(every hash from the fields as they are), so that only the change itself is
wrong. It is then served in the three shapes the verifier reads: the API's
pages (`pages`, through `serve`), the saved file (`saved`) and the static
export (`export`).
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterable, Iterator

from voting.ledger.domain import encoding, merkle

T0 = datetime(2021, 5, 18, 12, 0, tzinfo=timezone.utc)
CATEGORIES = {"c1": [1, 2, 3], "c2": [4, 5]}


@dataclass
class Ballot:
    category: str
    selection: Any
    status: str = "counted"  # as sealed: counted or invalidated
    rule: str = ""  # an invalidated ballot's rule ("" for an organiser's own decision)
    reason: str = "burst of ballots"


@dataclass
class Ledger:
    contest: str
    rules: dict[str, dict]  # rules hash -> rules object
    batches: list[dict]  # the header's fields but contest, "chain", "leaves"
    amendments: list[dict]  # whole, with prev_hash and hash
    audit: list[dict]  # as GET …/audit serialises its entries
    codes: list[str] = field(default_factory=list)  # each ballot's receipt code, in the order given
    leaves_published: bool = True
    amendments_revealed: bool = True

    @property
    def method(self) -> tuple[str, str | None]:
        rules = self.rules[self.batches[-1]["rules_hash"]] if self.batches else next(iter(self.rules.values()))
        return rules["method"], rules["ranked_method"]


def code(contest: str, n: int) -> str:
    raw = base64.b32encode(hashlib.sha256(f"{contest}:{n}".encode()).digest()[:15]).decode()
    return "-".join(raw[i:i + 4] for i in range(0, 24, 4))


def code_hash(receipt: str) -> str:
    """The receipt hash of docs/ledger.md (the codes made here need no normalising but the dashes)."""
    return hashlib.sha256(receipt.replace("-", "").encode()).hexdigest()


def stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat()


ORGANISER = "Ada Organiser <ada@example.org>"
DECISIONS = {"counted": "fraud.count", "invalidated": "fraud.invalidate"}


def _audit(entries: list[dict], contest: str, action: str, subject: str, details: dict, at: datetime,
           actor: str = ORGANISER) -> str:
    prev = entries[-1]["hash"] if entries else encoding.audit_genesis(contest)
    fields = {"seq": len(entries) + 1, "actor": actor, "action": action,
              "subject": subject, "details": details, "created_at": stamp(at)}
    entries.append({**fields, "prev_hash": prev, "hash": _audit_hash(prev, fields)})
    return entries[-1]["hash"]


def _audit_hash(prev: str, fields: dict) -> str:
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.sha256(prev.encode() + b"\n" + body).hexdigest()


def build(ballots: Iterable[Ballot], *, contest: str = "example", method: str = "single",
          ranked_method: str = "irv", max_choices: int = 2, score_max: int = 5,
          categories: dict[str, list[int]] | None = None, batch_size: int = 3,
          changes: Iterable[tuple[int, str]] = ()) -> Ledger:
    """The ledger of these ballots, sealed `batch_size` at a time a minute apart, then `changes`
    (ballot number, new status) decided after the last seal, each an amendment."""
    rules = encoding.rules(contest, method, ranked_method, max_choices, score_max,
                           [(slug, f"Category {slug}", [(i, f"Entry {i}") for i in ids])
                            for slug, ids in (categories or CATEGORIES).items()])
    digest = encoding.rules_hash(rules)
    ledger = Ledger(contest, {digest: rules}, [], [], [])
    # The contest's settings carry floats, hashed as Python's json writes them (docs/ledger.md).
    _audit(ledger.audit, contest, "contest.create", contest,
           {"title": "An example", "weights": {"jury": 1.0, "public": 0.5, "floor": 1e-05}}, T0)
    statuses: list[str] = []
    pending: list[str] = []
    moment = T0
    for n, ballot in enumerate(ballots):
        receipt = code(contest, n)
        ledger.codes.append(receipt)
        statuses.append(ballot.status)
        invalidation = None
        if ballot.status == "invalidated":
            moment += timedelta(seconds=1)
            invalidation = (ballot.rule, ballot.reason, _audit(
                ledger.audit, contest, "fraud.invalidate", "1 ballot(s)",
                {"reason": ballot.reason, "ballots": [n + 1], "status": "invalidated"}, moment))
        pending.append(encoding.leaf(contest, ballot.category, code_hash(receipt), ballot.selection,
                                     ballot.status, invalidation))
        if len(pending) == batch_size:
            moment = _seal(ledger, pending, digest, moment)
            pending = []
    if pending:
        moment = _seal(ledger, pending, digest, moment)
    for n, to in changes:
        moment += timedelta(seconds=30)
        if to == "under_review":  # a fraud sweep's hold
            reason, signer = "held by the burst rule", "system: fraud sweep"
            audit_hash = _audit(ledger.audit, contest, "fraud.sweep", f"contest {contest}",
                                {"ballots_by_rule": {"burst": 1}, "newly_held": 1}, moment, actor="system")
        else:  # a review's decision (ballot ids are the ballots' numbers from 1)
            reason, signer = f"review of ballot {n}", ORGANISER
            audit_hash = _audit(ledger.audit, contest, DECISIONS[to], "1 ballot(s)",
                                {"reason": reason, "ballots": [n + 1], "status": to}, moment)
        fields = encoding.amendment_fields(len(ledger.amendments) + 1, code_hash(ledger.codes[n]), statuses[n], to,
                                           reason, signer, audit_hash, stamp(moment))
        ledger.amendments.append(fields)
        statuses[n] = to
    return reseal(ledger)


def _seal(ledger: Ledger, leaves: list[str], digest: str, moment: datetime) -> datetime:
    moment += timedelta(minutes=1)
    ledger.batches.append({"seq": len(ledger.batches) + 1, "sealed_at": stamp(moment), "rules_hash": digest,
                           "audit_seq": len(ledger.audit), "audit_head": ledger.audit[-1]["hash"],
                           "leaves": leaves})
    return moment


def reseal(ledger: Ledger) -> Ledger:
    """Every size and root from the leaves, then every hash (`rechain`)."""
    for batch in ledger.batches:
        batch["size"] = len(batch["leaves"])
        batch["root"] = merkle.root([text.encode("utf-8") for text in batch["leaves"]]).hex()
    return rechain(ledger)


def rechain(ledger: Ledger) -> Ledger:
    """Every hash from the fields as they stand: the rules' keys, the batches' chain, the amendments'
    chain and the audit log's, as a server that changed them would publish."""
    renamed = {}
    for old, rules in list(ledger.rules.items()):
        renamed[old] = encoding.rules_hash(rules)
    ledger.rules = {renamed[old]: rules for old, rules in ledger.rules.items()}
    prev = encoding.genesis(ledger.contest)
    for batch in ledger.batches:
        batch["rules_hash"] = renamed.get(batch["rules_hash"], batch["rules_hash"])
        batch["prev_chain"] = prev
        batch["chain"] = prev = encoding.chain({**batch, "contest": ledger.contest})
    prev = encoding.amendments_genesis(ledger.contest)
    for item in ledger.amendments:
        item["prev_hash"] = prev
        item["hash"] = prev = encoding.amendment_hash(prev, item)
    prev = encoding.audit_genesis(ledger.contest)
    for entry in ledger.audit:
        entry["prev_hash"] = prev
        entry["hash"] = prev = _audit_hash(prev, {k: entry[k] for k in
                                                  ("seq", "actor", "action", "subject", "details", "created_at")})
    return ledger


def head(ledger: Ledger) -> dict:
    return {"batches": len(ledger.batches), "ballots": sum(b["size"] for b in ledger.batches),
            "chain": ledger.batches[-1]["chain"] if ledger.batches else encoding.genesis(ledger.contest),
            "amendments": len(ledger.amendments),
            "amendment_hash": ledger.amendments[-1]["hash"] if ledger.amendments
            else encoding.amendments_genesis(ledger.contest)}


# -- the shapes it is read in ---------------------------------------------------------------------------

def _meta(ledger: Ledger) -> dict:
    method, ranked = ledger.method
    return {"contest": ledger.contest, "format": encoding.FORMAT, "genesis": encoding.genesis(ledger.contest),
            "amendments_genesis": encoding.amendments_genesis(ledger.contest),
            "audit_genesis": encoding.audit_genesis(ledger.contest), "method": method, "ranked_method": ranked}


def _batch(ledger: Ledger, batch: dict) -> dict:
    shown = {k: v for k, v in batch.items() if k != "leaves"}
    return {**shown, "leaves": batch["leaves"]} if ledger.leaves_published else shown


def _amendment(ledger: Ledger, item: dict) -> dict:
    return item if ledger.amendments_revealed else {k: item[k] for k in ("seq", "created_at", "prev_hash", "hash")}


def saved(ledger: Ledger) -> dict:
    """The whole ledger as one object: the page's shape with every batch and every amendment."""
    return {**_meta(ledger), "leaves_published": ledger.leaves_published,
            "amendments_revealed": ledger.amendments_revealed, "head": head(ledger), "rules": ledger.rules,
            "batches": [_batch(ledger, b) for b in ledger.batches], "next": None,
            "amendments": [_amendment(ledger, a) for a in ledger.amendments]}


def pages(ledger: Ledger, per_page: int = 2, per_amendments_page: int = 2) -> dict[str, dict]:
    """{path with its query: answer} of GET …/ledger and GET …/ledger/amendments, page by page."""
    base = f"/api/v1/contests/{ledger.contest}/ledger"
    routes = {}
    for start in range(0, max(len(ledger.batches), 1), per_page):
        batches = ledger.batches[start:start + per_page]
        more = start + per_page < len(ledger.batches)
        path = base if start == 0 else f"{base}?after={start}&limit={per_page}"
        routes[path] = {**_meta(ledger), "leaves_published": ledger.leaves_published,
                        "amendments_revealed": ledger.amendments_revealed, "head": head(ledger),
                        "rules": {b["rules_hash"]: ledger.rules[b["rules_hash"]] for b in batches
                                  if b["rules_hash"] in ledger.rules},
                        "batches": [_batch(ledger, b) for b in batches],
                        "next": f"{base}?after={start + per_page}&limit={per_page}" if more else None,
                        "amendments_url": f"{base}/amendments", "export": None}
    for start in range(0, max(len(ledger.amendments), 1), per_amendments_page):
        more = start + per_amendments_page < len(ledger.amendments)
        path = f"{base}/amendments" + (f"?after={start}&limit={per_amendments_page}" if start else "")
        routes[path] = {"contest": ledger.contest, "amendments_genesis": encoding.amendments_genesis(ledger.contest),
                        "amendments_revealed": ledger.amendments_revealed,
                        "amendments": [_amendment(ledger, a) for a in
                                       ledger.amendments[start:start + per_amendments_page]],
                        "next": f"{base}/amendments?after={start + per_amendments_page}&limit={per_amendments_page}"
                        if more else None}
    return routes


def batch_page(ledger: Ledger, seq: int) -> dict:
    """GET …/ledger/batches/{seq}."""
    batch = ledger.batches[seq - 1]
    return {"contest": ledger.contest, "rules": {batch["rules_hash"]: ledger.rules[batch["rules_hash"]]},
            "batch": _batch(ledger, batch)}


def gz_lines(lines: Iterable[str]) -> bytes:
    return gzip.compress("".join(line + "\n" for line in lines).encode("utf-8"), mtime=0)


def export_files(ledger: Ledger) -> dict[str, bytes]:
    """{file name: bytes} of the static export, the manifest as `manifest.json`; the amendments' file
    named by its SHA-256, as the server names it."""
    files = {f"batch-{b['seq']:06d}.jsonl.gz": gz_lines(b["leaves"]) for b in ledger.batches}
    amended = gz_lines(encoding.canonical(a).decode("utf-8") for a in ledger.amendments)
    amendments_file = f"amendments-{hashlib.sha256(amended).hexdigest()}.jsonl.gz"
    files[amendments_file] = amended

    def described(name: str) -> dict:
        return {"file": name, "sha256": hashlib.sha256(files[name]).hexdigest(), "bytes": len(files[name])}

    manifest = {**_meta(ledger), "head": head(ledger), "rules": ledger.rules,
                "batches": [{**{k: v for k, v in b.items() if k != "leaves"}, "contest": ledger.contest,
                             **described(f"batch-{b['seq']:06d}.jsonl.gz")} for b in ledger.batches],
                "amendments": {**described(amendments_file), "count": len(ledger.amendments)},
                "exported_at": stamp(T0 + timedelta(days=1))}
    files["manifest.json"] = json.dumps(manifest).encode()
    return files


def export(ledger: Ledger, directory: Path) -> Path:
    """The export written into `directory`; answers the manifest's path."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in export_files(ledger).items():
        (directory / name).write_bytes(data)
    return directory / "manifest.json"


def audit_log(ledger: Ledger) -> dict:
    """The organisers' GET …/audit."""
    return {"contest": ledger.contest, "entries": ledger.audit}


def receipt(ledger: Ledger, n: int) -> dict:
    """GET /api/v1/receipts/{code} of ballot `n` after the close, with its proof."""
    digest = code_hash(ledger.codes[n])
    for batch in ledger.batches:
        for index, text in enumerate(batch["leaves"]):
            leaf = json.loads(text)
            if leaf["receipt_hash"] == digest:
                texts = [t.encode("utf-8") for t in batch["leaves"]]
                status = leaf["status"]
                for item in ledger.amendments:
                    status = item["to"] if item["receipt_hash"] == digest else status
                return {"receipt": ledger.codes[n], "contest": ledger.contest, "category": leaf["category"],
                        "cast_at": stamp(T0), "status": status,
                        "ledger": {"batch": batch["seq"], "index": index, "size": batch["size"],
                                   "root": batch["root"], "leaf": text,
                                   "leaf_hash": merkle.leaf_hash(texts[index]).hex(),
                                   "proof": [h.hex() for h in merkle.inclusion_proof(texts, index)]}}
    raise LookupError(f"ballot {n} is not in the ledger")


@contextlib.contextmanager
def serve(routes: dict[str, Any]) -> Iterator[str]:
    """A local HTTP server answering each path (with its query) from `routes` (JSON for objects,
    bytes as they are) and 404 otherwise; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            body = routes.get(self.path)
            if body is None:
                self.send_error(404)
                return
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
