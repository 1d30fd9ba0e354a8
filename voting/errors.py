"""The API's error shape and the handlers that guarantee it.

Every error under /api/ answers `{"error": {"code", "message", "fields"?}}`;
pages get an HTML page with the same status.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from voting.i18n.domain import N_, Message, msg

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "login_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "service_unavailable",
}


# Werkzeug's own errors say their name and description in English; these are
# said instead, translated (an unlisted status keeps Werkzeug's words).
HTTP_WORDS = {
    400: (N_("Bad request"), N_("The request could not be understood.")),
    403: (N_("Forbidden"), N_("You are not allowed to do that.")),
    404: (N_("Page not found"), N_("There is nothing at this address. Check the address, or start from the list of "
                                   "contests.")),
    405: (N_("Method not allowed"), N_("This address does not accept that kind of request.")),
    413: (N_("Too large"), N_("What was sent is larger than this address accepts.")),
    415: (N_("Unsupported media type"), N_("This address does not accept that type of content.")),
}


class ApiError(Exception):
    """A client-facing error. Services raise it; the handlers render it."""

    def __init__(self, code: str, message: str, status: int, fields: dict[str, str] | None = None,
                 retry_after: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.fields = fields
        self.retry_after = retry_after


def validation_error(fields: dict[str, str], message: str = "The request has invalid fields.") -> ApiError:
    return ApiError("validation_error", message, 422, fields)


# Each thing a service may not find, as a whole sentence: translators see
# "No such contest." rather than a noun to slot into a sentence of another grammar.
NOT_FOUND = {
    "resource": N_("No such resource."),
    "account with that address": N_("No such account with that address."),
    "batch": N_("No such batch."),
    "category": N_("No such category."),
    "cluster": N_("No such cluster."),
    "contest": N_("No such contest."),
    "entry": N_("No such entry."),
    "job": N_("No such job."),
    "judge of this contest": N_("No such judge of this contest."),
    "organiser": N_("No such organiser."),
    "page": N_("No such page."),
    "receipt": N_("No such receipt."),
    "score sheet": N_("No such score sheet."),
    "team": N_("No such team."),
}


def not_found(what: str = "resource") -> ApiError:
    return ApiError("not_found", NOT_FOUND.get(what) or msg("No such %(what)s.", what=what), 404)


def forbidden(message: str = "You are not allowed to do that.") -> ApiError:
    return ApiError("forbidden", message, 403)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def say(text: str) -> str:
    """A service's message in the reader's language. Services raise English
    messages, which are the catalogues' ids (babel.cfg extracts them); a `Message`
    carries its id and values. Text from elsewhere (a library's message) stays as it is."""
    if isinstance(text, Message):
        values = {name: say(value) if isinstance(value, Message) else value for name, value in text.values.items()}
        if text.plural is not None:
            return ngettext(text.msgid, text.plural, values.pop("num"), **values)
        return _(text.msgid, **values)
    return _(text) if text else text


def error_response(err: ApiError) -> Response:
    body: dict = {"code": err.code, "message": say(err.message)}
    if err.fields:
        body["fields"] = {path: say(why) for path, why in err.fields.items()}
    resp = jsonify({"error": body})
    resp.status_code = err.status
    if err.retry_after is not None:
        resp.headers["Retry-After"] = str(max(1, int(err.retry_after)))
    return resp


def _page(status: int, title: str, message: str, retry_after: int | None = None):
    resp = Response(render_template("error.html", status=status, title=title, message=message), status)
    if retry_after is not None:
        resp.headers["Retry-After"] = str(max(1, retry_after))
    return resp


def _retry_after(exc: RateLimitExceeded) -> int:
    # An upper bound; Flask-Limiter's header injection replaces it with the exact reset time.
    return int(exc.limit.limit.get_expiry())


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def handle_api_error(err: ApiError):
        if wants_json():
            return error_response(err)
        return _page(err.status, _("Something is not right"), say(err.message), err.retry_after)

    @app.errorhandler(CSRFError)
    def handle_csrf(err: CSRFError):
        message = _("The form or request is missing a valid CSRF token. Reload the page and try again.")
        if wants_json():
            return error_response(ApiError("csrf_failed", message, 403))
        return _page(403, _("Session expired"), message)

    @app.errorhandler(RateLimitExceeded)
    def handle_rate_limit(err: RateLimitExceeded):
        retry = _retry_after(err)
        message = ngettext("Too many attempts. Try again in %(num)d second.",
                           "Too many attempts. Try again in %(num)d seconds.", retry)
        if wants_json():
            return error_response(ApiError("rate_limited", message, 429, retry_after=retry))
        return _page(429, _("Too many attempts"), message, retry)

    @app.errorhandler(HTTPException)
    def handle_http(err: HTTPException):
        status = err.code or 500
        code = HTTP_CODES.get(status, "bad_request" if status < 500 else "internal_error")
        # Keep what the exception says beyond its body, such as 405's Allow.
        extra = [(k, v) for k, v in err.get_headers() if k.lower() != "content-type"]
        # An abort() with its own description keeps it; Werkzeug's stock words are replaced.
        stock = type(err).description
        title, words = HTTP_WORDS.get(status, (err.name, err.description or ""))
        description = words if err.description in (None, stock) else err.description
        if wants_json():
            resp = error_response(ApiError(code, description or title, status))
        else:
            resp = _page(status, _(title), say(description))
        resp.headers.extend(extra)
        return resp

    @app.errorhandler(Exception)
    def handle_unexpected(err: Exception):
        # The route's rule, not the path: a path may hold a receipt code, which must stay out of logs.
        log.exception("unhandled error on %s %s", request.method, request.url_rule or "(no route)")
        from voting.services_health import is_infrastructure_error
        if is_infrastructure_error(err):
            message = _("A backing service is unavailable. Try again shortly.")
            if wants_json():
                return error_response(ApiError("service_unavailable", message, 503, retry_after=5))
            return _page(503, _("Service unavailable"), message, 5)
        if wants_json():
            return error_response(ApiError("internal_error", "An unexpected error occurred.", 500))
        return _page(500, _("Something went wrong"), _("An unexpected error occurred."))
