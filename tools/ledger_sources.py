"""The reading part of tools/verify_ledger.py: a ledger from the live API (its pages, then the
amendments' pages), from a file written by --save, or from the static export (a manifest and the
gzip files it names, by URL or in a directory), each taken as a `Source`; and --save, which writes
what was read. Nothing read is trusted: every part goes to the Verifier (ledger_chains.py).

Python 3.10+ and its standard library only; verify_ledger.py loads it by its path, after
ledger_checks.py, which it imports by that name.

A live ledger may grow while it is read (a late seal, a review's amendment). So the pages are read
in this order: the amendments first (an amendment names a ballot sealed before it was made, so
every amendment read then has its leaf among the batches read after it), then the batch pages,
each of which names the head as it stood when it was read; then the amendments those heads name
beyond what was read are fetched (`settle`), and the leaves they amend, read before anyone knew
they were wanted, are read again (`batch_again`). Amendments made after the last page was read
are left for the next run: what is checked is one state of the ledger, the last page's head.
"""

from __future__ import annotations

import gzip
import json
import urllib.error
import urllib.parse
import urllib.request
import zlib
from pathlib import Path

import ledger_checks as lc


class Unreadable(Exception):
    """An input could not be read at all (exit status 2)."""


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def read_bytes(source: str) -> bytes:
    """A URL's body or a file's bytes; OSError (urllib.error.HTTPError for an HTTP status) when it cannot."""
    if is_url(source):
        with urllib.request.urlopen(source, timeout=120) as answer:
            return answer.read()
    with open(source, "rb") as f:
        return f.read()


def load(source: str):
    try:
        return json.loads(read_bytes(source))
    except (OSError, ValueError) as exc:
        raise Unreadable(f"{source}: {exc}") from exc


class Source:
    """Where a ledger is read from. `meta` (contest, format, genesis values, method, what is published),
    `rules` (hash -> object, filled as batches are read), `heads` (where, head, the last batch seq of
    its page, whether it is the last page), filled once the batches are read; `amendments()` -> list;
    `batches()` yields (batch, leaves): leaves a list of leaf texts, None when withheld, False when the
    source already said why they are missing; `settle(items)` -> the amendments to check."""

    exact_head = True  # a saved file or an export is a snapshot: its head is exactly what it holds

    def __init__(self, doc: dict, fail):
        self.meta, self.fail, self.rules, self.heads = doc, fail, {}, []

    def take_rules(self, rules) -> None:
        if not isinstance(rules, dict):
            self.fail(f"rules is not an object of rules hash to rules: {lc.shown(rules)}")
            return
        for key, value in rules.items():
            self.rules.setdefault(key, value)

    def settle(self, items):
        return items

    def batch_again(self, seq: int):
        return None  # a snapshot: every amended leaf was wanted when it was read

    def batches(self):
        """A snapshot's batches (a saved file's, an export's): all listed in the one document,
        their leaves where `leaves_of` finds them; the live pages read theirs page by page."""
        self.take_rules(self.meta.get("rules"))
        batches = self.meta.get("batches")
        if not isinstance(batches, list):
            self.fail(f"batches is not a list: {lc.shown(batches)}")
            return
        for batch in batches:
            yield batch, self.leaves_of(batch)
        self.heads = [("", self.meta.get("head"), None, True)]

    def leaves_of(self, batch):
        raise NotImplementedError


class Saved(Source):
    """A file written by --save (or any JSON in that shape): one object holding every batch and amendment."""

    def __init__(self, doc: dict, fail):
        super().__init__(doc, fail)
        if doc.get("next") is not None:
            fail(f"this is one page of the ledger, not all of it: next is {lc.shown(doc.get('next'))}")

    def amendments(self):
        items = self.meta.get("amendments")
        if not isinstance(items, list):
            self.fail(f"the amendments are not a list: {lc.shown(items)}")
            return None
        return items

    def leaves_of(self, batch):
        return batch.get("leaves") if isinstance(batch, dict) else None


