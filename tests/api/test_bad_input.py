"""Every API operation, driven with bad input, answers a 4xx in the error shape:
never a 500, never an HTML page.

The operations, their bodies, fields, path and query parameters all come from
voting/api/openapi.json (test_openapi.py keeps it in step with the routes), so
a new endpoint is covered as soon as it is documented. Requests are made as a
signed-in organiser (who may do everything) with the CSRF header, against an
app whose JSON body limit is small (1000 bytes where the size is what is
tested, 4000 where the body must fit) and whose login and registration limits
are out of the way.
"""

from __future__ import annotations

import copy
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import quote, urlencode

import pytest
from jsonschema import Draft202012Validator

import voting.api
from tests.support.api import Api
from tests.support.factories import PASSWORD
from tests.support.teams import form_team, hackathon

DOC = json.loads(Path(voting.api.__file__).with_name("openapi.json").read_text(encoding="utf-8"))
HTTP_METHODS = ("get", "post", "put", "patch", "delete")
UNSAFE = {"post", "put", "patch", "delete"}
MAX_JSON_BYTES = 1000
ROOMY_JSON_BYTES = 4000
MAX_UPLOAD_BYTES = 20_000


def resolve(node: dict) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = DOC
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


@dataclass(frozen=True)
class Operation:
    path: str
    method: str
    spec: dict = field(compare=False, repr=False)
    parameters: tuple = field(compare=False, repr=False)

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def json_schema(self) -> dict | None:
        body = self.spec.get("requestBody")
        if not body or "application/json" not in body["content"]:
            return None
        return resolve(body["content"]["application/json"]["schema"])

    @property
    def body_required(self) -> bool:
        return bool(self.spec.get("requestBody", {}).get("required", False))

    @property
    def takes_multipart(self) -> bool:
        return "multipart/form-data" in self.spec.get("requestBody", {}).get("content", {})

    @property
    def example(self) -> dict:
        schema = self.json_schema
        assert schema is not None and "example" in schema, f"{self.id}: document an example request body"
        return copy.deepcopy(schema["example"])

    def params(self, where: str) -> list[dict]:
        return [p for p in self.parameters if p["in"] == where]


def operations() -> list[Operation]:
    found = []
    for path, item in DOC["paths"].items():
        shared = [resolve(p) for p in item.get("parameters", [])]
        for method in HTTP_METHODS:
            if method in item:
                own = [resolve(p) for p in item[method].get("parameters", [])]
                found.append(Operation(path, method, item[method], tuple(shared + own)))
    return found


OPERATIONS = operations()
BODY_OPS = [op for op in OPERATIONS if op.json_schema is not None]
UNSAFE_OPS = [op for op in OPERATIONS if op.method in UNSAFE]

# Cases the app gets wrong today: (test, operation id or case) -> the fix, as a reason.


def cases(kind: str, items: list[tuple[str, Any]]) -> list:
    """pytest params named by their case ids (`kind` says which family, for reading)."""
    return [pytest.param(value, id=case_id) for case_id, value in items]


def op_cases(kind: str, ops: list[Operation]) -> list:
    return cases(kind, [(op.id, op) for op in ops])


# --- the world every request runs in ------------------------------------------------------------------------------

@dataclass
class World:
    api: Api
    path_values: dict[str, Any]
    query_values: dict[str, str]

    def url(self, op: Operation, path_values: dict | None = None, query: dict | None = None) -> str:
        values = {**self.path_values, **(path_values or {})}
        url = op.path
        for param in op.params("path"):
            assert param["name"] in values, f"add a value for path parameter {param['name']} to the world"
            url = url.replace("{" + param["name"] + "}", quote(str(values[param["name"]]), safe="%"))
        wanted = {p["name"]: self.query_values[p["name"]] for p in op.params("query") if p.get("required")}
        wanted.update(query or {})
        return url + ("?" + urlencode(wanted) if wanted else "")

    def send(self, op: Operation, *, json_body: Any = None, raw: bytes | str | None = None,
             content_type: str | None = "application/json", path_values: dict | None = None,
             query: dict | None = None, **kw):
        headers = {"X-CSRFToken": self.api.csrf, **kw.pop("headers", {})}
        if raw is None and json_body is not None:
            raw = json.dumps(json_body)
        return self.api.client.open(self.url(op, path_values, query), method=op.method.upper(), data=raw,
                                    content_type=content_type if raw is not None else None, headers=headers, **kw)


