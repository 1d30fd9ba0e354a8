"""The WSIS 2021 demo loader behind `flask --app voting seed-demo`."""

from __future__ import annotations

import io

import pytest
from flask.cli import FlaskGroup
from PIL import Image

from tests.support.api import Api
from voting.demo.seed import DEMO_ORGANISER_EMAIL, DEMO_ORGANISER_PASSWORD, seed_demo
from voting.contests.domain.action_lines import ACTION_LINES
from voting.extensions import db

SLUGS = {"wsis-prizes-2021": ("prize", "voting"),
         "ageing-better-hackathon-2021": ("hackathon", "judging"),
         "healthy-ageing-innovation-prize-2021": ("prize", "judging"),
         "wsis-photo-contest-2021": ("photo", "submission")}


def seed(app) -> list[str]:
    with app.app_context():
        try:
            return list(seed_demo())
        finally:
            db.session.remove()


def entries(client, slug: str, category: str | None = None) -> list[dict]:
    query = f"?category={category}" if category else ""
    resp = client.get(f"/api/v1/contests/{slug}/entries{query}")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["entries"]


def counts(client) -> dict[str, int]:
    return {slug: len(entries(client, slug)) for slug in SLUGS}


def test_seed_creates_four_contests_in_their_phases(app, client):
    lines = seed(app)
    assert any(line.startswith(f"created organiser {DEMO_ORGANISER_EMAIL}") for line in lines)
    for slug in SLUGS:
        assert any(line.startswith(f"created contest {slug} (") for line in lines), lines

    listed = {c["slug"]: (c["kind"], c["phase"]) for c in client.get("/api/v1/contests").get_json()["contests"]}
    assert listed == SLUGS


def test_prize_contest_has_the_eighteen_action_lines_with_entries(app, client):
    seed(app)
    body = client.get("/api/v1/contests/wsis-prizes-2021").get_json()
    assert body["title"] == "WSIS Prizes 2021"
    assert [(c["slug"], c["title"]) for c in body["categories"]] == ACTION_LINES
    titles = [c["title"] for c in body["categories"]]
    assert titles[0].startswith("C1 The role of public governance authorities")
    assert "C7 ICT applications: E-agriculture" in titles and titles[-1] == "C11 International and regional cooperation"
    assert all(5 <= c["entry_count"] <= 7 for c in body["categories"]), body["categories"]
    assert body["voting"]["method"] == "single"
    assert body["awards"] == {**body["awards"], "policy": "jury_among_champions",
                              "champions_per_category": 5, "winners_per_category": 1}
    assert body["next_change"] == {**body["next_change"], "phase": "voting", "event": "closes"}

    found = entries(client, "wsis-prizes-2021")
    assert 90 <= len(found) <= 126
    assert len({e["country"] for e in found}) >= 40
    assert all(e["status"] == "approved" and e["title"] and e["summary"] and e["organisation"] and e["country"]
               for e in found)
    assert len(entries(client, "wsis-prizes-2021", "c7-e-health")) == body["categories"][9]["entry_count"]


def test_hackathon_and_healthy_ageing_prize(app, client):
    seed(app)
    hack = client.get("/api/v1/contests/ageing-better-hackathon-2021").get_json()
    assert [c["title"] for c in hack["categories"]] == [
        "Alzheimer's disease and cognitive decline", "Frailty", "Transportation and mobility",
        "Financial tools for longevity"]
    assert all(c["entry_count"] >= 3 for c in hack["categories"])
    assert hack["voting"]["method"] == "none"
    assert {c["key"]: c["weight"] for c in hack["judging"]["criteria"]} == {
        "impact": 0.4, "feasibility": 0.3, "innovation": 0.2, "presentation": 0.1}
    assert hack["awards"]["policy"] == "jury" and hack["awards"]["winners_per_category"] == 1
    teams = entries(client, "ageing-better-hackathon-2021")
    assert all("members" in e["team"] for e in teams)
    assert len({e["country"] for e in teams}) >= 8

    finalists = client.get("/api/v1/contests/healthy-ageing-innovation-prize-2021").get_json()
    assert len(finalists["categories"]) == 1 and finalists["categories"][0]["entry_count"] == 12
    assert len(entries(client, "healthy-ageing-innovation-prize-2021")) == 12
    assert finalists["awards"]["policy"] == "jury" and finalists["awards"]["winners_per_category"] == 1


