"""Property-based fuzzing of every operation of the served OpenAPI document.

Schemathesis loads `GET /api/v1/openapi.json` from the app itself and, for
each operation, generates requests: the document's examples, its coverage
cases (boundary values, missing and wrongly typed fields, values outside
enums, undeclared methods) and Hypothesis-generated bodies, path and query
parameters, headers and cookies, both fitting the schemas and not. Every
answer must be the API's own:

- never a 5xx;
- every non-2xx answer JSON (`Content-Type: application/json`) in the error
  shape `{"error": {"code", "message", "fields"?}}`, and every 2xx body JSON;
- a status the operation documents, a body that fits the documented schema
  and the documented content type (schemathesis' conformance checks).

Each operation is a test of its own, run twice: anonymously (no cookie; a
fuzzed `session` cookie goes along on reads only, since on a write it would
only meet the CSRF rule) and as a signed-in organiser with the session's
`X-CSRFToken`. The autouse fixture of tests/conftest.py empties the tables and
Redis before each, and tests/support/fuzzing.py makes the data anew: a contest
in its voting phase with entries (no proof of work, so fuzzed ballots reach
the intake), a ballot, its receipt, a fraud cluster holding it and a queued
job; contests of the other voting methods for the ballot operation, and a
photo contest for the entry upload. A case whose path, query or body names a
contest, entry, receipt, cluster, job, account, category or ballot is also sent
grounded in that data, so that it gets past the lookups to the code behind
them (a fuzzed body is grounded too; an example's or a coverage case's body is
left as it is, since what it varies is the point of it). The generated case
itself goes too when it was fuzzed, when its operation has no path parameters
or when it is a coverage case about a path or query parameter.

Deterministic (derandomized, no example database) and bounded: MAX_EXAMPLES
fuzzed cases per operation and role on top of the examples and the coverage
cases; anonymous requests to operations that need a session get a few fuzzed
cases only (they are refused before their input is read).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis import checks as st_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup

import voting.api
from tests.support.api import Api
from tests.support.fuzzing import METHODS, FuzzData, fuzz_data

MAX_EXAMPLES = 25
ANONYMOUS_REFUSED_EXAMPLES = 10
ROLES = ("anonymous", "organiser")
HTTP_METHODS = ("get", "put", "post", "patch", "delete")
SAFE = ("GET", "HEAD", "OPTIONS")
SCHEMA_PATH = "/api/v1/openapi.json"
BALLOTS = "/api/v1/contests/{slug}/ballots"
ENTRIES = "/api/v1/contests/{slug}/entries"
# The document's own promises about each answer. (Not the checks that judge which requests should be
# accepted: the SPEC's cross-field rules, tokens and rate limits are beyond what a schema can say.)
CONFORMANCE = [st_checks.status_code_conformance, st_checks.content_type_conformance,
               st_checks.response_schema_conformance, st_checks.response_headers_conformance]


def config(*, coverage: bool, max_examples: int) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict({
        "generation": {"max-examples": max_examples, "deterministic": True, "database": "none"},
        "phases": {"examples": {"enabled": True}, "coverage": {"enabled": coverage}, "fuzzing": {"enabled": True},
                   "stateful": {"enabled": False}},
        "suppress-health-check": ["all"],
    })


def _documented_operations() -> list[tuple[str, str]]:
    """The operations of the document the package ships, which is the one the app serves (test_openapi.py);
    test_every_served_operation_is_fuzzed checks the served one against this list."""
    document = json.loads(Path(voting.api.__file__).with_name("openapi.json").read_text(encoding="utf-8"))
    return [(path, method) for path, item in document["paths"].items() for method in HTTP_METHODS if method in item]


TARGETS = [(path, method, role) for path, method in _documented_operations() for role in ROLES]


@dataclass(frozen=True)
class Target:
    path: str
    method: str
    role: str


@pytest.fixture(scope="module")
def fuzz_app(app, base_settings):
    """The suite's settings with the login and registration limits out of the way: a 429 would answer
    before the code behind it runs. (A 429 is a 4xx all the same, and would pass.)"""
    from voting import create_app

    return create_app({**base_settings, "register_limit_ip": "100000/minute", "login_limit_ip": "100000/minute",
                       "login_limit_account": "100000/minute"})


@pytest.fixture(scope="module")
def served_schema(fuzz_app):
    """The document the app serves, loaded through its own WSGI interface."""
    return schemathesis.openapi.from_wsgi(SCHEMA_PATH, fuzz_app, config=config(coverage=True, max_examples=1))


@pytest.fixture(params=TARGETS, ids=lambda t: f"{t[1].upper()} {t[0]} as {t[2]}")
def target(request) -> Target:
    return Target(*request.param)


@pytest.fixture
def fuzz_schema(request, served_schema, fuzz_app, target):
    """The served document narrowed to the target's operation (the path keeps its shared parameters, the
    components stay whole), so that each operation is a test with data of its own."""
    # schemathesis' `from_fixture` tests (4.32) read and rename `item._nodeid`, which pytest 9.2 no longer has
    # (it keeps `_id`): give them the attribute to read. Renaming it changes nothing pytest reads.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid
    raw = served_schema.raw_schema
    item = raw["paths"].get(target.path, {})
    assert target.method in item, f"{target.method.upper()} {target.path} is not in the served document"
    shared = {key: value for key, value in item.items() if key not in HTTP_METHODS}
    operation = copy.deepcopy(item[target.method])
    content = operation.get("requestBody", {}).get("content", {})
    for media_type in [m for m in content if m != "application/json"]:
        if content[media_type] == content.get("application/json"):
            del content[media_type]  # the same body under another name (PATCH's merge-patch+json)
    narrowed = {**raw, "paths": {target.path: {**shared, target.method: operation}}}
    if target.role == "anonymous" and {} not in operation.get("security", [{}]):
        settings = config(coverage=False, max_examples=ANONYMOUS_REFUSED_EXAMPLES)
    else:
        settings = config(coverage=True, max_examples=MAX_EXAMPLES)
    schema = schemathesis.openapi.from_dict(copy.deepcopy(narrowed), config=settings)
    schema.app = fuzz_app
    return schema


schema = schemathesis.pytest.from_fixture("fuzz_schema")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class World:
    """The data, a client acting as the target's role, and the checks of every answer."""

    def __init__(self, app, data: FuzzData, role: str):
        self.app = app
        self.data = data
        self.role = role
        self.api = data.organiser if role == "organiser" else Api(app.test_client())

    # --- grounding a case in the data ------------------------------------------------------------------------

    def contest_for(self, case) -> str:
        """The contest a grounded case names: for a ballot, the one whose voting method reads its selection;
        for an upload, the photo contest."""
        data = self.data
        body = case.body if isinstance(case.body, dict) else {}
        if case.path == BALLOTS:
            selection = body.get("selection")
            if isinstance(selection, dict):
                return data.by_method.get("score", data.slug)
            if isinstance(selection, list) and len(selection) > 1:
                return data.by_method.get("approval" if len(selection) % 2 == 0 else "ranked", data.slug)
        if case.path == ENTRIES and data.photo and (case.media_type or "").startswith("multipart/"):
            return data.photo
        return data.slug

    def path_value(self, name: str, generated: Any, slug: str) -> Any:
        data = self.data
        known = {"slug": slug, "entry_id": data.entry_ids[0], "cluster_id": data.cluster_id, "code": data.receipt,
                 "job_id": data.job_id, "user_id": data.organiser_id, "team_id": data.team_id}
        return known.get(name, generated)

    def ground_body(self, body: Any, slug: str) -> Any:
        """References in a generated body pointed at things that exist, each keeping its JSON type."""
        if not isinstance(body, dict):
            return body
        body = copy.deepcopy(body)
        data = self.data
        entries = data.entries_of.get(slug) or data.entries
        categories = sorted(entries) or data.categories
        category = body.get("category")
        if isinstance(category, str):
            category = body["category"] = categories[len(category) % len(categories)]
        ids = entries.get(category) if isinstance(category, str) else None
        ids = ids or [i for group in entries.values() for i in group] or data.entry_ids
        selection = body.get("selection")
        if isinstance(selection, list):
            body["selection"] = [ids[v % len(ids)] if _is_int(v) else v for v in selection]
        elif isinstance(selection, dict):
            body["selection"] = {str(ids[i % len(ids)]): v for i, v in enumerate(selection.values())}
        if isinstance(body.get("receipt"), str):
            body["receipt"] = data.receipt
        if isinstance(body.get("email"), str):
            body["email"] = data.voter_email  # an account that exists
        ballot_ids = body.get("ballot_ids")
        if isinstance(ballot_ids, list):
            body["ballot_ids"] = [data.ballot_ids[v % len(data.ballot_ids)] if _is_int(v) else v
                                  for v in ballot_ids]
        return body

    def grounded(self, case):
        """The case with its references to the data made real, or None if it has none. A fuzzed case has
        its body grounded too; the examples' and coverage cases' bodies stay as they are, since what they
        vary is the point of them."""
        fuzzed = is_fuzzed(case)
        if not case.path_parameters and "contest" not in (case.query or {}) \
                and not (fuzzed and isinstance(case.body, dict)):
            return None
        slug = self.contest_for(case)
        derived = case.derive()
        derived.path_parameters = {name: self.path_value(name, value, slug)
                                   for name, value in case.path_parameters.items()}
        if "contest" in (case.query or {}):
            derived.query = {**case.query, "contest": slug}
        if fuzzed and isinstance(case.body, dict):
            derived.body = self.ground_body(case.body, slug)
        if (derived.path_parameters, derived.query, derived.body) == (case.path_parameters, case.query, case.body):
            return None
        return derived

    # --- sending and checking --------------------------------------------------------------------------------

    def send(self, case) -> None:
        headers = {}
        if self.role == "anonymous" and case.method not in SAFE:
            # A fuzzed session cookie on a write is refused by the CSRF rule before anything else runs.
            case.cookies.pop("session", None)
        if self.role == "organiser":
            # The signed-in client's own cookie and token, not generated ones (schemathesis' cookie handler
            # would also delete the client's session cookie after the call).
            case.cookies.pop("session", None)
            headers["X-CSRFToken"] = self.api.csrf
        response = case.call(session=self.api.client, headers=headers)
        found = problems(case, response)
        try:
            case.validate_response(response, checks=CONFORMANCE)
        except FailureGroup as group:
            found += [f"{failure.title}: {failure.message}" for failure in group.exceptions]
        if found:
            raise AssertionError(f"{describe(case)} as {self.role}\n  -> " + "\n  -> ".join(found))

    def run(self, case) -> None:
        grounded = self.grounded(case)
        if grounded is None or worth_sending_as_generated(case):
            self.send(case)
        if grounded is not None:
            self.send(grounded)


