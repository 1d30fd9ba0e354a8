"""The API's error shape and the handlers that guarantee it.

Every error under /api/ answers `{"error": {"code", "message", "fields"?}}`;
pages get an HTML page with the same status.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

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


def not_found(what: str = "resource") -> ApiError:
    return ApiError("not_found", f"No such {what}.", 404)


def forbidden(message: str = "You are not allowed to do that.") -> ApiError:
    return ApiError("forbidden", message, 403)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(err: ApiError) -> Response:
    # Services raise English messages; they are message ids of the catalogs.
    body: dict = {"code": err.code, "message": _(err.message)}
    if err.fields:
        body["fields"] = {path: _(why) for path, why in err.fields.items()}
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
        return _page(err.status, _("Something is not right"), _(err.message), err.retry_after)

    @app.errorhandler(CSRFError)
    def handle_csrf(err: CSRFError):
        message = _("The form or request is missing a valid CSRF token. Reload the page and try again.")
        if wants_json():
            return error_response(ApiError("csrf_failed", message, 403))
        return _page(403, _("Session expired"), message)

    @app.errorhandler(RateLimitExceeded)
    def handle_rate_limit(err: RateLimitExceeded):
        retry = _retry_after(err)
        message = _("Too many attempts. Try again in %(seconds)d seconds.", seconds=retry)
        if wants_json():
            return error_response(ApiError("rate_limited", message, 429, retry_after=retry))
        return _page(429, _("Too many attempts"), message, retry)

    @app.errorhandler(HTTPException)
    def handle_http(err: HTTPException):
        status = err.code or 500
        code = HTTP_CODES.get(status, "bad_request" if status < 500 else "internal_error")
        # Keep what the exception says beyond its body, such as 405's Allow.
        extra = [(k, v) for k, v in err.get_headers() if k.lower() != "content-type"]
        if wants_json():
            resp = error_response(ApiError(code, err.description or err.name, status))
        else:
            resp = _page(status, err.name, err.description or "")
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
