"""Bulk import of entries from CSV by a contest's organisers (the WSIS
Prizes' nominated projects): every row checked by the same rules as any
entry, every failed row reported with its field and why. By default the
good rows are imported and the others reported; `all_or_nothing` imports
nothing unless every row is good. A file that cannot be read as a whole
(not UTF-8, no header, unknown columns, too many rows) imports nothing.

Imported entries are the organisers' own, approved at once like any entry an
organiser adds. One audit entry records the import (how many, which ids,
which rows failed) rather than one per row: the log stays readable, and a
5,000-row file is not 5,000 appends to the hash chain."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from voting.accounts import countries
from voting.accounts.models import User
from voting.audit import services as audit
from voting.contests import events
from voting.contests.models import Contest, Entry
from voting.contests.services import require_unpublished
from voting.errors import validation_error
from voting.extensions import db
from voting.i18n.domain import N_
from voting.submissions.domain import csvrows
from voting.submissions.services import lock_for_writers


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
