"""Property-based fuzzing of every operation of the served OpenAPI document.

Schemathesis reads `GET /api/v1/openapi.json` from the app and generates
requests for each operation: the document's examples, its coverage cases
(boundaries, missing and wrongly typed fields, values outside enums) and
Hypothesis-generated bodies, path and query parameters, headers and cookies,
both fitting the schemas and not. Every answer must be the API's: no 5xx, and
every non-2xx JSON in the error shape.

Each operation runs as its own test, once anonymously (no cookie; the fuzzed
`session` cookie and `X-CSRFToken` header go as generated) and once as a
signed-in organiser with the session's CSRF token, with tables and Redis
emptied and the data of tests/support/fuzzing.py made anew: a contest in its
voting phase with entries (no proof of work, so fuzzed ballots reach the
intake), a ballot, its receipt, a fraud cluster holding it and a queued job.
A request whose path or query names a contest, entry, receipt, cluster or job
is sent twice: as generated, and grounded in that data (its references in the
body too), so that it gets past the lookups to the code behind them.

Deterministic (derandomized, no example database) and bounded, so that CI
runs the same requests every time.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig

import voting.api
from tests.support.api import Api
from tests.support.fuzzing import FuzzData, fuzz_data

import os
COLLECT = os.environ.get("FUZZ_COLLECT")
MAX_EXAMPLES = 25
ANONYMOUS_REFUSED_EXAMPLES = 10
ROLES = ("anonymous", "organiser")
HTTP_METHODS = ("get", "put", "post", "patch", "delete")
SCHEMA_PATH = "/api/v1/openapi.json"



def config(*, coverage: bool, max_examples: int) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict({
        "generation": {"max-examples": max_examples, "deterministic": True, "database": "none"},
        "phases": {"examples": {"enabled": True}, "coverage": {"enabled": coverage}, "fuzzing": {"enabled": True},
                   "stateful": {"enabled": False}},
        "suppress-health-check": ["all"],
    })


def _documented_operations() -> list[tuple[str, str]]:
    """The operations of the document the package ships (the one the app serves: test_openapi.py)."""
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
    """The suite's settings with the login and registration limits out of the way: a 429 would
    answer before the code behind it runs. (429 is a 4xx all the same, and allowed below.)"""
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
def fuzz_schema(served_schema, fuzz_app, target):
    """The served document narrowed to the target's operation (paths keep their shared parameters;
    components stay whole), so that each operation is a test with data of its own."""
    raw = served_schema.raw_schema
    item = raw["paths"].get(target.path, {})
    assert target.method in item, f"{target.method.upper()} {target.path} is not in the served document"
    shared = {key: value for key, value in item.items() if key not in HTTP_METHODS}
    operation = item[target.method]
    narrowed = {**raw, "paths": {target.path: {**shared, target.method: operation}}}
    if target.role == "anonymous" and {} not in operation.get("security", [{}]):
        # Anonymous requests to an operation that needs a session are refused before their input is read:
        # a few examples show that they are, the coverage phase would add nothing.
        settings = config(coverage=False, max_examples=ANONYMOUS_REFUSED_EXAMPLES)
    else:
        settings = config(coverage=True, max_examples=MAX_EXAMPLES)
    schema = schemathesis.openapi.from_dict(copy.deepcopy(narrowed), config=settings)
    schema.app = fuzz_app
    return schema


schema = schemathesis.pytest.from_fixture("fuzz_schema")


class World:
    """The data, a client acting as the target's role, and the requests' checks."""

    def __init__(self, app, data: FuzzData, role: str):
        self.app = app
        self.data = data
        self.role = role
        if role == "organiser":
            self.api = data.organiser
        else:
            self.api = Api(app.test_client())

    # --- grounding a case in the data ------------------------------------------------------------------------

    def path_value(self, name: str, generated: Any) -> Any:
        data = self.data
        known = {"slug": data.slug, "entry_id": data.entry_ids[0], "cluster_id": data.cluster_id,
                 "code": data.receipt, "job_id": data.job_id}
        return known.get(name, generated)

    def ground_body(self, body: Any) -> Any:
        """References in a generated body pointed at things that exist, keeping their JSON types."""
        if not isinstance(body, dict):
            return body
        body = copy.deepcopy(body)
        data = self.data
        category = body.get("category")
        if isinstance(category, str):
            category = body["category"] = data.categories[len(category) % len(data.categories)]
        ids = data.entries[category] if isinstance(category, str) else data.entry_ids
        selection = body.get("selection")
        if isinstance(selection, list):
            body["selection"] = [ids[v % len(ids)] if isinstance(v, int) and not isinstance(v, bool) else v
                                 for v in selection]
        elif isinstance(selection, dict):
            body["selection"] = {str(ids[i % len(ids)]): v for i, v in enumerate(selection.values())}
        ballot_ids = body.get("ballot_ids")
        if isinstance(ballot_ids, list):
            body["ballot_ids"] = [data.ballot_ids[v % len(data.ballot_ids)]
                                  if isinstance(v, int) and not isinstance(v, bool) else v for v in ballot_ids]
        return body

    def grounded(self, case):
        path_names = {name for name in case.path_parameters}
        query_names = {"contest"} & set(case.query or {})
        if not path_names and not query_names and not isinstance(case.body, dict):
            return None
        derived = case.derive()
        derived.path_parameters = {name: self.path_value(name, value) for name, value in case.path_parameters.items()}
        if query_names:
            derived.query = {**case.query, "contest": self.data.slug}
        if isinstance(case.body, dict):
            derived.body = self.ground_body(case.body)
        if derived.path_parameters == case.path_parameters and derived.query == case.query \
                and derived.body == case.body:
            return None
        return derived

    # --- sending and checking --------------------------------------------------------------------------------

    def send(self, case):
        headers = {}
        if self.role == "anonymous" and case.method not in ("GET", "HEAD", "OPTIONS"):
            # A fuzzed session cookie on a write is refused by the CSRF rule before anything else runs.
            case.cookies.pop("session", None)
        if self.role == "organiser":
            # The signed-in client's own cookie and token, not generated ones (the cookie handler of
            # schemathesis would also delete the client's session cookie after the call).
            case.cookies.pop("session", None)
            headers["X-CSRFToken"] = self.api.csrf
        response = case.call(session=self.api.client, headers=headers)
        if COLLECT:
            with open(COLLECT + ".log", "a", encoding="utf-8") as out:
                out.write(f"{self.role} {case.operation.label} {case.meta.phase.name.value if case.meta else '-'} "
                          f"{case.method} {response.status_code} {response.content[:120]!r}\n")
        found = problems(case, response)
        if found:
            message = f"{describe(case)} as {self.role}\n  -> " + "\n  -> ".join(found)
            if COLLECT:
                with open(COLLECT, "a", encoding="utf-8") as out:
                    out.write(message + "\n")
            else:
                raise AssertionError(message)
        return response

    def run(self, case) -> None:
        grounded = self.grounded(case)
        if grounded is None or worth_sending_as_generated(case):
            self.send(case)
        if grounded is not None:
            self.send(grounded)


def worth_sending_as_generated(case) -> bool:
    """Fuzzed cases, and coverage cases about a path or query parameter, go as generated too; the coverage
    phase's cases about bodies and headers would only meet a 404 for a contest that does not exist."""
    meta = case.meta
    if meta is None or meta.phase.name.value == "fuzzing":
        return True
    location = getattr(meta.phase.data, "parameter_location", None)
    return getattr(location, "value", None) in ("path", "query")