def build_world(app, make) -> World:
    make.organiser("boss@example.org")
    # In its voting phase; the jury's round may start while voting runs (hybrid), so judges' operations work.
    contest = make.contest(awards={"policy": "hybrid"})
    api = Api(app.test_client())
    api.login("boss@example.org", PASSWORD)
    resp = api.post(f"/api/v1/contests/{contest.slug}/entries", json={"category": "c1", "title": "An entry"})
    assert resp.status_code == 201, resp.get_json()
    # The organiser judges too, with the entry on their list, so judges' operations reach their body checks.
    assert app.test_cli_runner().invoke(args=["users", "create", "boss@example.org", "--password", PASSWORD,
                                              "--role", "judge", "--contest", contest.slug]).exit_code == 0
    assert api.post(f"/api/v1/contests/{contest.slug}/assignments", json={}).status_code == 200
    # The organiser is in a team too (of a hackathon taking entries), so members' operations reach their body checks.
    hackathon(make, slug="hack")
    team = form_team(api, slug="hack")
    return World(api, {"slug": contest.slug, "entry_id": resp.get_json()["id"], "code": "AAAA-BBBB-CCCC-DDDD",
                       "job_id": "no-such-job", "cluster_id": empty_cluster(app, contest.id), "sha256": "0" * 64,
                       "user_id": api.get("/api/v1/session").get_json()["user"]["id"], "team_id": team["id"],
                       "seq": 1, "name": "batch-000001.jsonl.gz"},
                 {"contest": contest.slug})


def empty_cluster(app, contest_id: int) -> int:
    """A filed cluster with no ballots, so decision requests reach their body checks."""
    from voting.extensions import db
    from voting.fraud.models import FraudCluster

    with app.app_context():
        cluster = FraudCluster(contest_id=contest_id, rule="burst", key="test", evidence={})
        db.session.add(cluster)
        db.session.commit()
        cluster_id = cluster.id
        db.session.remove()
    return cluster_id


_APPS: dict[int, Any] = {}


def small_app(make_app, max_json_bytes: int):
    """make_app with small limits, built once per limit (the tables and Redis are still emptied per test)."""
    if max_json_bytes not in _APPS:
        _APPS[max_json_bytes] = make_app(max_json_bytes=max_json_bytes, max_upload_bytes=MAX_UPLOAD_BYTES,
                                         register_limit_ip="10000/minute", login_limit_ip="10000/minute",
                                         login_limit_account="10000/minute")
    return _APPS[max_json_bytes]


@pytest.fixture
def world(make_app, make) -> World:
    """Room for the largest example body (a full SPEC), and no more."""
    return build_world(small_app(make_app, ROOMY_JSON_BYTES), make)


@pytest.fixture
def tight_world(make_app, make) -> World:
    return build_world(small_app(make_app, MAX_JSON_BYTES), make)


def assert_api_error(resp, status: int | None = None, code: str | None = None) -> dict:
    """A 4xx (or exactly `status`) with the error shape, as JSON."""
    text = resp.get_data(as_text=True)[:300]
    if status is None:
        assert 400 <= resp.status_code < 500, (resp.status_code, text)
    else:
        assert resp.status_code == status, (resp.status_code, text)
    assert resp.mimetype == "application/json", (resp.mimetype, text)
    body = resp.get_json()
    assert isinstance(body, dict) and set(body) == {"error"}, text
    err = body["error"]
    assert set(err) <= {"code", "message", "fields"}, text
    assert isinstance(err["code"], str) and err["code"], text
    assert isinstance(err["message"], str) and err["message"], text
    if "fields" in err:
        assert isinstance(err["fields"], dict) and err["fields"], text
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in err["fields"].items()), text
    if code is not None:
        assert err["code"] == code, text
    return err


def assert_harmless(resp) -> None:
    """For a request that carries nothing the operation reads: no 5xx, no HTML."""
    text = resp.get_data(as_text=True)[:300]
    assert resp.status_code < 500, (resp.status_code, text)
    if resp.status_code >= 400:
        assert_api_error(resp)
    elif resp.get_data():
        assert resp.is_json or resp.mimetype == "text/csv", text  # the exports are CSV downloads