def test_photo_entries_serve_jpegs(app, client):
    seed(app)
    photo = client.get("/api/v1/contests/wsis-photo-contest-2021").get_json()
    assert photo["voting"]["method"] == "single"
    assert photo["awards"]["policy"] == "jury" and photo["awards"]["winners_per_category"] == 3
    assert photo["next_change"] == {**photo["next_change"], "phase": "submission", "event": "closes"}
    found = entries(client, "wsis-photo-contest-2021")
    assert len(found) >= 6
    digests = set()
    for entry in found:
        assert entry["team"] and entry["country"]
        resp = client.get(entry["image_url"])
        assert resp.status_code == 200
        assert resp.mimetype == "image/jpeg"
        with Image.open(io.BytesIO(resp.data)) as img:
            assert img.format == "JPEG" and img.size == (640, 426)
        digests.add(resp.data)
    assert len(digests) == len(found)


def test_demo_organiser_can_sign_in(app, client):
    seed(app)
    resp = Api(client).login(DEMO_ORGANISER_EMAIL, DEMO_ORGANISER_PASSWORD)
    user = resp.get_json()["user"]
    assert user["display_name"] == "Demo Organiser"
    assert user["verified"] is True
    assert "organiser" in user["roles"]


def test_seeding_twice_changes_nothing(app, client):
    seed(app)
    before = counts(client)
    contests_before = client.get("/api/v1/contests").get_json()
    lines = seed(app)
    assert f"organiser {DEMO_ORGANISER_EMAIL} already exists; left as it is" in lines
    for slug, count in before.items():
        assert f"contest {slug} already exists ({count} entries); left as it is" in lines
    assert counts(client) == before
    assert client.get("/api/v1/contests").get_json() == contests_before
    Api(client).login(DEMO_ORGANISER_EMAIL, DEMO_ORGANISER_PASSWORD)


def test_a_failed_seed_leaves_no_half_contest(app, client, monkeypatch):
    from voting.demo import seed as seed_module

    real_add, calls = seed_module.add_entry, []

    def failing_add(contest, data, actor, now, image=None):
        if contest.slug == "wsis-photo-contest-2021":
            calls.append(data["title"])
            if len(calls) > 3:
                raise RuntimeError("disk full")
        return real_add(contest, data, actor, now, image=image)

    monkeypatch.setattr(seed_module, "add_entry", failing_add)
    with pytest.raises(RuntimeError):
        seed(app)
    listed = [c["slug"] for c in client.get("/api/v1/contests").get_json()["contests"]]
    assert listed == list(SLUGS)[:3]
    monkeypatch.setattr(seed_module, "add_entry", real_add)
    lines = seed(app)
    assert any(line.startswith("created contest wsis-photo-contest-2021 (1 category, ") for line in lines)
    assert len(entries(client, "wsis-photo-contest-2021")) == len(seed_module.demo_contests(
        seed_module.clock.now())[3].entries)


def check_cli_output(first, again, client) -> None:
    assert first.exit_code == 0, (first.output, first.exception)
    assert "created contest wsis-prizes-2021 (18 categories," in first.output
    assert DEMO_ORGANISER_EMAIL in first.output
    assert again.exit_code == 0, (again.output, again.exception)
    assert "contest wsis-photo-contest-2021 already exists" in again.output
    assert len(client.get("/api/v1/contests").get_json()["contests"]) == 4


def test_flask_command(app, client):
    # What `flask --app voting seed-demo` runs: a FlaskGroup, which pushes the app context.
    group = FlaskGroup(create_app=lambda: app, add_default_commands=False, load_dotenv=False, set_debug_flag=False)
    runner = app.test_cli_runner()
    check_cli_output(runner.invoke(group, ["seed-demo"]), runner.invoke(group, ["seed-demo"]), client)


def test_cli_runner_invoke(app, client):
    runner = app.test_cli_runner()
    check_cli_output(runner.invoke(args=["seed-demo"]), runner.invoke(args=["seed-demo"]), client)
