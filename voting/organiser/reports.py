"""The audit log and the invalidation report of a contest, for organisers.
Read-only pages over voting.audit.services and voting.fraud.report."""

from __future__ import annotations

from flask import render_template, url_for

from voting import clock
from voting.audit import services as audit
from voting.auth import organiser_pages_required
from voting.contests.access import managed_contest
from voting.contests.views import category_texts, describe_contest
from voting.organiser import audit_labels, display
from voting.organiser.review import summary
from voting.organiser.blueprint import bp

ENTRIES_PER_PAGE = 50
HASH_SHOWN = 12


def _entry(entry) -> dict:
    return {"seq": entry.seq, "created_at": entry.created_at, "created_iso": entry.created_at.isoformat(),
            "actor": entry.actor, "action": audit_labels.label(entry.action), "action_name": entry.action,
            "subject": audit_labels.subject(entry.action, entry.subject, entry.details),
            "details": display.pairs(entry.details),
            "hash": entry.hash, "short_hash": entry.hash[:HASH_SHOWN]}


@bp.get("/contests/<slug>/audit")
@organiser_pages_required
def audit_log(slug: str):
    contest, _user = managed_contest(slug)
    entries = audit.entries(contest)  # oldest first; verify() reads the same rows
    pages = display.pager(len(entries), display.page_arg(), ENTRIES_PER_PAGE,
                          lambda n: url_for(".audit_log", slug=slug, page=n))
    newest_first = entries[::-1][pages["offset"]:pages["offset"] + pages["limit"]]
    return render_template("organiser/audit.html", contest=describe_contest(contest, clock.now()),
                           problems=audit.verify(contest), total=len(entries), pages=pages,
                           entries=[_entry(e) for e in newest_first])


@bp.get("/contests/<slug>/report")
@organiser_pages_required
def invalidation_report(slug: str):
    contest, _user = managed_contest(slug)
    found = summary(contest)
    titles = {c.slug: category_texts(contest, c)["title"] for c in contest.categories}  # the reader's language
    categories = [{**row, "title": titles.get(row["slug"], row["slug"]),
                   "invalidated_reasons": display.by_reason(row["invalidated_by_reason"]),
                   "under_review_reasons": display.by_reason(row["under_review_by_reason"])}
                  for row in found["categories"]]
    # Spelled out below the table: an abbr's title is out of reach of keyboards and touch.
    named = sorted({*found["invalidated_by_reason"], *found["under_review_by_reason"]})
    return render_template("organiser/report.html", contest=describe_contest(contest, clock.now()),
                           summary=found, categories=categories, reasons=[display.rule(n) for n in named])