def with_context(what: Any, check):
    """Run an assertion, naming the variant that broke it."""
    try:
        return check()
    except AssertionError as exc:
        raise AssertionError(f"with {what!r}: {exc}") from None


def assert_field_named(err: dict, path: str) -> None:
    fields = err.get("fields") or {}
    assert any(key == path or key.startswith(path + ".") for key in fields), (path, fields)


# --- walking a request schema -------------------------------------------------------------------------------------

def branches(schema: dict) -> list[dict]:
    schema = resolve(schema)
    if "anyOf" in schema:
        return [resolve(s) for s in schema["anyOf"]]
    if "allOf" in schema:
        merged: dict = {}
        for part in schema["allOf"]:
            merged.update(resolve(part))
        return [merged]
    return [schema]


def json_types(schema: dict) -> set[str]:
    found = set()
    for branch in branches(schema):
        kind = branch.get("type")
        found.update(kind if isinstance(kind, list) else [kind] if kind else [])
    return found


def object_branch(schema: dict) -> dict | None:
    """The one object-typed branch worth descending into (`X` of `X | null`)."""
    objects = [b for b in branches(schema) if b.get("type") == "object" and "properties" in b]
    return objects[0] if len(objects) == 1 and len(json_types(schema) - {"null"}) == 1 else None


def array_items(schema: dict) -> dict | None:
    arrays = [b for b in branches(schema) if b.get("type") == "array"]
    return arrays[0].get("items") if len(arrays) == 1 and len(json_types(schema) - {"null"}) == 1 else None


def fields_of(schema: dict, example: Any, prefix: tuple = ()) -> Iterator[tuple[tuple, dict]]:
    """(path, schema) of every field whose parent is present in the example, depth first."""
    obj = object_branch(schema)
    if obj is not None and isinstance(example, dict):
        for name, sub in obj["properties"].items():
            yield prefix + (name,), sub
            yield from fields_of(sub, example.get(name), prefix + (name,))
    items = array_items(schema)
    if items is not None and isinstance(example, list) and example:
        yield prefix + (0,), items
        yield from fields_of(items, example[0], prefix + (0,))


