"""The console's CSV import: a file and a mode (the good rows in and the others
reported, or nothing unless every row is good), then the row report (row,
field, problem) with a summary in words. The columns are listed on the page
and a template file can be downloaded.

The import runs in the request (voting.submissions.importing: a few seconds
for the largest file allowed), as the API's does. After it the page redirects
to itself with the report's token (the report is kept for an hour), so that a
reload cannot import the rows twice. A file refused as a whole, or any bad row
in all-or-nothing mode, imports nothing: the form is shown again with the
problems (422), or 413 for a file over the limit. If the report cannot be
kept (Redis down after the rows were committed), the page still redirects,
with the counts in its messages: the import stands.

Rows are counted from the one under the header (row 1; see
voting.submissions.domain.csvrows, the one place that numbers them), the same
numbers as the API's report and the audit log's `failed_rows`; a problem of
the header names its column ("Column “colour” is not a known column")."""

from __future__ import annotations

import csv
import io

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from voting import clock
from voting.accounts.forms import sentence
from voting.auth import organiser_pages_required
from voting.contests.access import managed_contest
from voting.contests.models import Contest
from voting.contests.views import category_texts, describe_contest
from voting.errors import ApiError, say
from voting.organiser.blueprint import bp
from voting.organiser.entries_list import voting_notice
from voting.submissions import importing
from voting.submissions.domain import csvrows

MODES = ("good_rows", "all_or_nothing")
REPORT_PAGE = 100  # problems per page of the report
EXTENSIONS = (".csv", ".txt")  # what spreadsheets call a CSV file when they save one
COLUMN_NOTES = {
    "category": _l("The category's short name (slug), as in the table below."),
    "title": _l("The entry's title."),
    "summary": _l("What the entry is, within the contest's word limit."),
    "team": _l("The team, or the contact person."),
    "organisation": _l("The organisation, school or company."),
    "country": _l("Two-letter country code (ISO 3166), such as KE or FR."),
    "links": _l("Web addresses starting with http:// or https://, separated by spaces."),
}


def _file_problem(path: str, why: str) -> str:
    """A problem of the file as the form says it: `header.colour` is the column “colour”."""
    parts = path.split(".", 1)
    if parts[0] == "header" and len(parts) == 2:
        unnamed = csvrows.unnamed_column(parts[1])
        if unnamed is not None:
            return _("Column %(num)s has no name.", num=unnamed)
        return _("Column “%(name)s” %(problem)s.", name=parts[1], problem=say(why))
    return sentence(why)


