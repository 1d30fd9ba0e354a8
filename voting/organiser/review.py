"""The fraud review pages: the queue (report summary, clusters, ballots the
intake held), one cluster with its ballots, the sweep button and the two
decision forms. Views parse the form and call voting.fraud.services; a
refused decision is shown on the page it came from, with the service's status
and each problem next to its field. (CSRFProtect checks every POST first.)"""

from __future__ import annotations

from typing import Any

import redis
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from voting import clock
from voting.auth import organiser_pages_required
from voting.ballots import jobs as ballot_jobs
from voting.contests.models import Contest
from voting.contests.access import managed_contest
from voting.contests.views import describe_contest
from voting.errors import ApiError, say, validation_error
from voting.fraud import decisions, overview, report, services
from voting.fraud import jobs as fraud_jobs
from voting.fraud.models import FraudCluster
from voting.organiser import display, queries
from voting.organiser.blueprint import bp

# Page sizes that keep the fullest page (long evidence, IPv6 prefixes) well
# under the 100 KB budget: the queue holds both lists, a cluster's page one.
CLUSTERS_PER_PAGE = 20
HELD_PER_PAGE = 50
BALLOTS_PER_PAGE = 100
FIELD_LABELS = {"decision": _l("Decision"), "reason": _l("Reason"), "ballot_ids": _l("Ballots")}


def summary(contest: Contest) -> dict[str, Any]:
    """The invalidation report's totals (with the flagged ballots), with each
    reason's name (the report page shows it per category)."""
    found = report.invalidation_report(contest, flagged=True)
    return {**found, "invalidated_reasons": display.by_reason(found["invalidated_by_reason"]),
            "under_review_reasons": display.by_reason(found["under_review_by_reason"]),
            "flagged_reasons": display.by_reason(found["flagged_by_reason"])}


def _ballot_rows(rows: list[dict]) -> list[dict]:
    return [{**row, "status_label": display.status(row["status"]), "reason": display.rule(row["reason"]),
             "cast_iso": row["cast_at"].isoformat(), "verdict_label": display.verdict(row.get("verdict")),
             "score_text": display.score(row.get("score"))} for row in rows]


def _cluster_card(found: dict) -> dict:
    ballots = found["ballots"]
    return {"id": found["id"], "rule": display.rule(found["rule"]), "status": found["status"],
            "status_label": display.status(found["status"]), "evidence": display.pairs(found["evidence"]),
            "kind": display.kind(found["kind"]), "strength": display.score(found["strength"]),
            "ballots": len(ballots), "under_review": sum(b["status"] == "under_review" for b in ballots),
            "flagged": sum(b["verdict"] == "flagged" and b["status"] == "counted" and b["decided_at"] is None
                           for b in ballots)}


def _queue_page(contest: Contest, problem: dict | None = None, status: int = 200):
    page, held_page = display.page_arg("page"), display.page_arg("held")
    found = sorted(overview.clusters(contest), key=lambda c: (c["status"] != "open", c["id"]))
    clusters = display.pager(len(found), page, CLUSTERS_PER_PAGE,
                             lambda n: url_for(".review", slug=contest.slug, page=n, held=held_page))
    held = display.pager(queries.held_count(contest), held_page, HELD_PER_PAGE,
                         lambda n: url_for(".review", slug=contest.slug, page=page, held=n, _anchor="held"))
    cards = [_cluster_card(c) for c in found[clusters["offset"]:clusters["offset"] + clusters["limit"]]]
    return render_template(
        "organiser/review.html", contest=describe_contest(contest, clock.now()), summary=summary(contest),
        state=overview.page_state(contest, clock.now()), clusters=cards, cluster_pages=clusters,
        cluster_total=len(found), held_pages=held,
        held=_ballot_rows(queries.held_ballots(contest, held["offset"], held["limit"])),
        page_args=display.page_args(page=clusters["page"], held=held["page"]), problem=problem), status


def _cluster_page(contest: Contest, cluster: FraudCluster, problem: dict | None = None, status: int = 200):
    counts = queries.cluster_counts(cluster)
    pages = display.pager(sum(counts.values()), display.page_arg("page"), BALLOTS_PER_PAGE,
                          lambda n: url_for(".review_cluster", slug=contest.slug, cluster_id=cluster.id, page=n))
    return render_template(
        "organiser/cluster.html", contest=describe_contest(contest, clock.now()),
        cluster={"id": cluster.id, "rule": display.rule(cluster.rule), "status_label": display.status(cluster.status),
                 "found_at": cluster.found_at, "evidence": display.pairs(cluster.evidence),
                 "kind": display.kind(overview.kind(cluster.rule)), "strength": display.score(cluster.strength),
                 "ballots": sum(counts.values()), "under_review": counts.get("under_review", 0),
                 "flagged": queries.cluster_flagged(cluster)},
        ballots=_ballot_rows(queries.cluster_ballots(cluster, pages["offset"], pages["limit"])), pages=pages,
        page_args=display.page_args(page=pages["page"]), problem=problem), status


