"""The OpenAPI document at /api/v1/openapi.json: valid, served, and in step with
the routes and with what the endpoints really answer."""

from __future__ import annotations

import io
import json
import re
import typing
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate as validate_openapi
from pydantic import BaseModel
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

import voting.api
from tests.support.api import Api, organiser_api
from tests.support.factories import PASSWORD, iso, spec
from voting import errors
from voting.contests.domain import spec as spec_module

DOCUMENT_PATH = Path(voting.api.__file__).with_name("openapi.json")
DOC = json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))
DOC_URI = "urn:voting:openapi"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
REGISTRY = Registry().with_resource(DOC_URI, Resource(contents=DOC, specification=DRAFT202012))


# --- helpers -------------------------------------------------------------------------------------------------

def flask_rule_to_path(rule: str) -> str:
    """`/contests/<slug>/entries/<int:entry_id>` -> `/contests/{slug}/entries/{entry_id}`."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule)


def resolve(node: dict) -> dict:
    while "$ref" in node:
        assert node["$ref"].startswith("#/"), node["$ref"]
        target = DOC
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def validator_for(pointer: str) -> Draft202012Validator:
    """A validator for the schema at `pointer` inside the document, with its $refs resolved."""
    return Draft202012Validator({"$ref": f"{DOC_URI}#{pointer}"}, registry=REGISTRY,
                                format_checker=FormatChecker())


def pointer_escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def response_schema_pointer(path: str, method: str, status: int) -> str | None:
    """JSON pointer of the JSON schema documented for this answer, or None for a body-less one."""
    responses = DOC["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} answered {status}, which is not documented"
    response = responses[str(status)]
    if "$ref" in response:
        pointer = response["$ref"][1:]
        response = resolve(response)
    else:
        pointer = f"/paths/{pointer_escape(path)}/{method}/responses/{status}"
    if "content" not in response:
        return None
    assert "application/json" in response["content"]
    return f"{pointer}/content/application~1json/schema"


def check_response(resp, path: str, method: str) -> None:
    """The answer's status is documented for the operation and its body fits the documented schema."""
    pointer = response_schema_pointer(path, method, resp.status_code)
    if pointer is None:
        assert not resp.get_data(), resp.get_data()
        return
    assert resp.is_json, resp.get_data(as_text=True)[:300]
    problems = sorted(validator_for(pointer).iter_errors(resp.get_json()), key=lambda e: list(e.path))
    assert not problems, "\n".join(f"{list(e.path)}: {e.message}" for e in problems)


def documented_operations() -> set[tuple[str, str]]:
    return {(path, method.upper()) for path, item in DOC["paths"].items() for method in METHODS if method in item}


# --- the document itself -------------------------------------------------------------------------------------

