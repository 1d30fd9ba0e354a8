"""Bulk import of entries from CSV by a contest's organisers (the WSIS
Prizes' nominated projects): every row checked by the same rules as any
entry, every failed row reported with its field and why. By default the
good rows are imported and the others reported; `all_or_nothing` imports
nothing unless every row is good. A file that cannot be read as a whole
(not UTF-8, no header, unknown columns, too many rows) imports nothing.

Imported entries are the organisers' own, approved at once like any entry an
organiser adds. One audit entry records the import (how many, which ids,
which rows failed) rather than one per row: the log stays readable, and a
5,000-row file is not 5,000 appends to the hash chain. Rows are counted
from the one under the header (csvrows.read, as shared/API.md says), the same
numbers in the API's report, the audit entry and the console's page.

The import runs in the request, synchronously: 5,000 rows are checked and
inserted in one transaction in a few seconds, so it has no job of its own.
The console's page (`import_for_page`) keeps the row report in Redis for an
hour under a random token, so that the page can redirect after the POST
(a reload cannot import the rows twice) and still show every failed row.
Should Redis fail then, the import stands and the page says so without the
report (the audit entry lists the failed rows)."""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import asdict
from datetime import datetime
from typing import Any

from redis.exceptions import RedisError

from voting.accounts import countries
from voting.accounts.models import User
from voting.audit import services as audit
from voting.contests import events
from voting.contests.models import Contest, Entry
from voting.contests.services import require_unpublished
from voting.errors import validation_error
from voting import redis_keys as keys
from voting.extensions import db, get_redis
from voting.i18n.domain import N_
from voting.submissions.domain import csvrows
from voting.submissions.services import lock_for_writers

log = logging.getLogger(__name__)


def import_csv(contest: Contest, raw: bytes, actor: User, now: datetime, all_or_nothing: bool = False
               ) -> dict[str, Any]:
    if contest.kind == "photo":
        raise validation_error({"body": N_("photo contests take entries with their photos, one by one")},
                               "A photo contest's entries cannot be imported from CSV.")
    try:
        sheet = csvrows.read(raw)
    except csvrows.FileProblem as exc:
        raise validation_error(exc.fields, "The file cannot be read as a CSV of entries; nothing was imported."
                               ) from None
    good, errors = csvrows.check_rows(sheet, categories={c.slug for c in contest.categories},
                                      countries=countries.codes(),
                                      max_words=contest.submission_rules()["summary_max_words"])
    if errors and all_or_nothing:
        raise validation_error({f"rows.{e.row}.{e.field}": e.message for e in errors},
                               "Some rows have problems; nothing was imported.")
    lock_for_writers(contest)
    require_unpublished(contest)  # the published results counted the entries as they stood
    made = [Entry(contest_id=contest.id, category_id=contest.category(data["category"]).id, title=data["title"],
                  summary=data.get("summary", ""), team=data.get("team", ""),
                  organisation=data.get("organisation", ""), country=data.get("country", ""),
                  links=data.get("links", []), status="approved", submitted_by_id=actor.id, submitted_at=now,
                  updated_at=now)
            for _row, data in good]
    db.session.add_all(made)
    db.session.flush()
    audit.append(contest, actor, "entries.imported", f"{len(made)} entries from CSV",
                 {"imported": len(made), "entry_ids": [e.id for e in made],
                  "failed_rows": sorted({e.row for e in errors})}, now)
    db.session.commit()
    events.contest_changed.send(contest.slug)
    return {"imported": len(made), "errors": [asdict(e) for e in errors]}


# A CSV of a few thousand entries with 200-word summaries is a few megabytes (the API's limit is the same).
MAX_BYTES = 8 * 1024 * 1024
REPORT_SECONDS = 3600  # long enough to read the report and fix the file; the audit log keeps the import itself


def import_for_page(contest: Contest, raw: bytes, actor: User, now: datetime, all_or_nothing: bool = False,
                    filename: str = "") -> tuple[dict[str, Any], str | None]:
    """`import_csv`, then the report kept for the page that shows it: (the report, its token). The rows are
    committed before the report is kept: if Redis fails then, the token is None and the import stands (an
    error here would have the organiser upload the file again and every entry twice)."""
    report = import_csv(contest, raw, actor, now, all_or_nothing)
    # The name is the browser's to send: only what a page can show of it is kept (no NUL, control or surrogate).
    shown = "".join(c for c in filename if c.isprintable())[:200]
    kept = {**report, "filename": shown, "all_or_nothing": all_or_nothing, "at": now.isoformat(),
            "by": actor.id}
    token = secrets.token_urlsafe(16)
    try:
        get_redis().set(keys.import_report(contest.id, token), json.dumps(kept), ex=REPORT_SECONDS)
    except RedisError:
        log.warning("the report of contest %s's import could not be kept", contest.id, exc_info=True)
        return report, None
    return report, token


def kept_report(contest: Contest, token: str, actor: User) -> dict[str, Any] | None:
    """A kept report of this contest's import by this organiser, or None (expired, unknown, someone else's)."""
    if not (token.isascii() and 10 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()):
        return None
    raw = get_redis().get(keys.import_report(contest.id, token))
    report = json.loads(raw) if raw else None
    return report if report and report.get("by") == actor.id else None
