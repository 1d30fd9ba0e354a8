"""gunicorn's configuration for this app (`gunicorn -c python:voting.gunicorn_conf`):
an access log that never holds a receipt code.

A receipt code lets anyone read its ballot's receipt (and, once voting has
closed, whether it was counted), so it must not be kept where people other
than its holder read: the pages send it in a POST body, but the API's
`GET /api/v1/receipts/{code}` (public contract) and old links to
`/receipts/{code}` still put it in a path, and an old `?code=` in a query.
The access log gets those with the code cut out, in every field that can
carry it (request line, path, query, Referer, any other header or environ
value a custom log format names).

The reverse proxy in front keeps its own access log, which needs the same
care (docs/deploy.md).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from gunicorn.glogging import Logger

REDACTED = "[redacted]"
# /receipts/<code> and /api/v1/receipts/<code>, not /api/v1/receipts/lookup (whose code is in the body).
RECEIPT_PATH = re.compile(r"(/receipts/)(?!lookup(?:[/?#;\s\"]|$))[^/?#;\s\"]+", re.IGNORECASE)
CODE_QUERY = re.compile(r"((?:^|[?&;])(?:code|receipt)=)[^&;#\s\"]*", re.IGNORECASE)


def redact(text: str) -> str:
    """The text with any receipt code cut out. Percent-encoded text is
    decoded first when that is what hides a code (`/%72eceipts/…`)."""
    lowered = text.lower()
    if "%" not in text and "receipt" not in lowered and "code=" not in lowered:
        return text  # nearly every value: no pattern runs
    if "%" in text:
        decoded = unquote(text)
        if _carries_code(decoded):
            text = decoded
    if not _carries_code(text):
        return text
    return CODE_QUERY.sub(r"\1" + REDACTED, RECEIPT_PATH.sub(r"\1" + REDACTED, text))


def _carries_code(text: str) -> bool:
    return bool(RECEIPT_PATH.search(text) or CODE_QUERY.search(text))


class RedactingLogger(Logger):
    """gunicorn's logger, with receipt codes cut out of the access log's atoms."""

    def atoms(self, resp, req, environ, request_time):
        found = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in found.items()}


logger_class = RedactingLogger
