"""The published ledger of a contest, readable by anyone (docs/ledger.md):
pages of batches by cursor, pages of amendments, one batch. Thin: parse the
cursor, call publish, serialise (a page with leaves is streamed)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request, stream_with_context

from voting import clock
from voting.contests.access import public_contest
from voting.errors import validation_error
from voting.i18n.domain import msg
from voting.ledger import publish

bp = Blueprint("ledger_api", __name__, url_prefix="/api/v1")


def whole(name: str, default: int, least: int, most: int) -> int:
    """A whole-number query parameter in [least, most]; anything else is a 422 naming it."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 20) or not least <= int(raw) <= most:
        raise validation_error({name: msg("must be a whole number from %(least)d to %(most)d",
                                          least=least, most=most)})
    return int(raw)


@bp.get("/contests/<slug>/ledger")
def ledger(slug: str):
    now = clock.now()
    contest = public_contest(slug, now)
    page = publish.ledger_page(contest, now, whole("after", 0, 0, publish.SEQ_MAX),
                               whole("limit", publish.PAGE_LIMIT, 1, publish.PAGE_LIMIT_MAX))
    if page.leaf_batches is None:
        return jsonify(page.body)
    # Streamed: each batch's leaves are read while the answer is sent, inside this request's context.
    return Response(stream_with_context(publish.stream(page)), mimetype="application/json")


@bp.get("/contests/<slug>/ledger/amendments")
def ledger_amendments(slug: str):
    now = clock.now()
    contest = public_contest(slug, now)
    return jsonify(publish.amendments_page(
        contest, now, whole("after", 0, 0, publish.SEQ_MAX),
        whole("limit", publish.AMENDMENT_LIMIT, 1, publish.AMENDMENT_LIMIT_MAX)))


@bp.get("/contests/<slug>/ledger/batches/<int:seq>")
def ledger_batch(slug: str, seq: int):
    now = clock.now()
    return jsonify(publish.batch_page(public_contest(slug, now), now, seq))