def _report_view(contest: Contest, report: dict, token: str, page: int) -> dict:
    problems = report.get("errors", [])
    pages = max(1, -(-len(problems) // REPORT_PAGE))
    number = min(max(page, 1), pages)
    link = lambda n: url_for(".import_entries", slug=contest.slug, report=token, page=n)  # noqa: E731
    return {"imported": report.get("imported", 0), "filename": report.get("filename", ""),
            "all_or_nothing": report.get("all_or_nothing", False),
            "failed_rows": len({p["row"] for p in problems}), "problem_count": len(problems),
            "rows": [{"row": p["row"], "field": p["field"], "message": sentence(p["message"])}
                     for p in problems[(number - 1) * REPORT_PAGE:number * REPORT_PAGE]],
            "pages": {"page": number, "pages": pages, "prev": link(number - 1) if number > 1 else None,
                      "next": link(number + 1) if number < pages else None}}


def _page(contest: Contest, report: dict | None = None, errors: dict | None = None, rows: list | None = None,
          message: str = "", mode: str = MODES[0], status: int = 200):
    return render_template(
        "organiser/entries_import.html", contest=describe_contest(contest, clock.now()), report=report,
        errors=errors or {}, bad_rows=rows or [], message=message, mode=mode,
        photo=contest.kind == "photo", columns=[(name, name in csvrows.REQUIRED_COLUMNS, COLUMN_NOTES[name])
                                                for name in csvrows.COLUMNS],
        categories=[(c.slug, category_texts(contest, c)["title"]) for c in contest.categories],
        max_rows=csvrows.MAX_ROWS, voting_notice=voting_notice(contest, clock.now()),
        max_megabytes=importing.MAX_BYTES // (1024 * 1024),
        template_url=url_for(".import_template", slug=contest.slug),
        action=url_for(".import_entries_submit", slug=contest.slug)), status


@bp.get("/contests/<slug>/entries/import")
@organiser_pages_required
def import_entries(slug: str):
    contest, user = managed_contest(slug)
    token = request.args.get("report", "")
    report = importing.kept_report(contest, token, user) if token else None
    raw_page = request.args.get("page", "1")
    page = int(raw_page) if raw_page.isascii() and raw_page.isdigit() and len(raw_page) < 7 else 1
    if token and report is None:
        flash(_("That import's report has expired or is not yours; the audit log keeps the import."), "error")
    return _page(contest, _report_view(contest, report, token, page) if report else None)


def _refused(contest: Contest, err: ApiError, mode: str):
    """The service's refusal: the file's problems beside the file field, the rows' in a table."""
    fields, rows = {}, []
    for path, why in (err.fields or {}).items():
        parts = path.split(".", 2)
        if parts[0] == "rows" and len(parts) == 3 and parts[1].isdigit():
            rows.append({"row": int(parts[1]), "field": parts[2], "message": sentence(why)})
        else:
            name = parts[0] if parts[0] in ("mode",) else "file"
            text = say(why) if name != "file" or parts[0] == "body" else _file_problem(path, why)
            fields[name] = f"{fields[name]} {text}" if name in fields else text
    rows.sort(key=lambda r: r["row"])
    return _page(contest, errors=fields, rows=rows, message=say(err.message), mode=mode, status=err.status)


@bp.post("/contests/<slug>/entries/import")
@organiser_pages_required
def import_entries_submit(slug: str):
    contest, user = managed_contest(slug)
    mode = request.form.get("mode", MODES[0])
    upload = request.files.get("file")
    problems = {}
    if mode not in MODES:
        problems["mode"] = _("Choose how to import the rows.")
        mode = MODES[0]
    if upload is None or not upload.filename:
        problems["file"] = _("Choose a CSV file.")
    elif not upload.filename.lower().endswith(EXTENSIONS):
        problems["file"] = _("The file must be a CSV file (.csv): in a spreadsheet, save the sheet as “CSV UTF-8”.")
    if problems:
        return _page(contest, errors=problems, message=_("Nothing was imported."), mode=mode, status=422)
    raw = upload.stream.read(importing.MAX_BYTES + 1)
    if len(raw) > importing.MAX_BYTES:
        return _page(contest, errors={"file": ngettext(
            "The file is larger than %(num)d megabyte: split it into several files.",
            "The file is larger than %(num)d megabytes: split it into several files.",
            importing.MAX_BYTES // (1024 * 1024))}, message=_("Nothing was imported."), mode=mode, status=413)
    try:
        report, token = importing.import_for_page(contest, raw, user, clock.now(), mode == "all_or_nothing",
                                                  upload.filename)
    except ApiError as err:
        if err.code == "locked":
            raise
        return _refused(contest, err, mode)
    failed = len({e["row"] for e in report["errors"]})
    flash(ngettext("%(num)d entry was imported and approved.", "%(num)d entries were imported and approved.",
                   report["imported"]), "success" if report["imported"] else "error")
    if failed and token is None:  # the rows are in; only the row report is lost (Redis failed after the commit)
        flash(ngettext("%(num)d row had problems and was not imported. Its detailed report could not be kept: "
                       "the audit log lists the rows.",
                       "%(num)d rows had problems and were not imported. Their detailed report could not be kept: "
                       "the audit log lists the rows.", failed), "error")
    elif failed:
        flash(ngettext("%(num)d row had problems and was not imported: see the report.",
                       "%(num)d rows had problems and were not imported: see the report.", failed), "error")
    # Redirected after the POST in every case, so that a reload cannot import the rows twice.
    return redirect(url_for(".import_entries", slug=slug, **({"report": token} if token else {})), 303)


@bp.get("/contests/<slug>/entries/import/template.csv")
@organiser_pages_required
def import_template(slug: str):
    """The columns in order, and one example row in the contest's first category."""
    contest, _user = managed_contest(slug)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csvrows.COLUMNS)
    example = {"category": contest.categories[0].slug if contest.categories else "", "title": "Clean water for all",
               "summary": "A network of village water points.", "team": "Amina Yusuf",
               "organisation": "Water Works", "country": "KE", "links": "https://example.org"}
    writer.writerow([example[name] for name in csvrows.COLUMNS])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{contest.slug}-entries.csv"'})
