"""Parsing request bodies into validated models, with field-path errors."""

from __future__ import annotations

import json
from typing import TypeVar

from flask import request
from pydantic import BaseModel, ValidationError

from voting.errors import ApiError, validation_error
from voting.i18n.domain import N_, msg, validation_message

M = TypeVar("M", bound=BaseModel)

def field_errors(err: ValidationError, prefix: str = "") -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in err.errors():
        path = ".".join(str(part) for part in item["loc"]) or "body"
        if prefix:
            path = f"{prefix}.{path}" if path != "body" else prefix
        fields.setdefault(path, validation_message(item))  # translatable words (voting/errors.py says them)
    return fields


def json_payload() -> object:
    """The decoded JSON body, or a 4xx explaining what is wrong with it."""
    if not request.is_json:
        raise ApiError("unsupported_media_type", "Send the body as JSON with Content-Type: application/json.", 415)
    return decode_json(request.get_data(cache=True))


def decode_json(raw: bytes) -> object:
    """A JSON body decoded, or a 4xx explaining what is wrong with it."""
    if not raw:
        raise ApiError("malformed_json", "The request body is empty; a JSON object was expected.", 400)
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError("malformed_json", _json_problem(exc), 400) from None
    except RecursionError:
        raise ApiError("malformed_json", "The request body is nested too deeply.", 400) from None
    bad = first_unstorable(data)
    if bad is not None:
        raise ApiError("malformed_json", msg("The request body has text that cannot be stored: %(why)s", why=bad), 400)
    return data


class _NotJsonNumber(ValueError):
    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


def _refuse_constant(name: str):
    raise _NotJsonNumber(name)


def _json_problem(exc: Exception) -> str:
    """Why the body is not JSON, in translatable words: the json module's own
    ("Expecting value: …") are English, so only where it went wrong is kept."""
    if isinstance(exc, _NotJsonNumber):
        return msg("The request body is not valid JSON: %(name)s is not a JSON number.", name=exc.name)
    if isinstance(exc, json.JSONDecodeError):
        return msg("The request body is not valid JSON (line %(line)d, column %(column)d).", line=exc.lineno,
                   column=exc.colno)
    return N_("The request body is not valid JSON: it is not UTF-8 text.")


def unstorable_text(text: str) -> bool:
    """NUL bytes (PostgreSQL text refuses them) and lone surrogates (not UTF-8)."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def first_unstorable(data: object) -> str | None:
    """Why a decoded body cannot be stored, or None. Iterative: bodies may be deep."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if unstorable_text(item):
                return N_("a string holds a NUL character or a lone surrogate")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def parse_body(model: type[M]) -> M:
    return validate(model, json_payload())


def validate(model: type[M], data: object) -> M:
    """A decoded body as the model, or 422 naming every field that is wrong."""
    if not isinstance(data, dict):
        raise validation_error({"body": N_("must be a JSON object")})
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise validation_error(field_errors(err)) from None