@bp.get("/contests/<slug>/review")
@organiser_pages_required
def review(slug: str):
    return _queue_page(managed_contest(slug)[0])


@bp.get("/contests/<slug>/review/clusters/<int:cluster_id>")
@organiser_pages_required
def review_cluster(slug: str, cluster_id: int):
    contest, _user = managed_contest(slug)
    return _cluster_page(contest, services.get_cluster(contest, cluster_id))


@bp.post("/contests/<slug>/review/sweep")
@organiser_pages_required
def sweep(slug: str):
    contest, _user = managed_contest(slug)
    try:
        job = fraud_jobs.enqueue_sweep(contest.id, final=services.voting_closed(contest, clock.now()), full=True)
    except redis.RedisError:
        flash(_("The sweep could not be queued because the job queue is unavailable. Try again shortly."), "error")
        return redirect(url_for(".review", slug=slug), 303)
    flash(_("A fraud sweep is queued (job %(job)s). New clusters appear in the review queue once it has run.",
            job=job.id), "success")
    return redirect(url_for(".job", job_id=job.id), 303)


def _back() -> dict[str, int]:
    """The list pages the form was sent from (its action carries them), to return to."""
    return display.page_args(page=display.page_arg("page"), held=display.page_arg("held"))


def _submitted() -> dict[str, Any]:
    """The form as sent, to fill it in again if the decision is refused."""
    return {"decision": request.form.get("decision", ""), "reason": request.form.get("reason", ""),
            "ballot_ids": request.form.getlist("ballot_ids")}


def _ballot_ids(raw: list[str]) -> list[int]:
    ids = [n for n in map(display.number, raw) if n is not None]
    if len(ids) != len(raw):
        raise validation_error({"ballot_ids": _("names ballots that are not in this contest")})
    if not ids:
        # decide() would accept an empty list and log a decision on nothing.
        raise validation_error({"ballot_ids": _("Check at least one ballot.")})
    return ids


def _refusal(form: str, err: ApiError, sent: dict[str, Any]) -> dict[str, Any]:
    # Services raise English messages that are message ids of the catalogs.
    fields = {name: say(why) for name, why in (err.fields or {}).items()}
    return {"form": form, "message": say(err.message), "fields": fields, "sent": sent,
            "summary": [{"text": f"{FIELD_LABELS.get(name, name)}: {why}", "field": name}
                        for name, why in fields.items()]}


def _decided(contest: Contest, result: dict[str, Any]) -> None:
    flash(ngettext("%(num)d ballot changed status (%(decided)d decided). Audit entry %(hash)s.",
                   "%(num)d ballots changed status (%(decided)d decided). Audit entry %(hash)s.",
                   result["changed"], decided=result["decided"], hash=result["audit_hash"]), "success")
    if result.get("left_alone"):
        flash(ngettext("%(num)d ballot an organiser had already decided on was left as it was; decide it on "
                       "its own to change it.",
                       "%(num)d ballots an organiser had already decided on were left as they were; decide them "
                       "on their own to change them.", len(result["left_alone"])), "notice")
    try:
        ballot_jobs.enqueue_rebuild(contest.id)
    except redis.RedisError:
        flash(_("The decision stands. The live counters could not be updated now; they catch up at the next "
                "scheduled repair."), "notice")


@bp.post("/contests/<slug>/review/clusters/<int:cluster_id>/decision")
@organiser_pages_required
def decide_cluster(slug: str, cluster_id: int):
    contest, user = managed_contest(slug)
    cluster = services.get_cluster(contest, cluster_id)
    sent = _submitted()
    try:
        services.require_open_review(contest)
        result = decisions.decide_cluster(contest, cluster, sent["decision"], sent["reason"], user, clock.now())
    except ApiError as err:
        return _cluster_page(contest, cluster, _refusal("cluster", err, sent), err.status)
    _decided(contest, result)
    return redirect(url_for(".review_cluster", slug=slug, cluster_id=cluster.id, **_back()), 303)


@bp.post("/contests/<slug>/review/ballots/decision")
@organiser_pages_required
def decide_ballots(slug: str):
    contest, user = managed_contest(slug)
    # The same form serves a cluster's page and the held ballots on the queue;
    # the hidden field says which, so a refusal is shown where it was made.
    where = display.number(request.form.get("cluster", ""))
    cluster = services.get_cluster(contest, where) if where else None
    sent = _submitted()
    try:
        services.require_open_review(contest)
        result = decisions.decide(contest, _ballot_ids(sent["ballot_ids"]), sent["decision"], sent["reason"],
                                  user, clock.now())
    except ApiError as err:
        if cluster is not None:
            return _cluster_page(contest, cluster, _refusal("ballots", err, sent), err.status)
        return _queue_page(contest, _refusal("held", err, sent), err.status)
    _decided(contest, result)
    if cluster is not None:
        return redirect(url_for(".review_cluster", slug=slug, cluster_id=cluster.id, **_back()), 303)
    return redirect(url_for(".review", slug=slug, _anchor="held", **_back()), 303)
