"""A small API client for tests: JSON in and out, with the session's CSRF token."""

from __future__ import annotations

from typing import Any


class Api:
    def __init__(self, client):
        self.client = client
        self.csrf: str | None = None

    def refresh_csrf(self) -> str:
        self.csrf = self.client.get("/api/v1/session").get_json()["csrf_token"]
        return self.csrf

    def _headers(self, extra: dict | None) -> dict:
        headers = {"X-CSRFToken": self.csrf} if self.csrf else {}
        headers.update(extra or {})
        return headers

    def get(self, path: str, **kw):
        return self.client.get(path, **kw)

    def post(self, path: str, json: Any = None, headers: dict | None = None, **kw):
        return self.client.post(path, json=json, headers=self._headers(headers), **kw)

    def patch(self, path: str, json: Any = None, headers: dict | None = None, **kw):
        return self.client.patch(path, json=json, headers=self._headers(headers), **kw)

    def put(self, path: str, json: Any = None, headers: dict | None = None, **kw):
        return self.client.put(path, json=json, headers=self._headers(headers), **kw)

    def login(self, email: str, password: str):
        self.refresh_csrf()
        resp = self.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert resp.status_code == 200, resp.get_json()
        self.csrf = resp.get_json()["csrf_token"]  # signing in makes a new CSRF secret
        return resp


def assert_error(resp, status: int, code: str) -> dict:
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:500])
    assert resp.is_json, resp.get_data(as_text=True)[:500]
    body = resp.get_json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def remembers_verified(client) -> bool:
    """Whether the client's session says its account is verified."""
    with client.session_transaction() as sess:
        return sess.get("voter_verified") is not None and sess.get("voter_verified") == sess.get("_user_id")


def organiser_api(app, make, email: str = "boss@example.org", *, manages: bool = True) -> Api:
    """An API client signed in as a new organiser (`manages`: of the contests it creates)."""
    from tests.support.factories import PASSWORD

    make.organiser(email, manages=manages)
    api = Api(app.test_client())
    api.login(email, PASSWORD)
    return api