def test_document_is_served(client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    assert resp.get_json() == DOC


def test_document_is_valid_openapi_3_1():
    assert DOC["openapi"].startswith("3.1")
    validate_openapi(DOC)


def test_every_api_route_is_documented_and_every_documented_operation_exists(app):
    routed = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routed.add((flask_rule_to_path(rule.rule), method))
    documented = documented_operations()
    assert routed - documented == set(), "routes missing from openapi.json"
    assert documented - routed == set(), "operations in openapi.json that the server does not serve"


def test_path_parameters_are_declared():
    for path, item in DOC["paths"].items():
        names = set(re.findall(r"{([^}]+)}", path))
        for method in METHODS:
            if method not in item:
                continue
            params = [resolve(p) for p in item.get("parameters", []) + item[method].get("parameters", [])]
            declared = {p["name"] for p in params if p["in"] == "path"}
            assert declared == names, (path, method)


def test_operation_ids_are_unique():
    ids = [item[m]["operationId"] for item in DOC["paths"].values() for m in METHODS if m in item]
    assert len(ids) == len(set(ids))


def test_every_unsafe_operation_documents_csrf_and_body_errors():
    for path, item in DOC["paths"].items():
        for method in ("post", "put", "patch", "delete"):
            if method not in item:
                continue
            operation = item[method]
            codes_403 = resolve(operation["responses"]["403"])["content"]["application/json"]["schema"]
            assert "csrf_failed" in codes_403["properties"]["error"]["properties"]["code"]["enum"], path
            assert any("csrfToken" in requirement for requirement in operation["security"]), path
            if "requestBody" in operation:
                for status in ("400", "413", "415", "422"):
                    assert status in operation["responses"], (path, method, status)


def test_reads_need_no_csrf_token():
    for path, item in DOC["paths"].items():
        if "get" in item:
            assert not any("csrfToken" in requirement for requirement in item["get"]["security"]), path


def test_error_codes_cover_the_servers_codes():
    documented = set(DOC["components"]["schemas"]["ErrorCode"]["enum"])
    assert set(errors.HTTP_CODES.values()) <= documented
    contract = {"validation_error", "not_found", "login_required", "forbidden", "csrf_failed", "email_unverified",
                "invalid_credentials", "email_taken", "email_rejected", "slug_taken", "already_voted",
                "phase_closed", "invalid_selection", "challenge_failed", "rate_limited", "not_assigned",
                "conflict_of_interest", "already_submitted", "not_published", "service_unavailable",
                "malformed_json", "unsupported_media_type", "payload_too_large", "method_not_allowed",
                "bad_request"}
    assert contract <= documented


def test_examples_fit_their_schemas():
    schemas = DOC["components"]["schemas"]
    checked = 0
    for name, schema in schemas.items():
        if "example" in schema:
            problems = list(validator_for(f"/components/schemas/{name}").iter_errors(schema["example"]))
            assert not problems, (name, [p.message for p in problems])
            checked += 1
    assert checked >= 8


# --- the SPEC section of the document agrees with the SPEC's model ---------------------------------------------

SPEC_SECTIONS = {
    "VotingSpec": spec_module.VotingSpec,
    "RateLimits": spec_module.RateLimits,
    "JudgingSpec": spec_module.JudgingSpec,
    "AwardsSpec": spec_module.AwardsSpec,
    "Criterion": spec_module.Criterion,
    "CategorySpec": spec_module.CategorySpec,
    "Window": spec_module.Window,
    "PhasesSpec": spec_module.PhasesSpec,
    "FraudSpec": spec_module.FraudSpec,
    "SubmissionsSpec": spec_module.SubmissionsSpec,
    "Spec": spec_module.ContestSpec,
}


@pytest.mark.parametrize("name", sorted(SPEC_SECTIONS))
def test_spec_schema_matches_the_model(name):
    model = SPEC_SECTIONS[name]
    schema = DOC["components"]["schemas"][name]
    assert set(schema["properties"]) == set(model.model_fields), name
    required = {field for field, info in model.model_fields.items() if info.is_required()}
    assert set(schema.get("required", [])) == required, name
    assert schema["additionalProperties"] is False
    for field, info in model.model_fields.items():
        prop = schema["properties"][field]
        if not info.is_required() and name != "Spec":
            default = info.get_default(call_default_factory=True)
            if isinstance(default, list):
                default = [item.model_dump(mode="json") if isinstance(item, BaseModel) else item for item in default]
            elif isinstance(default, BaseModel):
                default = default.model_dump(mode="json")
            assert prop.get("default") == default, (name, field)
        prop = resolve(prop)
        if typing.get_origin(info.annotation) is typing.Literal:
            assert prop["enum"] == list(typing.get_args(info.annotation)), (name, field)


def test_kind_defaults_are_documented():
    assert DOC["components"]["schemas"]["Spec"]["x-kind-defaults"] == spec_module.KIND_DEFAULTS
    assert DOC["components"]["schemas"]["Kind"]["enum"] == list(spec_module.KINDS)


# --- live answers fit the documented schemas ------------------------------------------------------------------

@pytest.fixture
def organiser(app, make):
    return organiser_api(app, make)


def live_spec(**overrides):
    now = datetime.now(timezone.utc)
    return spec(phases={"submission": {"opens_at": iso(now - timedelta(days=1)),
                                       "closes_at": iso(now + timedelta(days=1))},
                        "voting": {"opens_at": iso(now + timedelta(days=2)),
                                   "closes_at": iso(now + timedelta(days=3))}},
                **overrides)


def test_live_session_answers_fit(client, organiser):
    check_response(client.get("/api/v1/session"), "/api/v1/session", "get")
    check_response(organiser.get("/api/v1/session"), "/api/v1/session", "get")
    resp = organiser.post("/api/v1/auth/logout")
    check_response(resp, "/api/v1/auth/logout", "post")


def test_live_contest_answers_fit(client, organiser):
    resp = organiser.post("/api/v1/contests", json=live_spec())
    check_response(resp, "/api/v1/contests", "post")
    assert resp.status_code == 201
    slug = resp.get_json()["slug"]
    check_response(client.get("/api/v1/contests"), "/api/v1/contests", "get")
    check_response(client.get(f"/api/v1/contests/{slug}"), "/api/v1/contests/{slug}", "get")
    resp = organiser.patch(f"/api/v1/contests/{slug}", json={"title": "Renamed", "phases": {"voting": None}})
    check_response(resp, "/api/v1/contests/{slug}", "patch")
    assert resp.status_code == 200

    # A minimal hackathon: no phases at all, kind defaults, next_change null.
    resp = organiser.post("/api/v1/contests", json={"slug": "hack", "title": "Hack", "kind": "hackathon",
                                                    "categories": [{"slug": "main", "title": "Main"}]})
    check_response(resp, "/api/v1/contests", "post")
    assert resp.get_json()["next_change"] is None


def test_live_entry_answers_fit(client, organiser, make):
    slug = organiser.post("/api/v1/contests", json=live_spec()).get_json()["slug"]
    resp = organiser.post(f"/api/v1/contests/{slug}/entries",
                          json={"category": "c1", "title": "Digital Estonia", "country": "ee"})
    check_response(resp, "/api/v1/contests/{slug}/entries", "post")
    entry_id = resp.get_json()["id"]
    check_response(client.get(f"/api/v1/contests/{slug}/entries"), "/api/v1/contests/{slug}/entries", "get")
    resp = organiser.post(f"/api/v1/contests/{slug}/entries/{entry_id}/moderation", json={"status": "rejected"})
    check_response(resp, "/api/v1/contests/{slug}/entries/{entry_id}/moderation", "post")

    from PIL import Image
    image = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(image, "PNG")
    photo = organiser.post("/api/v1/contests", json=live_spec(slug="photos", kind="photo")).get_json()["slug"]
    resp = organiser.post(f"/api/v1/contests/{photo}/entries",
                          data={"category": "c1", "title": "Red", "alt_text": "A red square",
                                "image": (io.BytesIO(image.getvalue()), "r.png")})
    check_response(resp, "/api/v1/contests/{slug}/entries", "post")
    assert "image_url" in resp.get_json()
    slug = photo
    check_response(organiser.get(f"/api/v1/contests/{slug}/photos"), "/api/v1/contests/{slug}/photos", "get")
    check_response(client.get(f"/api/v1/contests/{slug}/photos"), "/api/v1/contests/{slug}/photos", "get")  # 401
    check_response(client.get(f"/api/v1/contests/{photo}/entries"), "/api/v1/contests/{slug}/entries", "get")


def test_live_error_answers_fit(client, organiser, make):
    check_response(client.get("/api/v1/contests/nope"), "/api/v1/contests/{slug}", "get")
    check_response(client.post("/api/v1/contests", json=live_spec()), "/api/v1/contests", "post")  # 401
    resp = organiser.post("/api/v1/contests", json={"slug": "Bad Slug", "kind": "raffle", "extra": 1})
    assert resp.status_code == 422
    check_response(resp, "/api/v1/contests", "post")
    check_response(organiser.post("/api/v1/contests", data="{", content_type="application/json"),
                   "/api/v1/contests", "post")
    check_response(organiser.post("/api/v1/contests", data="{}", content_type="text/plain"),
                   "/api/v1/contests", "post")
    check_response(organiser.client.post("/api/v1/contests", json=live_spec()), "/api/v1/contests", "post")  # csrf
    organiser.post("/api/v1/contests", json=live_spec())
    check_response(organiser.post("/api/v1/contests", json=live_spec()), "/api/v1/contests", "post")  # slug_taken
    make.user("voter@example.org")
    voter = Api(organiser.client.application.test_client())
    voter.login("voter@example.org", PASSWORD)
    check_response(voter.post("/api/v1/contests", json=live_spec()), "/api/v1/contests", "post")  # 403
    check_response(voter.post("/api/v1/auth/login", json={"email": "voter@example.org", "password": "wrong one!"}),
                   "/api/v1/auth/login", "post")  # 401 invalid_credentials
    check_response(client.post("/api/v1/auth/verify", json={"token": "nonsense"}), "/api/v1/auth/verify", "post")


def test_check_response_catches_drift(client):
    """The schemas are strict enough to notice an undocumented field or a wrong error code."""
    pointer = response_schema_pointer("/api/v1/session", "get", 200)
    body = client.get("/api/v1/session").get_json()
    assert validator_for(pointer).is_valid(body)
    assert not validator_for(pointer).is_valid({**body, "surprise": 1})
    pointer = response_schema_pointer("/api/v1/contests/{slug}", "get", 404)
    assert not validator_for(pointer).is_valid({"error": {"code": "slug_taken", "message": "x"}})


def test_live_ballot_answers_fit(app, client, make, organiser):
    from tests.support.voting import cast, open_contest, voter_api

    slug, ids = open_contest(app, pow_bits=2)
    voter = voter_api(app, make)
    resp = voter.get(f"/api/v1/challenge?contest={slug}")
    check_response(resp, "/api/v1/challenge", "get")
    resp = cast(voter, slug, "c1", [ids["c1"][0]])
    check_response(resp, "/api/v1/contests/{slug}/ballots", "post")
    receipt = resp.get_json()["receipt"]
    check_response(client.get(f"/api/v1/receipts/{receipt}"), "/api/v1/receipts/{code}", "get")
    check_response(cast(voter, slug, "c1", [ids["c1"][1]]), "/api/v1/contests/{slug}/ballots", "post")  # 409
    check_response(cast(voter, slug, "c2", [999999]), "/api/v1/contests/{slug}/ballots", "post")  # 422
    check_response(cast(voter, slug, "c2", [ids["c2"][0]], with_proof=False),
                   "/api/v1/contests/{slug}/ballots", "post")  # 400 challenge_failed
    check_response(client.get("/api/v1/challenge"), "/api/v1/challenge", "get")  # 422

    check_response(organiser.get(f"/api/v1/contests/{slug}/leaderboard"),
                   "/api/v1/contests/{slug}/leaderboard", "get")
    check_response(voter.get(f"/api/v1/contests/{slug}/leaderboard"),
                   "/api/v1/contests/{slug}/leaderboard", "get")  # 403
    resp = organiser.post(f"/api/v1/contests/{slug}/counters/rebuild")
    check_response(resp, "/api/v1/contests/{slug}/counters/rebuild", "post")
    check_response(organiser.get(f"/api/v1/jobs/{resp.get_json()['job_id']}"), "/api/v1/jobs/{job_id}", "get")
    check_response(organiser.get("/api/v1/jobs/no-such-job"), "/api/v1/jobs/{job_id}", "get")


def test_live_health_answers_fit(client):
    check_response(client.get("/api/v1/health"), "/api/v1/health", "get")
    check_response(client.get("/api/v1/health?deep=1"), "/api/v1/health", "get")


def test_live_fraud_review_answers_fit(app, redis_client):
    from tests.support.results import add_ballots, close_voting
    from tests.support.voting import open_contest

    slug, ids = open_contest(app, pow_bits=0)
    boss = Api(app.test_client())
    boss.login("organiser@example.org", PASSWORD)
    base = "/api/v1/contests/{slug}"
    assert boss.patch(f"/api/v1/contests/{slug}", json={"fraud": {"countries": ["CH"]}}).status_code == 200
    add_ballots(app, slug, "c1", [ids["c1"][0]], 2, country="CH")
    add_ballots(app, slug, "c1", [ids["c1"][1]], 3, country="TV")
    check_response(boss.get(f"/api/v1/contests/{slug}/fraud/status"), base + "/fraud/status", "get")
    with app.app_context():
        from voting import clock
        from voting.contests.models import Contest
        from voting.extensions import db
        from voting.fraud import services

        services.sweep(db.session.scalar(db.select(Contest.id)), clock.now())
        db.session.remove()
    resp = boss.get(f"/api/v1/contests/{slug}/fraud/status")
    check_response(resp, base + "/fraud/status", "get")
    assert resp.get_json()["last_sweep"]["held"] == 3
    resp = boss.get(f"/api/v1/contests/{slug}/fraud/clusters")
    check_response(resp, base + "/fraud/clusters", "get")
    cluster = resp.get_json()["clusters"][0]
    first = cluster["ballots"][0]["id"]
    resp = boss.post(f"/api/v1/contests/{slug}/fraud/ballots/decision",
                     json={"ballot_ids": [first], "decision": "invalidate", "reason": "checked"})
    check_response(resp, base + "/fraud/ballots/decision", "post")
    resp = boss.post(f"/api/v1/contests/{slug}/fraud/clusters/{cluster['id']}/decision",
                     json={"decision": "count", "reason": "diaspora"})
    check_response(resp, base + "/fraud/clusters/{cluster_id}/decision", "post")
    assert resp.get_json()["left_alone"] == [{"id": first, "status": "invalidated"}]
    check_response(boss.get(f"/api/v1/contests/{slug}/fraud/report"), base + "/fraud/report", "get")
    check_response(boss.get(f"/api/v1/contests/{slug}/fraud/clusters"), base + "/fraud/clusters", "get")
    close_voting(app, slug)
    resp = boss.post(f"/api/v1/contests/{slug}/tally")
    check_response(resp, base + "/tally", "post")
    assert resp.get_json()["review"]["invalidated"] == 1


def test_live_ledger_answers_fit(app, client, make):
    """The ledger's three routes, before and after the close and the publication (a streamed page)."""
    from tests.integration.test_ledger import add_ballots, decide, seal
    from tests.support.results import close_voting, mark_published
    from tests.support.voting import open_contest

    slug, ids = open_contest(app, pow_bits=0, method="approval", max_choices=2)
    codes = add_ballots(app, slug, ids["c1"], 3)
    held = add_ballots(app, slug, ids["c2"], 1, status="under_review", category="c2")
    decide(app, held[0], "invalidated", "a bot")
    seal(app, slug)
    decide(app, codes[0], "invalidated", "a bot too")
    base = "/api/v1/contests/{slug}/ledger"
    url = f"/api/v1/contests/{slug}/ledger"

    def every_answer():
        check_response(client.get(url), base, "get")
        check_response(client.get(url + "?after=1&limit=1"), base, "get")
        check_response(client.get(url + "?limit=0"), base, "get")  # 422
        check_response(client.get(url + "/amendments"), base + "/amendments", "get")
        check_response(client.get(url + "/amendments?after=x"), base + "/amendments", "get")  # 422
        check_response(client.get(url + "/batches/1"), base + "/batches/{seq}", "get")
        check_response(client.get(url + "/batches/2"), base + "/batches/{seq}", "get")  # 404
        check_response(client.get(f"/api/v1/receipts/{codes[1]}"), "/api/v1/receipts/{code}", "get")

    every_answer()
    close_voting(app, slug)
    every_answer()
    assert client.get(f"/api/v1/receipts/{codes[1]}").get_json()["ledger"]["size"] == 4
    assert "receipt_hash" in client.get(url + "/amendments").get_json()["amendments"][0]
    mark_published(app, slug)
    every_answer()
    page = client.get(url)
    assert page.is_streamed and len(page.get_json()["batches"][0]["leaves"]) == 4