class Pages(Source):
    """The live API: ledger pages followed by `next`, and the amendments' pages."""

    exact_head = False  # each page names the head as it stood when it was read

    def __init__(self, doc: dict, url: str, fail):
        super().__init__(doc, fail)
        self.url = url

    def follow(self, url: str, what: str):
        """A page the ledger names: fetched, or a failure (a missing page is a withheld one)."""
        try:
            return json.loads(read_bytes(url))
        except urllib.error.HTTPError as exc:
            self.fail(f"{what} {url}: the server answers {exc.code}")
        except ValueError as exc:
            self.fail(f"{what} {url}: not JSON ({exc})")
        except OSError as exc:
            raise Unreadable(f"{url}: {exc}") from exc
        return None

    def same(self, page, what: str, keys) -> bool:
        if not isinstance(page, dict):
            self.fail(f"{what}: not a JSON object")
            return False
        differ = [k for k in keys if page.get(k) != self.meta.get(k)]
        if differ:
            self.fail(f"{what}: {', '.join(differ)} differ from the first page's")
        return not differ

    def amendments(self, after: int = 0, most: int | None = None):
        """The amendments after `after`, every one (or the first `most`), following the pages."""
        link = self.meta.get("amendments_url")
        if not isinstance(link, str):
            self.fail(f"amendments_url is not a link: {lc.shown(link)}")
            return None
        url, found, pages = urllib.parse.urljoin(self.url, link), [], set()
        if after:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode({"after": after})
        while url not in pages:
            pages.add(url)
            page = self.follow(url, "amendments page")
            if page is None or not self.same(page, f"amendments page {url}",
                                             ("contest", "amendments_genesis", "amendments_revealed")):
                return None
            items = page.get("amendments")
            if not isinstance(items, list):
                self.fail(f"amendments page {url}: amendments is not a list")
                return None
            first = items[0].get("seq") if items and isinstance(items[0], dict) else None
            if found and lc.is_int(first) and first <= after + len(found):  # else a server could go on forever
                self.fail(f"amendments page {url}: amendment {first} again after amendment {after + len(found)}: "
                          "the pages overlap")
                return None
            found += items
            nxt = page.get("next")
            if nxt is None or most is not None and len(found) >= most:
                return found if most is None else found[:most]
            if not items or not isinstance(nxt, str):
                self.fail(f"amendments page {url}: names a next page {lc.shown(nxt)} but holds no amendment")
                return None
            url = urllib.parse.urljoin(url, nxt)
        self.fail(f"amendments page {url} is named twice: the pages go round in a circle")
        return None

    def batches(self):
        page, url, last = self.meta, self.url, 0
        while True:
            self.take_rules(page.get("rules"))
            items = page.get("batches")
            if not isinstance(items, list):
                self.fail(f"ledger page {url}: batches is not a list")
                return
            rules = page.get("rules") if isinstance(page.get("rules"), dict) else {}
            for batch in items:
                seq = batch.get("seq") if isinstance(batch, dict) else None
                digest = batch.get("rules_hash") if seq is not None else None
                if seq is not None and not (isinstance(digest, str) and digest in rules):
                    self.fail(f"ledger page {url}: batch {lc.shown(seq)}'s rules are not on its page")
                if lc.is_int(seq) and seq <= last:  # a server repeating pages would otherwise never end
                    self.fail(f"ledger page {url}: batch {seq} again after batch {last}: the pages overlap")
                    return
                last = seq if lc.is_int(seq) else last
                yield batch, batch.get("leaves") if isinstance(batch, dict) else None
            nxt = page.get("next")
            self.heads.append((f"ledger page {url}", page.get("head"), last if items else None, nxt is None))
            if nxt is None:
                return
            if not items or not isinstance(nxt, str):
                self.fail(f"ledger page {url}: names a next page {lc.shown(nxt)} but holds no batch")
                return
            url = urllib.parse.urljoin(url, nxt)
            page = self.follow(url, "ledger page")
            if page is None or not self.same(page, f"ledger page {url}", lc.META_KEYS):
                return

    def settle(self, items):
        """The amendments of the state the pages read: as many as the pages' heads name at most.
        Those made while the pages were read are fetched; those made after, left out."""
        if items is None:
            return None
        named = [h["amendments"] for _, h, _, _ in self.heads if isinstance(h, dict) and lc.is_int(h.get("amendments"))]
        wanted = max(named, default=len(items))
        if wanted > len(items):
            more = self.amendments(after=len(items), most=wanted - len(items))
            if more:
                print(f"note: {len(more)} amendment(s) were made while the ledger was read; read too")
                items = items + more
        elif wanted < len(items):
            print(f"note: {len(items) - wanted} amendment(s) were made after the ledger's pages were read; "
                  "left for the next run")
            items = items[:wanted]
        return items

    def batch_again(self, seq: int):
        """Batch `seq` with its leaves, read again from GET …/ledger/batches/{seq}: (batch, leaves) or None."""
        parts = urllib.parse.urlsplit(self.url)
        url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") + f"/batches/{seq}", "", ""))
        page = self.follow(url, "batch page")
        batch = page.get("batch") if isinstance(page, dict) else None
        return (batch, batch.get("leaves")) if isinstance(batch, dict) else None


