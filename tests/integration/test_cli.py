"""The commands of `flask --app voting …`, through Flask's CLI runner."""

from __future__ import annotations

import json

import pytest

from tests.support.api import Api, assert_error
from tests.support.factories import PASSWORD, spec


def test_users_create_makes_a_verified_organiser(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "Boss@Example.org", "--password", PASSWORD,
                                 "--role", "organiser"])
    assert result.exit_code == 0, result.output
    user = Api(app.test_client()).login("boss@example.org", PASSWORD).get_json()["user"]
    assert user["verified"] is True and "organiser" in user["roles"]
    again = runner.invoke(args=["users", "create", "boss@example.org", "--password", "another fine secret"])
    assert again.exit_code == 0 and "updated" in again.output


def test_users_create_refuses_a_weak_password(app):
    result = app.test_cli_runner().invoke(args=["users", "create", "a@example.org", "--password", "short"])
    assert result.exit_code == 1 and "password" in result.output


def test_contests_import_and_update(app, tmp_path):
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec(slug="imported")))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["contests", "import", str(path)])
    assert result.exit_code == 0 and "created contest imported with 2 categories" in result.output
    assert runner.invoke(args=["contests", "import", str(path)]).exit_code == 1  # slug taken
    path.write_text(json.dumps({"slug": "imported", "title": "Renamed"}))
    result = runner.invoke(args=["contests", "import", "--update", str(path)])
    assert result.exit_code == 0, result.output
    assert app.test_client().get("/api/v1/contests/imported").get_json()["title"] == "Renamed"


def test_contests_import_reports_every_problem(app, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"slug": "Bad Slug", "kind": "quiz"}))
    result = app.test_cli_runner().invoke(args=["contests", "import", str(path)])
    assert result.exit_code == 1
    for field in ("slug", "kind", "title", "categories"):
        assert f"  {field}:" in result.output
    path.write_text("{not json")
    assert "not valid JSON" in app.test_cli_runner().invoke(args=["contests", "import", str(path)]).output


@pytest.fixture
def stored_list(app):
    from pathlib import Path

    from voting.accounts import disposable

    yield
    (Path(app.instance_path) / disposable.INSTANCE_FILE).unlink(missing_ok=True)
    app.extensions.pop(disposable.EXTENSION, None)


def test_refresh_disposable_list(app, tmp_path, stored_list):
    source = tmp_path / "list.conf"
    source.write_text("\n".join(["# upstream list"] + [f"throwaway{n}.example" for n in range(20)]))
    result = app.test_cli_runner().invoke(args=["accounts", "refresh-disposable", str(source)])
    assert result.exit_code == 0 and "stored 20" in result.output
    api = Api(app.test_client())
    resp = api.post("/api/v1/auth/register",
                    json={"email": "a@throwaway7.example", "password": PASSWORD, "display_name": "A"})
    assert_error(resp, 422, "email_rejected")
    tiny = tmp_path / "tiny.conf"
    tiny.write_text("one.example\n")
    assert app.test_cli_runner().invoke(args=["accounts", "refresh-disposable", str(tiny)]).exit_code == 1