def objects_of(schema: dict, example: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Paths of every closed object present in the example (where an unknown field must be refused)."""
    obj = object_branch(schema)
    if obj is not None and isinstance(example, dict):
        if obj.get("additionalProperties") is False:
            yield prefix
        for name, sub in obj["properties"].items():
            yield from objects_of(sub, example.get(name), prefix + (name,))
    items = array_items(schema)
    if items is not None and isinstance(example, list) and example:
        yield from objects_of(items, example[0], prefix + (0,))


def set_at(body: Any, path: tuple, value: Any) -> Any:
    body = copy.deepcopy(body)
    target = body
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return body


def dotted(path: tuple) -> str:
    return ".".join(str(p) for p in path)


CANDIDATES = [123, "text", True, [], {}, 1.5]


def wrong_values(schema: dict) -> list:
    """Up to two values whose JSON type the schema does not allow."""
    allowed = json_types(schema)
    if not allowed:
        return []
    check = Draft202012Validator({"type": sorted(allowed)})
    return [v for v in CANDIDATES if not check.is_valid(v)][:2]


# --- bodies --------------------------------------------------------------------------------------------------------

MALFORMED = [b"", b'{"email": ', b"{'a': 1}", b'{"a": 1,}', b'{"a": 1}{"b": 2}', b"hello", b'{"a": "\xff\xfe"}',
             b'{"a": "\x01"}']
NOT_OBJECTS = [[], [1, 2], "a string", 42, 4.2, True, None]
WRONG_CONTENT_TYPES = ["text/plain", "application/x-www-form-urlencoded", "application/xml", None,
                       "multipart/form-data; boundary=xyz", "application/jsonp", "text/json"]


@pytest.mark.parametrize("op", op_cases("malformed", BODY_OPS))
def test_malformed_json(world, op):
    for raw in MALFORMED if op.body_required else [m for m in MALFORMED if m]:  # an optional body may be left out
        with_context(raw, lambda: assert_api_error(world.send(op, raw=raw), 400, "malformed_json"))


@pytest.mark.parametrize("op", op_cases("not-object", BODY_OPS))
def test_body_that_is_not_an_object(world, op):
    for value in NOT_OBJECTS:
        err = with_context(value, lambda: assert_api_error(world.send(op, raw=json.dumps(value)), 422,
                                                           "validation_error"))
        assert set(err["fields"]) == {"body"}, (value, err)


@pytest.mark.parametrize("op", op_cases("content-type", BODY_OPS))
def test_wrong_content_type(world, op):
    raw = json.dumps(op.example)
    for content_type in WRONG_CONTENT_TYPES:
        if op.takes_multipart and content_type and content_type.startswith("multipart/"):
            continue  # this operation's other body; see test_contests.py
        with_context(content_type, lambda: assert_api_error(world.send(op, raw=raw, content_type=content_type),
                                                            415, "unsupported_media_type"))


@pytest.mark.parametrize("op", op_cases("oversized", BODY_OPS))
def test_oversized_body(tight_world, op):
    body = {**op.example, "padding": "x" * (MAX_JSON_BYTES + 100)}
    assert_api_error(tight_world.send(op, json_body=body), 413, "payload_too_large")
    # Just under the limit it is read (and the unknown field refused), so the limit is what answered.
    body = {"padding": "x" * (MAX_JSON_BYTES - 100)}
    assert tight_world.send(op, json_body=body).status_code != 413


@pytest.mark.parametrize("op", op_cases("oversized-upload", [op for op in OPERATIONS if op.takes_multipart]))
def test_oversized_upload(world, op):
    big = io.BytesIO(b"\xff" * (MAX_UPLOAD_BYTES + 70 * 1024))
    resp = world.api.client.open(world.url(op), method=op.method.upper(),
                                 data={"title": "Big", "category": "c1", "image": (big, "big.jpg")},
                                 headers={"X-CSRFToken": world.api.csrf})
    assert_api_error(resp, 413, "payload_too_large")


def test_operations_without_a_body_ignore_one(world):
    """Operations that read no body: whatever is sent along, no 5xx and no HTML. Logout goes last."""
    ops = sorted((op for op in OPERATIONS if op.json_schema is None), key=lambda op: op.path == "/api/v1/auth/logout")
    assert ops
    for op in ops:
        attempts = [dict(raw=raw) for raw in MALFORMED] + [dict(raw=json.dumps(v)) for v in NOT_OBJECTS]
        attempts += [dict(raw="{}", content_type=c) for c in WRONG_CONTENT_TYPES]
        attempts += [dict(json_body={"padding": "x" * (ROOMY_JSON_BYTES + 100)}), dict(json_body={"unknown": 1})]
        for attempt in attempts:
            with_context((op.id, attempt), lambda: assert_harmless(world.send(op, **attempt)))


@pytest.mark.parametrize("op", op_cases("types", BODY_OPS))
def test_wrong_type_for_every_documented_field(world, op):
    example = op.example
    tried = 0
    for path, schema in fields_of(op.json_schema, example):
        for value in wrong_values(schema):
            resp = world.send(op, json_body=set_at(example, path, value))
            err = with_context((path, value), lambda: assert_api_error(resp, 422))
            assert err["code"] in {"validation_error", "invalid_selection"}, err
            assert_field_named(err, dotted(path))
            tried += 1
    assert tried >= 2 * len(resolve(op.json_schema)["properties"])


@pytest.mark.parametrize("op", op_cases("unknown", BODY_OPS))
def test_unknown_fields_at_every_depth(world, op):
    example = op.example
    tried = 0
    for path in objects_of(op.json_schema, example):
        resp = world.send(op, json_body=set_at(example, path + ("unexpected_field",), 1))
        err = with_context(path, lambda: assert_api_error(resp, 422, "validation_error"))
        assert err["fields"].get(dotted(path + ("unexpected_field",))) == "is not a known field", err
        tried += 1
    assert tried >= 1


@pytest.mark.parametrize("op", op_cases("missing", BODY_OPS))
def test_missing_required_fields(world, op):
    schema = resolve(op.json_schema)
    for name in schema.get("required", []):
        body = {k: v for k, v in op.example.items() if k != name}
        err = with_context(name, lambda: assert_api_error(world.send(op, json_body=body), 422, "validation_error"))
        assert_field_named(err, name)
    if schema.get("required"):
        assert_api_error(world.send(op, json_body={}), 422, "validation_error")


def has_text_field(op: Operation) -> bool:
    return any("string" in json_types(schema) and len(json_types(schema)) <= 2
               for _path, schema in fields_of(op.json_schema, op.example))


TEXT_BODY_OPS = [op for op in BODY_OPS if has_text_field(op)]  # bodies of numbers only have no text to spoil


@pytest.mark.parametrize("op", op_cases("surrogate", TEXT_BODY_OPS))
def test_strings_that_are_not_unicode(world, op):
    """A lone surrogate (\\ud800) is valid JSON syntax but not a Unicode string."""
    example = op.example
    tried = 0
    for path, schema in fields_of(op.json_schema, example):
        if "string" not in json_types(schema) or len(json_types(schema)) > 2:
            continue
        raw = json.dumps(set_at(example, path, "A\ud800B"))  # ensure_ascii keeps it as an escape
        with_context(path, lambda: assert_api_error(world.send(op, raw=raw)))
        tried += 1
    assert tried >= 1


@pytest.mark.parametrize("op", op_cases("nul", TEXT_BODY_OPS))
def test_nul_characters_never_break_the_server(world, op):
    """PostgreSQL refuses NUL in text (psycopg raises DataError before the query is sent); SQLite stores it.
    Either way the answer must not be a 5xx: on PostgreSQL this test fails until NUL is refused up front."""
    example = op.example
    tried = 0
    for path, schema in fields_of(op.json_schema, example):
        if "string" not in json_types(schema) or len(json_types(schema)) > 2:
            continue
        resp = world.send(op, json_body=set_at(example, path, "A\x00B"))
        with_context(path, lambda: assert_harmless(resp))
        tried += 1
    assert tried >= 1


@pytest.mark.parametrize("op", op_cases("deep", BODY_OPS))
def test_deeply_nested_json(app, make, op):
    """Within the default 1 MiB limit, nesting deep enough to exhaust the parser's recursion."""
    world = build_world(app, make)
    depth = 100_000
    resp = world.send(op, raw='{"a": ' + "[" * depth + "]" * depth + "}")
    assert_api_error(resp, 400, "malformed_json")


def test_non_standard_json_constants_are_refused(world):
    """NaN and Infinity are not JSON; taken in, they come back out as invalid JSON."""
    op = next(o for o in BODY_OPS if o.id == "POST /api/v1/contests")
    body = op.example
    body["judging"]["criteria"][0]["min"] = float("-inf")
    body["judging"]["criteria"][0]["max"] = float("nan")
    assert_api_error(world.send(op, raw=json.dumps(body)))


@pytest.mark.parametrize("raw", [
    b'{"email": "a\xed\xa0\x80@example.org", "password": "x"}',  # a surrogate in raw UTF-8 bytes
    '{"email": "a\ud800@example.org", "password": "x"}'.encode("utf-16-le", "surrogatepass"),
    '{"email": "a\x00@example.org", "password": "x"}'.encode("utf-16-le"),  # NUL, raw, in UTF-16
], ids=["utf8-surrogate", "utf16-surrogate", "utf16-nul"])
def test_unstorable_text_without_escapes_is_refused(client, raw):
    """Text that cannot be stored can come without any escape: in raw UTF-8
    bytes, or in a body sent as UTF-16 (which JSON parsers accept)."""
    resp = client.post("/api/v1/auth/login", data=raw, headers={"Content-Type": "application/json"})
    assert_api_error(resp, 400, "malformed_json")


@pytest.mark.parametrize("edge", [("9999-12-31T20:00:00-05:00", "9999-12-31T23:00:00-05:00"),
                                  ("0001-01-01T00:30:00+01:00", "0001-01-01T05:00:00+01:00")],
                         ids=["after-year-9999", "before-year-1"])
def test_timestamps_outside_the_representable_range(world, edge):
    for op in BODY_OPS:
        if op.id not in ("POST /api/v1/contests", "PATCH /api/v1/contests/{slug}"):
            continue
        body = op.example
        body["phases"] = {"judging": {"opens_at": edge[0], "closes_at": edge[1]}}
        assert_api_error(world.send(op, json_body=body), 422, "validation_error")


# --- path and query parameters ------------------------------------------------------------------------------------

UNKNOWN_STRINGS = ["no-such-thing", "x" * 300, "%00", "%C3%A9t%C3%A9", "a%20b", "%2e%2e"]
UNKNOWN_INTEGERS = [0, 999_999_999, 2**63 - 1, 2**63, 10**30]


def path_cases() -> list:
    """One case per operation and path parameter, trying every unknown value."""
    params = []
    for op in OPERATIONS:
        for param in op.params("path"):
            values = UNKNOWN_INTEGERS if resolve(param["schema"]).get("type") == "integer" else UNKNOWN_STRINGS
            params += cases("path", [(f"{op.id} {param['name']}", (op, param["name"], list(values)))])
    return params


@pytest.mark.parametrize("case", path_cases())
def test_unknown_path_values_are_not_found(world, case):
    op, name, values = case
    body = op.example if op.json_schema else None
    for value in values:
        resp = world.send(op, json_body=body, path_values={name: value})
        with_context(value, lambda: assert_api_error(resp, 404, "not_found"))


def test_garbage_query_values(world):
    tried = 0
    for op in OPERATIONS:
        for param in op.params("query"):
            schema = resolve(param["schema"])
            for value in ("no-such-value", "x" * 2000, "\x00", "", "\u00e9"):
                resp = world.send(op, query={param["name"]: value})
                if "enum" in schema and value not in schema["enum"]:
                    err = with_context((op.id, value), lambda: assert_api_error(resp, 422, "validation_error"))
                    assert param["name"] in err["fields"]
                else:
                    with_context((op.id, value), lambda: assert_harmless(resp))
                tried += 1
    assert tried >= 10


@pytest.mark.parametrize("op", op_cases("required-query", [o for o in OPERATIONS
                                                            if any(p.get("required") for p in o.params("query"))]))
def test_missing_required_query_parameter(world, op):
    url = world.url(op).split("?")[0]
    resp = world.api.client.open(url, method=op.method.upper(), headers={"X-CSRFToken": world.api.csrf})
    err = assert_api_error(resp, 422, "validation_error")
    for param in op.params("query"):
        if param.get("required"):
            assert param["name"] in err["fields"]


# --- tokens -------------------------------------------------------------------------------------------------------

BAD_TOKENS = ["", "nonsense", "a.b.c", "1.16.9999999999.abcd.0123", "x" * 400, "\u00e9t\u00e9 \u2713",
              "1.16.9999999999.abcd.\u00e9\u00e9\u00e9", "\u0661.\u0661\u0666.9999999999.ab.cd", "../../etc/passwd",
              "eyJ1IjoxfQ.ZkxyAA.c2lnbmF0dXJl"]


def token_cases() -> list:
    params = []
    for op in BODY_OPS:
        for path, _schema in fields_of(op.json_schema, op.example):
            if path[-1] != "token":
                continue
            params += cases("token", [(f"{op.id} {dotted(path)}", (op, path, list(BAD_TOKENS)))])
    return params


@pytest.mark.parametrize("case", token_cases())
def test_bad_tokens(world, case):
    op, path, tokens = case
    for token in tokens:
        err = with_context(token, lambda: assert_api_error(world.send(op, json_body=set_at(op.example, path, token))))
        assert err["code"] in {"validation_error", "challenge_failed"}, err


@pytest.mark.parametrize("purpose, endpoint, body", [
    ("verify", "/api/v1/auth/verify", {}),
    ("reset", "/api/v1/auth/password/reset", {"password": "a brand new secret"}),
])
def test_expired_forged_and_misused_tokens(app, make, monkeypatch, purpose, endpoint, body):
    """Tokens signed by this server that must still not work: expired, for another purpose, for nobody."""
    import time

    from voting.accounts import tokens
    from voting.accounts.models import User
    from voting.extensions import db

    made = make.user("ada@example.org", verified=False)
    with app.app_context():
        user = db.session.get(User, made.id)
        payload = {"u": user.id, "e": user.email_normalised, "v": user.session_version}
        other = "reset" if purpose == "verify" else "verify"
        with monkeypatch.context() as m:
            m.setattr(time, "time", lambda: 1_000_000_000.0)  # 2001
            expired = tokens.make_token(purpose, payload)
        misused = tokens.make_token(other, payload)
        nobody = tokens.make_token(purpose, {**payload, "u": 987654})
        not_a_dict = tokens.make_token(purpose, [user.id])
    api = Api(app.test_client())
    api.refresh_csrf()
    for token in (expired, misused, nobody, not_a_dict):
        err = assert_api_error(api.post(endpoint, json={"token": token, **body}), 422, "validation_error")
        assert set(err["fields"]) == {"token"}
    assert api.get("/api/v1/session").get_json()["user"] is None


# --- routing, methods, CSRF and the session cookie ----------------------------------------------------------------

UNKNOWN_API_PATHS = ["/api/v1/nope", "/api/v1/contests/x/nope", "/api/v2/contests", "/api/v1/", "/api/nope",
                     "/api/v1/contests/", "/api/v1/contests/x/entries/abc/moderation",
                     "/api/v1/contests/x/entries/-1/moderation", "/api/v1/openapi.yaml"]


def test_unknown_api_path_is_a_json_404(world):
    for path in UNKNOWN_API_PATHS:
        for method in ("GET", "POST", "PUT", "DELETE"):
            resp = world.api.client.open(path, method=method, json={}, headers={"X-CSRFToken": world.api.csrf})
            with_context((method, path), lambda: assert_api_error(resp, 404, "not_found"))


def test_wrong_method_is_a_json_405(world):
    tried = 0
    for path, item in DOC["paths"].items():
        shared = tuple(resolve(p) for p in item.get("parameters", []))
        for method in HTTP_METHODS:
            if method in item:
                continue
            url = world.url(Operation(path, method, {}, shared))
            resp = world.api.client.open(url, method=method.upper(), json={},
                                         headers={"X-CSRFToken": world.api.csrf})
            with_context((method, path), lambda: assert_api_error(resp, 405, "method_not_allowed"))
            tried += 1
    assert tried >= 3 * len(DOC["paths"])


def test_405_names_the_allowed_methods(world):
    for path, item in DOC["paths"].items():
        if "delete" in item:
            continue  # DELETE is that path's own method
        url = path
        for name, value in world.path_values.items():
            url = url.replace("{" + name + "}", str(value))
        resp = world.api.client.open(url, method="DELETE", headers={"X-CSRFToken": world.api.csrf})
        assert resp.status_code == 405
        allowed = {m.strip() for m in resp.headers.get("Allow", "").split(",") if m.strip()}
        assert {m.upper() for m in HTTP_METHODS if m in item} <= allowed, (path, resp.headers)


@pytest.mark.parametrize("op", op_cases("csrf", UNSAFE_OPS))
def test_session_cookie_without_a_good_csrf_header_is_refused(world, app, op):
    other_session = Api(app.test_client()).refresh_csrf()
    body = op.example if op.json_schema else None
    for token in (None, "", "forged", world.api.csrf + "x", other_session):
        headers = {} if token is None else {"X-CSRFToken": token}
        resp = world.api.client.open(world.url(op), method=op.method.upper(), json=body, headers=headers)
        with_context(token, lambda: assert_api_error(resp, 403, "csrf_failed"))
    # The refusals changed nothing: the organiser is still signed in.
    assert world.api.get("/api/v1/session").get_json()["user"]["email"] == "boss@example.org"


def test_garbage_session_cookie(app):
    client = app.test_client()
    client.set_cookie("session", "not-a-signed-session")
    body = client.get("/api/v1/session").get_json()
    assert body["user"] is None and body["csrf_token"]
    client.set_cookie("session", "garbage.again")
    resp = client.post("/api/v1/auth/login", json={"email": "a@example.org", "password": PASSWORD})
    assert_api_error(resp, 403, "csrf_failed")


def test_every_operation_is_driven():
    """The lists above come from the document; make sure it was read."""
    assert len(OPERATIONS) >= 20 and len(BODY_OPS) >= 9 and len(UNSAFE_OPS) >= 11
    assert {"POST /api/v1/contests", "PATCH /api/v1/contests/{slug}", "POST /api/v1/auth/register",
            "POST /api/v1/contests/{slug}/entries/{entry_id}/moderation"} <= {op.id for op in BODY_OPS}