def problems(case, response) -> list[str]:
    """No 5xx; every non-2xx is the API's error shape, as JSON; every body JSON. (An answer without a
    body, to HEAD, to OPTIONS or with 204, need not say it is JSON.)"""
    status = response.status_code
    text = response.content[:400].decode("utf-8", "replace")
    if status >= 500:
        return [f"{status}: {text}"]
    if not response.content and (case.method in ("HEAD", "OPTIONS") or documented_without_body(case, status)):
        return []
    content_type = (response.headers.get("content-type") or [""])[0]
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
    if not (isinstance(fields, dict) and fields and all(isinstance(k, str) and isinstance(v, str)
                                                         for k, v in fields.items())):
        found.append(f"{status}, fields not a non-empty map of strings: {text}")
    return found


def documented_without_body(case, status: int) -> bool:
    """Whether the operation documents this status as an answer without content (204, 202 "no body")."""
    responses = case.operation.definition.raw.get("responses", {})
    response = responses.get(str(status))
    if response is None:
        return False
    if "$ref" in response:
        response = case.operation.schema.raw_schema["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return not response.get("content")


def describe(case) -> str:
    return (f"{case.method} {case.formatted_path} query={case.query!r} headers={dict(case.headers or {})!r} "
            f"cookies={case.cookies!r} body={_short(case.body)}")


def _short(body: Any) -> str:
    if type(body).__name__ == "NotSet":
        return "(none)"
    try:
        text = json.dumps(body, default=repr)
    except (TypeError, ValueError):
        text = repr(body)
    return text if len(text) < 300 else text[:300] + "…"


@pytest.fixture
def world(request, fuzz_app, make, target) -> World:
    # schemathesis' `from_fixture` tests (4.32) read and rename `item._nodeid`, which pytest 9.2 no longer
    # has (it keeps `_id`): give it the attribute to read. Renaming it changes nothing pytest reads.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid
    return World(fuzz_app, fuzz_data(fuzz_app, make), target.role)


@schema.parametrize()
def test_every_operation_answers_in_the_api_shape(case, world):
    world.run(case)


def test_every_served_operation_is_fuzzed(served_schema):
    served = [(path, method) for path, item in served_schema.raw_schema["paths"].items()
              for method in HTTP_METHODS if method in item]
    assert sorted(served) == sorted({(path, method) for path, method, _role in TARGETS})
