"""GET /api/v1/health: liveness (answers without touching anything) and, with
?deep=1, readiness (the database and Redis answer)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from sqlalchemy import text

from voting.errors import ApiError
from voting.extensions import db, get_redis
from voting.i18n.domain import msg

bp = Blueprint("health", __name__, url_prefix="/api/v1")


@bp.get("/health")
def health():
    if request.args.get("deep") not in ("1", "true"):
        return jsonify({"status": "ok"})
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # a readiness probe reports, it does not raise
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        get_redis().ping()
        checks["redis"] = "ok"
    except Exception as exc:
        checks["redis"] = f"error: {type(exc).__name__}"
    if all(v == "ok" for v in checks.values()):
        return jsonify({"status": "ok", **checks})
    failing = ", ".join(f"{name}: {state}" for name, state in checks.items() if state != "ok")
    raise ApiError("service_unavailable", msg("Not ready (%(failing)s).", failing=failing), 503, retry_after=5)
