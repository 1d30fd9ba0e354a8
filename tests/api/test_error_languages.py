"""The API's error messages in the reader's language: a field's problem found
by pydantic (wrong type, missing, unknown, too long, out of range, not one of
the choices, not a timestamp), by email_validator, or in the JSON itself, each
said in the words of the catalogue of the language the request asks for
(`Accept-Language`), never in pydantic's or the library's English.

The expected text is read from the language's catalogue (voting/translations),
so a message the catalogues do not hold yet is English until they are updated;
the messages they hold already must come back translated."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from babel.support import Translations

from tests.support.api import Api, organiser_api
from tests.support.factories import PASSWORD, spec

CATALOGUES = Path(__file__).resolve().parents[2] / "voting" / "translations"
LANGUAGES = {"ar": "ar", "zh": "zh_Hans", "fr": "fr", "ru": "ru", "es": "es", "en": "en"}


def said(locale: str, msgid: str, plural: str | None = None, **values) -> str:
    """A message as the locale's catalogue words it (English where it has no entry yet)."""
    words = Translations.load(str(CATALOGUES), [locale])
    if plural is not None:
        return words.ungettext(msgid, plural, values["num"]) % values
    text = words.ugettext(msgid)
    return text % values if values else text


def translated(locale: str, msgid: str) -> bool:
    return locale != "en" and Translations.load(str(CATALOGUES), [locale]).ugettext(msgid) != msgid


def _set(body: dict, path: str, value) -> dict:
    body = copy.deepcopy(body)
    *parents, last = path.split(".")
    node = body
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    if value is DROP:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return body


DROP = object()

# (SPEC field, bad value, msgid, plural or None, values): one of each kind of pydantic error a SPEC meets.
SPEC_PROBES = [
    ("title", 123, "must be a string", None, {}),
    ("title", "   ", "must not be empty", None, {}),
    ("description", "d" * 5001, "must be at most %(num)d character", "must be at most %(num)d characters",
     {"num": 5000}),
    ("colour", "blue", "is not a known field", None, {}),
    ("kind", DROP, "is required", None, {}),
    ("categories", "c1", "must be a list", None, {}),
    ("awards.champions_per_category", "5", "must be a whole number", None, {}),
    ("awards.champions_per_category", 0, "must be at least %(limit)s", None, {"limit": 1}),
    ("awards.public_weight", 2.0, "must be at most %(limit)s", None, {"limit": 1.0}),
    ("awards.policy", "lottery", "must be one of %(choices)s", None,
     {"choices": "'public', 'jury', 'jury_among_champions', 'hybrid'"}),
    ("phases.voting.opens_at", "next tuesday", "must be an ISO 8601 timestamp string with an offset", None, {}),
    ("phases.voting.opens_at", "2026-05-01T10:00:00", "must have a time zone offset", None, {}),
]


@pytest.fixture
def boss(app, make):
    return organiser_api(app, make)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_spec_field_errors_come_in_the_readers_language(boss, lang):
    locale = LANGUAGES[lang]
    for path, value, msgid, plural, values in SPEC_PROBES:
        body = _set(spec(slug=f"lang-{lang}"), path, value)
        resp = boss.post("/api/v1/contests", json=body, headers={"Accept-Language": lang})
        assert resp.status_code == 422, (path, resp.get_json())
        error = resp.get_json()["error"]
        expected = said(locale, msgid, plural, **values)
        assert error["fields"][path] == expected, (lang, path, error["fields"])
        assert error["message"] == said(locale, "The contest SPEC has invalid fields.") or error["message"]
        if translated(locale, msgid):
            english = (plural if plural and values.get("num") != 1 else msgid) % values if values else msgid
            assert error["fields"][path] != english, (lang, path)


REGISTER_PROBES = [
    ({"display_name": 5}, "display_name", "must be a string", None, {}),
    ({"password": "x" * 1001}, "password", "must be at most %(num)d character", "must be at most %(num)d characters",
     {"num": 1000}),
    ({"nickname": "ada"}, "nickname", "is not a known field", None, {}),
    ({"email": "ada.example.org"}, "email", "must have an @ sign", None, {}),
    ({"email": "ada@example"}, "email", "must have a period in the domain name after the @ sign", None, {}),
    ({"email": "a b@example.org"}, "email", "has characters an email address cannot hold: %(chars)s", None,
     {"chars": "SPACE"}),
    ({"email": "ada@example.invalid"}, "email", "has a domain name after the @ sign that cannot receive mail", None,
     {}),
    ({"email": "Ada <ada@example.org>"}, "email", "must be the address alone, without a name or angle brackets",
     None, {}),
]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_registration_errors_come_in_the_readers_language(client, lang):
    locale = LANGUAGES[lang]
    api = Api(client)
    api.refresh_csrf()
    for change, path, msgid, plural, values in REGISTER_PROBES:
        body = {"email": "ada@example.org", "password": PASSWORD, "display_name": "Ada", **change}
        resp = api.post("/api/v1/auth/register", json=body, headers={"Accept-Language": lang})
        assert resp.status_code == 422, (change, resp.get_json())
        assert resp.get_json()["error"]["fields"][path] == said(locale, msgid, plural, **values), (lang, change)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_body_that_is_not_json_is_explained_in_the_readers_language(client, lang):
    locale = LANGUAGES[lang]
    api = Api(client)
    api.refresh_csrf()
    headers = {"Accept-Language": lang, "Content-Type": "application/json", "X-CSRFToken": api.csrf}
    for raw, msgid, values in [
        (b'{"email": ', "The request body is not valid JSON (line %(line)d, column %(column)d).",
         {"line": 1, "column": 11}),
        (b'{"n": NaN}', "The request body is not valid JSON: %(name)s is not a JSON number.", {"name": "NaN"}),
        (b'{"n": "\xff"}', "The request body is not valid JSON: it is not UTF-8 text.", {}),
    ]:
        resp = client.post("/api/v1/auth/register", data=raw, headers=headers)
        assert resp.status_code == 400
        error = resp.get_json()["error"]
        assert error["code"] == "malformed_json" and error["message"] == said(locale, msgid, **values), raw
