"""Accounts keep working when Redis is unreachable: login limits fall back to
per-process memory instead of failing the request."""

from tests.support.api import Api, assert_error
from tests.support.factories import PASSWORD


def test_register_and_login_without_redis(make_app, make, mailbox):
    app = make_app(redis_url="redis://127.0.0.1:1/0")
    api = Api(app.test_client())
    api.refresh_csrf()
    resp = api.post("/api/v1/auth/register",
                    json={"email": "ada@example.org", "password": PASSWORD, "display_name": "Ada"})
    assert resp.status_code == 201, resp.get_json()
    api.login("ada@example.org", PASSWORD)


def test_login_limit_still_applies_in_memory_without_redis(make_app, make):
    make.user("grace@example.org")
    app = make_app(redis_url="redis://127.0.0.1:1/0", login_limit_account="2/minute")
    api = Api(app.test_client())
    for _ in range(2):
        resp = api.post("/api/v1/auth/login", json={"email": "grace@example.org", "password": "wrong password!"})
        assert resp.status_code == 401
    resp = api.post("/api/v1/auth/login", json={"email": "grace@example.org", "password": PASSWORD})
    assert_error(resp, 429, "rate_limited")


def test_health(make_app, client):
    assert client.get("/api/v1/health").get_json() == {"status": "ok"}
    assert client.get("/api/v1/health?deep=1").get_json() == {"status": "ok", "database": "ok", "redis": "ok"}
    down = make_app(redis_url="redis://127.0.0.1:1/0").test_client()
    resp = down.get("/api/v1/health?deep=1")
    assert resp.status_code == 503 and "redis: error" in resp.get_json()["error"]["message"]
    assert down.get("/api/v1/health").status_code == 200