def is_fuzzed(case) -> bool:
    return case.meta is None or case.meta.phase.name.value == "fuzzing"


def worth_sending_as_generated(case) -> bool:
    """Fuzzed cases, cases of operations without path parameters and coverage cases about a path or query
    parameter go as generated too; the other examples' and coverage cases would only meet a 404 for a
    contest (entry, cluster...) that does not exist."""
    if is_fuzzed(case) or not case.path_parameters:
        return True
    location = getattr(case.meta.phase.data, "parameter_location", None)
    return getattr(location, "value", None) in ("path", "query")


def documented_without_body(case, status: int) -> bool:
    """Whether the operation documents this status as an answer without content (204, a 202 "no body")."""
    response = case.operation.definition.raw.get("responses", {}).get(str(status))
    if response is None:
        return False
    if "$ref" in response:
        response = case.operation.schema.raw_schema["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return not response.get("content")


def problems(case, response) -> list[str]:
    """No 5xx; every non-2xx is the API's error shape, as JSON; every body JSON. (An answer without a
    body, to HEAD or OPTIONS or documented without content, need not say what it is.)"""
    status = response.status_code
    text = response.content[:400].decode("utf-8", "replace")
    if status >= 500:
        return [f"{status}: {text}"]
    if not response.content and (case.method in ("HEAD", "OPTIONS") or documented_without_body(case, status)):
        return []
    content_type = (response.headers.get("content-type") or [""])[0]
    if status < 300 and content_type.split(";")[0].strip() == "text/csv" and "/exports/" in case.path:
        return []  # a CSV download, documented as such
    if content_type.split(";")[0].strip() != "application/json":
        return [f"{status} {content_type}: {text}"]
    try:
        body = json.loads(response.content)
    except ValueError:
        return [f"{status}: not JSON: {text}"]
    if status < 300:
        return []
    if not (isinstance(body, dict) and set(body) == {"error"} and isinstance(body["error"], dict)):
        return [f"{status}, not in the error shape: {text}"]
    error = body["error"]
    found = []
    if not set(error) <= {"code", "message", "fields"}:
        found.append(f"{status}, unexpected members in the error: {text}")
    if not (isinstance(error.get("code"), str) and error["code"]):
        found.append(f"{status}, no code: {text}")
    if not (isinstance(error.get("message"), str) and error["message"]):
        found.append(f"{status}, no message: {text}")
    fields = error.get("fields", {"": ""})
    if not (isinstance(fields, dict) and fields
            and all(isinstance(k, str) and isinstance(v, str) for k, v in fields.items())):
        found.append(f"{status}, fields not a non-empty map of strings: {text}")
    return found


def describe(case) -> str:
    return (f"{case.method} {case.formatted_path} query={case.query!r} headers={dict(case.headers or {})!r} "
            f"cookies={case.cookies!r} media_type={case.media_type!r} body={_short(case.body)}")


def _short(body: Any) -> str:
    if type(body).__name__ == "NotSet":
        return "(none)"
    try:
        text = json.dumps(body, default=repr)
    except (TypeError, ValueError):
        text = repr(body)
    return text if len(text) < 400 else text[:400] + "…"


@pytest.fixture
def world(fuzz_app, make, target) -> World:
    data = fuzz_data(fuzz_app, make, methods=METHODS if target.path == BALLOTS else (),
                     photo=target.path == ENTRIES)
    return World(fuzz_app, data, target.role)


@schema.parametrize()
def test_every_operation_answers_in_the_api_shape(case, world):
    world.run(case)


def test_every_served_operation_is_fuzzed(served_schema):
    served = [(path, method) for path, item in served_schema.raw_schema["paths"].items()
              for method in HTTP_METHODS if method in item]
    assert sorted(served) == sorted({(path, method) for path, method, _role in TARGETS})