class Export(Source):
    """The static export: a manifest and gzip JSON-lines files beside it, each checked against the
    manifest's SHA-256 and size. An export is served once the leaves are published: it holds them all."""

    def __init__(self, doc: dict, base: str, fail):
        super().__init__({**doc, "leaves_published": True, "amendments_revealed": True}, fail)
        self.base = base  # the manifest's URL, or the directory it lies in

    def read(self, entry, what: str) -> bytes | None:
        """The file an entry names, uncompressed; None (after saying why) if missing or not the manifest's."""
        if not isinstance(entry, dict) or not all(k in entry for k in ("file", "sha256", "bytes")):
            self.fail(f"{what}: the manifest names no file, sha256 and bytes")
            return None
        name = entry["file"]
        if not isinstance(name, str) or not lc.FILE_NAME.match(name) or ".." in name:
            self.fail(f"{what}: {lc.shown(name)} is not a plain file name")
            return None
        where = f"{self.base}/{name}" if is_url(self.base) else str(Path(self.base) / name)
        try:
            data = read_bytes(where)
        except urllib.error.HTTPError as exc:
            self.fail(f"{what}: file {name}: the server answers {exc.code}")
            return None
        except FileNotFoundError:
            self.fail(f"{what}: file {name} is missing")
            return None
        except OSError as exc:
            raise Unreadable(f"{where}: {exc}") from exc
        if len(data) != entry["bytes"]:
            self.fail(f"{what}: file {name} has {len(data)} bytes, the manifest says {lc.shown(entry['bytes'])}")
        elif lc.sha_hex(data) != entry["sha256"]:
            self.fail(f"{what}: the SHA-256 of file {name} is not the manifest's")
        else:
            try:
                return gzip.decompress(data)
            except (OSError, EOFError, zlib.error) as exc:
                self.fail(f"{what}: file {name} is not gzip ({exc})")
        return None

    def lines(self, data: bytes, what: str) -> list[str] | None:
        if data and not data.endswith(b"\n"):
            self.fail(f"{what}: the last line does not end with a newline")
            return None
        try:
            return data.decode("utf-8").split("\n")[:-1] if data else []
        except UnicodeDecodeError as exc:
            self.fail(f"{what}: not UTF-8 ({exc})")
            return None

    def amendments(self):
        entry = self.meta.get("amendments")
        data = self.read(entry, "amendments")
        lines = None if data is None else self.lines(data, "amendments")
        if lines is None:
            return None
        if not lc.same(entry.get("count"), len(lines)):
            self.fail(f"amendments: the file holds {len(lines)}, the manifest's count is "
                      f"{lc.shown(entry.get('count'))}")
        found = []
        for n, line in enumerate(lines, 1):
            try:
                item = json.loads(line)
            except ValueError:
                self.fail(f"amendments file line {n}: not JSON")
                return None
            if lc.canonical(item).decode("utf-8") != line:
                self.fail(f"amendments file line {n}: not canonical JSON")
            found.append(item)
        return found

    def leaves_of(self, batch):
        what = f"batch {batch.get('seq') if isinstance(batch, dict) else '?'}"
        data = self.read(batch, what)
        leaves = None if data is None else self.lines(data, what)
        return False if leaves is None else leaves


def open_ledger(source: str, fail) -> Source:
    """The ledger's first document, read; the kind of source told by its shape."""
    path = Path(source)
    if not is_url(source) and path.is_dir():
        path = path / "manifest.json"
        source = str(path)
    doc = load(source)
    if not isinstance(doc, dict):
        raise Unreadable(f"{source}: not a JSON object")
    if isinstance(doc.get("amendments"), dict):
        return Export(doc, source.rstrip("/") if is_url(source) else str(path.parent), fail)
    if "amendments" in doc or not is_url(source):
        return Saved(doc, fail)
    return Pages(doc, source, fail)


class Saver:
    """--save: the ledger as read, written as it streams by, as one JSON object in the page's shape
    (every batch, `next` null) with every amendment, which this script reads back."""

    def __init__(self, path: str, meta: dict):
        self.out = open(path, "w", encoding="utf-8")
        fields = {k: meta.get(k) for k in lc.META_KEYS}
        self.out.write(json.dumps(fields)[:-1] + ',"batches":[')  # \u escapes: a lone surrogate is written too
        self.first = True

    def batch(self, batch, leaves) -> None:
        kept = {k: v for k, v in batch.items() if k not in ("file", "sha256", "bytes", "leaves")} \
            if isinstance(batch, dict) else batch
        if isinstance(kept, dict) and leaves:
            kept["leaves"] = leaves
        self.out.write(("" if self.first else ",") + json.dumps(kept))
        self.first = False

    def close(self, rules: dict, amendments, head: dict) -> None:
        tail = {"rules": rules, "amendments": amendments if isinstance(amendments, list) else [],
                "head": head, "next": None}
        self.out.write("]," + json.dumps(tail)[1:])
        self.out.close()
