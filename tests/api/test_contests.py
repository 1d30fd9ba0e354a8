"""The contests API end to end: SPECs, derived phases, categories, entries,
moderation and photo uploads. Phase windows are set relative to now, so the
clock is never frozen."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image

from tests.support.api import Api, assert_error, organiser_api
from tests.support.factories import PASSWORD, iso, spec


TIE_BREAK = ["jury_score", "public_votes", "earliest_submission", "draw"]

def window(start_days: float, end_days: float) -> dict:
    now = datetime.now(timezone.utc)
    return {"opens_at": iso(now + timedelta(days=start_days)), "closes_at": iso(now + timedelta(days=end_days))}


IN_SUBMISSION = {"submission": window(-1, 5), "voting": window(6, 10)}


def public(contest: dict) -> dict:
    """CONTEST as the public reads it: without the anti-fraud settings."""
    hidden = {"pow_bits", "pow_spike_per_minute", "min_render_seconds", "rate_limits"}
    return {**{k: v for k, v in contest.items() if k != "fraud"},
            "voting": {k: v for k, v in contest["voting"].items() if k not in hidden},
            "submissions": {k: v for k, v in contest["submissions"].items() if k != "rate_limit"}}
IN_VOTING = {"submission": window(-10, -5), "voting": window(-1, 5)}


def full_spec(**overrides) -> dict:
    """A SPEC that sets every field (in its submission phase)."""
    body = {
        "slug": "wsis-prizes-2021",
        "title": "WSIS Prizes 2021",
        "kind": "prize",
        "description": "Eighteen categories of the WSIS action lines.",
        "categories": [
            {"slug": "c1", "title": "The role of public governance authorities", "description": "C1"},
            {"slug": "c2", "title": "Information and communication infrastructure", "description": ""},
        ],
        "phases": {"submission": window(-1, 5), "voting": window(6, 10), "judging": window(11, 20)},
        "voting": {"method": "approval", "max_choices": 3, "score_max": 5, "ranked_method": "schulze",
                   "require_verified_email": False, "pow_bits": 12, "pow_spike_per_minute": 900,
                   "min_render_seconds": 3,
                   "rate_limits": {"ip": "100/hour", "prefix": "1000/hour", "account": "30/hour",
                                   "device": "50/hour", "ip_harder_above": "40/hour",
                                   "prefix_harder_above": "200/hour"}},
        "judging": {"mode": "rubric", "judges_per_entry": 4, "normalization": "none",
                    "criteria": [{"key": "impact", "label": "Impact", "weight": 0.4, "min": 0.0, "max": 10.0,
                                  "guidance": "Who is better off, and by how much"},
                                 {"key": "reach", "label": "Reach", "weight": 0.6, "min": 1.0, "max": 5.0,
                                  "guidance": ""}]},
        "awards": {"policy": "hybrid", "champions_per_category": 6, "winners_per_category": 2,
                   "public_weight": 0.25, "tie_break": ["public_votes", "draw"]},
    }
    body.update(overrides)
    return body


@pytest.fixture
def organiser(app, make) -> Api:
    return organiser_api(app, make)


def signed_in(app, make, email: str, verified: bool = True) -> Api:
    make.user(email, verified=verified)
    api = Api(app.test_client())
    api.login(email, PASSWORD)
    return api


def create(organiser: Api, body: dict) -> dict:
    resp = organiser.post("/api/v1/contests", json=body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def contest_slugs(client) -> list[str]:
    return [c["slug"] for c in client.get("/api/v1/contests").get_json()["contests"]]


def entry_titles(client, slug: str, query: str = "") -> list[str]:
    resp = client.get(f"/api/v1/contests/{slug}/entries{query}")
    assert resp.status_code == 200, resp.get_json()
    return [e["title"] for e in resp.get_json()["entries"]]


def png_bytes(size=(32, 24), colour="teal", fmt="PNG", **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt, **save)
    return out.getvalue()


# --- creating contests ---------------------------------------------------------------------------------------

def test_create_from_a_full_spec(organiser, client):
    body = full_spec()
    contest = create(organiser, body)
    assert contest["phase"] == "submission"
    assert [c["entry_count"] for c in contest["categories"]] == [0, 0]
    for key in ("slug", "title", "kind", "description", "voting", "judging", "awards"):
        assert contest[key] == body[key], key
    assert contest["categories"] == [{**c, "entry_count": 0} for c in body["categories"]]
    for name, given in body["phases"].items():
        for edge in ("opens_at", "closes_at"):
            assert datetime.fromisoformat(contest["phases"][name][edge]) == datetime.fromisoformat(given[edge])
    assert contest["next_change"]["phase"] == "submission" and contest["next_change"]["event"] == "closes"
    assert contest["published_at"] is None

    assert client.get(f"/api/v1/contests/{body['slug']}").get_json() == public(contest)
    assert organiser.get(f"/api/v1/contests/{body['slug']}").get_json() == contest
    assert client.get("/api/v1/contests").get_json() == {
        "contests": [{"slug": body["slug"], "title": body["title"], "kind": "prize", "phase": "submission"}]}


def test_timestamps_with_other_offsets_are_the_same_instant(organiser):
    now = datetime.now(timezone.utc).replace(microsecond=0)
    zurich = timezone(timedelta(hours=2))
    phases = {"voting": {"opens_at": (now - timedelta(hours=1)).astimezone(zurich).isoformat(),
                         "closes_at": (now + timedelta(hours=1)).astimezone(zurich).isoformat()}}
    contest = create(organiser, spec(slug="offsets", phases=phases))
    assert contest["phase"] == "voting"
    assert datetime.fromisoformat(contest["phases"]["voting"]["opens_at"]) == now - timedelta(hours=1)


@pytest.mark.parametrize("kind, voting, awards", [
    ("prize", {"method": "single", "pow_bits": 16},
     {"policy": "jury_among_champions", "champions_per_category": 5, "winners_per_category": 1}),
    ("hackathon", {"method": "none", "pow_bits": 0},
     {"policy": "jury", "champions_per_category": 5, "winners_per_category": 1}),
    ("photo", {"method": "single", "pow_bits": 16},
     {"policy": "jury", "champions_per_category": 10, "winners_per_category": 3}),
])
def test_defaults_are_filled_per_kind(organiser, kind, voting, awards):
    contest = create(organiser, {"slug": f"minimal-{kind}", "title": "Minimal", "kind": kind,
                                 "categories": [{"slug": "main", "title": "Main"}]})
    assert contest["phase"] == "draft" and contest["phases"] == {} and contest["next_change"] is None
    assert contest["description"] == ""
    assert contest["categories"] == [{"slug": "main", "title": "Main", "description": "", "entry_count": 0}]
    assert contest["voting"] == {"method": voting["method"], "max_choices": 1, "score_max": 5,
                                 "ranked_method": "irv", "require_verified_email": True,
                                 "pow_bits": voting["pow_bits"], "pow_spike_per_minute": 600,
                                 "min_render_seconds": 2,
                                 "rate_limits": {"ip": "10000/hour", "prefix": "20000/hour", "account": "60/hour",
                                                 "device": "100/hour", "ip_harder_above": "1000/hour",
                                                 "prefix_harder_above": "4000/hour"}}
    assert contest["judging"] == {"mode": "rubric", "judges_per_entry": 3, "normalization": "zscore",
                                  "criteria": [{"key": "overall", "label": "Overall", "weight": 1.0,
                                                "min": 0.0, "max": 10.0, "guidance": ""}]}
    assert contest["awards"] == {**awards, "public_weight": 0.5, "tie_break": TIE_BREAK}


def test_a_partial_section_keeps_the_kinds_defaults_for_the_rest(organiser):
    contest = create(organiser, {"slug": "photo-partial", "title": "Photos", "kind": "photo",
                                 "categories": [{"slug": "main", "title": "Main"}],
                                 "awards": {"winners_per_category": 2}})
    assert contest["awards"] == {"policy": "jury", "champions_per_category": 10, "winners_per_category": 2,
                                 "public_weight": 0.5, "tie_break": TIE_BREAK}


def test_only_organisers_create_contests(app, client, make):
    assert_error(client.post("/api/v1/contests", json=spec()), 401, "login_required")
    voter = signed_in(app, make, "voter@example.org")
    assert_error(voter.post("/api/v1/contests", json=spec()), 403, "forbidden")
    assert contest_slugs(client) == []


def test_slug_taken(organiser, client):
    create(organiser, spec(title="First"))
    err = assert_error(organiser.post("/api/v1/contests", json=spec(title="Second")), 409, "slug_taken")
    assert err["fields"] == {"slug": "is already taken"}
    assert client.get(f"/api/v1/contests/{spec()['slug']}").get_json()["title"] == "First"


def test_every_shape_problem_is_reported_by_path_and_nothing_is_created(organiser, client):
    body = full_spec(slug="Not A Slug!", colour="red")
    del body["categories"]
    body["voting"]["turbo"] = True
    body["judging"]["criteria"][1]["extra"] = 1
    body["phases"]["voting"]["note"] = "x"
    body["phases"]["submission"]["opens_at"] = "2021-05-18T12:00:00"  # no offset
    body["awards"]["public_weight"] = 2
    err = assert_error(organiser.post("/api/v1/contests", json=body), 422, "validation_error")
    assert set(err["fields"]) == {"slug", "categories", "colour", "voting.turbo", "judging.criteria.1.extra",
                                  "phases.voting.note", "phases.submission.opens_at", "awards.public_weight"}
    assert err["fields"]["categories"] == "is required"
    assert err["fields"]["colour"] == "is not a known field"
    assert contest_slugs(client) == []


def test_every_rule_problem_is_reported_by_path_and_nothing_is_created(organiser, client):
    body = full_spec()
    body["categories"].append({"slug": "c1", "title": "Again"})
    body["phases"]["submission"] = window(-3, -4)  # closes before it opens
    body["phases"]["voting"] = window(0, 8)  # overlaps the judging window below
    body["phases"]["judging"] = window(7, 12)
    body["judging"]["criteria"][0]["max"] = -1.0
    body["judging"]["criteria"][1]["key"] = "impact"
    err = assert_error(organiser.post("/api/v1/contests", json=body), 422, "validation_error")
    assert set(err["fields"]) == {"categories.2.slug", "phases.submission.closes_at", "phases.judging.opens_at",
                                  "judging.criteria.0.max", "judging.criteria.1.key"}
    assert contest_slugs(client) == []


@pytest.mark.parametrize("policy", ["public", "jury_among_champions", "hybrid"])
def test_a_policy_that_needs_a_public_vote_needs_a_voting_method(organiser, client, policy):
    body = full_spec(voting={"method": "none"}, awards={"policy": policy})
    del body["phases"]["voting"]
    err = assert_error(organiser.post("/api/v1/contests", json=body), 422, "validation_error")
    assert "voting.method" in err["fields"]
    assert contest_slugs(client) == []


def test_a_policy_that_needs_a_jury_needs_a_judging_mode(organiser):
    err = assert_error(organiser.post("/api/v1/contests", json=full_spec(judging={"mode": "none"},
                                                                          awards={"policy": "jury"})),
                       422, "validation_error")
    assert set(err["fields"]) == {"judging.mode"}


@pytest.mark.parametrize("body, path", [
    ([], "body"),
    ({"slug": "x", "title": " ", "kind": "prize", "categories": [{"slug": "c", "title": "C"}]}, "title"),
    ({"slug": "x", "title": "T", "kind": "lottery", "categories": [{"slug": "c", "title": "C"}]}, "kind"),
    ({"slug": "x", "title": "T", "kind": "prize", "categories": []}, "categories"),
    ({"slug": "x-", "title": "T", "kind": "prize", "categories": [{"slug": "c", "title": "C"}]}, "slug"),
    ({"slug": "x", "title": "T", "kind": "prize", "categories": [{"slug": "C 1", "title": "C"}]},
     "categories.0.slug"),
    ({"slug": "x", "title": "T", "kind": "prize", "categories": [{"slug": "c", "title": "C"}],
      "phases": {"voting": {"opens_at": "yesterday", "closes_at": "2030-01-01T00:00:00+00:00"}}},
     "phases.voting.opens_at"),
    ({"slug": "x", "title": "T", "kind": "prize", "categories": [{"slug": "c", "title": "C"}],
      "voting": {"rate_limits": {"ip": "lots"}}}, "voting.rate_limits.ip"),
    ({"slug": "x", "title": "T", "kind": "prize", "categories": [{"slug": "c", "title": "C"}],
      "voting": {"pow_bits": 29}}, "voting.pow_bits"),
    ({"slug": "x", "title": "T", "kind": "photo", "categories": [{"slug": "c", "title": "C"}],
      "awards": {"winners_per_category": 4}}, "awards.winners_per_category"),
])
def test_single_problems_are_named(organiser, body, path):
    err = assert_error(organiser.post("/api/v1/contests", json=body), 422, "validation_error")
    assert path in err["fields"], err["fields"]


# --- changing contests ---------------------------------------------------------------------------------------

def test_patch_phase_times_changes_the_derived_phase(organiser, client):
    contest = create(organiser, spec(phases=IN_SUBMISSION))
    assert contest["phase"] == "submission"
    url = f"/api/v1/contests/{contest['slug']}"

    resp = organiser.patch(url, json={"phases": {"submission": window(-10, -5), "voting": window(-1, 3)}})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["phase"] == "voting"
    assert client.get(url).get_json()["phase"] == "voting"
    assert client.get("/api/v1/contests").get_json()["contests"][0]["phase"] == "voting"

    # Merge patch: one edge of one window; the other edge and the other windows stay.
    resp = organiser.patch(url, json={"phases": {"voting": {"closes_at": window(-2, -0.5)["closes_at"]}}})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["phase"] == "closed"
    assert set(resp.get_json()["phases"]) == {"submission", "voting"}

    # A vote that has closed never reopens, and its window stays.
    assert_error(organiser.patch(url, json={"phases": {"voting": None}}), 409, "locked")
    assert_error(organiser.patch(url, json={"phases": {"voting": window(-1, 3)}}), 409, "locked")

    # null removes a window that has not opened.
    create(organiser, spec(slug="other", phases=IN_SUBMISSION))
    resp = organiser.patch("/api/v1/contests/other", json={"phases": {"submission": None, "voting": None}})
    assert resp.get_json()["phase"] == "draft" and resp.get_json()["phases"] == {}


def test_patch_changes_only_what_it_names(organiser, client):
    contest = create(organiser, full_spec())
    url = f"/api/v1/contests/{contest['slug']}"
    resp = organiser.patch(url, json={"title": "Renamed", "voting": {"max_choices": 5},
                                      "judging": {"judges_per_entry": 2}})
    assert resp.status_code == 200, resp.get_json()
    changed = resp.get_json()
    assert changed["title"] == "Renamed"
    assert changed["voting"] == {**contest["voting"], "max_choices": 5}
    assert changed["judging"] == {**contest["judging"], "judges_per_entry": 2}
    assert {k: v for k, v in changed.items() if k not in ("title", "voting", "judging")} == \
        {k: v for k, v in contest.items() if k not in ("title", "voting", "judging")}
    assert client.get(url).get_json() == public(changed)


def test_patch_with_merge_patch_content_type(organiser):
    contest = create(organiser, spec())
    resp = organiser.client.patch(f"/api/v1/contests/{contest['slug']}", data='{"title": "Merged"}',
                                  content_type="application/merge-patch+json",
                                  headers={"X-CSRFToken": organiser.csrf})
    assert resp.status_code == 200 and resp.get_json()["title"] == "Merged"


def test_patch_cannot_change_slug_or_kind(organiser, client):
    contest = create(organiser, spec())
    url = f"/api/v1/contests/{contest['slug']}"
    err = assert_error(organiser.patch(url, json={"slug": "other", "kind": "photo", "title": "New"}),
                       422, "validation_error")
    assert set(err["fields"]) == {"slug", "kind"}
    assert client.get(url).get_json() == public(contest)
    assert client.get("/api/v1/contests/other").status_code == 404
    # Naming the same slug and kind is no change.
    assert organiser.patch(url, json={"slug": contest["slug"], "kind": "prize"}).status_code == 200


def test_an_invalid_patch_changes_nothing(organiser, client):
    contest = create(organiser, spec(phases=IN_SUBMISSION))
    url = f"/api/v1/contests/{contest['slug']}"
    body = {"title": "Changed", "phases": {"voting": window(8, 7)}, "awards": {"surprise": 1}}
    err = assert_error(organiser.patch(url, json=body), 422, "validation_error")
    assert "awards.surprise" in err["fields"]
    assert client.get(url).get_json() == public(contest)
    err = assert_error(organiser.patch(url, json={"phases": {"voting": window(8, 7)}}), 422, "validation_error")
    assert set(err["fields"]) == {"phases.voting.closes_at"}
    assert client.get(url).get_json() == public(contest)


def test_patch_needs_an_organiser_and_a_contest(app, client, make, organiser):
    contest = create(organiser, spec())
    url = f"/api/v1/contests/{contest['slug']}"
    assert_error(client.patch(url, json={"title": "X"}), 401, "login_required")
    voter = signed_in(app, make, "voter@example.org")
    assert_error(voter.patch(url, json={"title": "X"}), 403, "forbidden")
    assert_error(organiser.patch("/api/v1/contests/no-such-contest", json={"title": "X"}), 404, "not_found")
    assert client.get(url).get_json()["title"] == contest["title"]


def test_categories_with_entries_cannot_be_removed(organiser, client):
    contest = create(organiser, spec(categories=[{"slug": "a", "title": "A"}, {"slug": "b", "title": "B"},
                                                 {"slug": "c", "title": "C"}]))
    url = f"/api/v1/contests/{contest['slug']}"
    assert organiser.post(f"{url}/entries", json={"category": "a", "title": "In A"}).status_code == 201

    err = assert_error(organiser.patch(url, json={"categories": [{"slug": "b", "title": "B"}]}),
                       422, "validation_error")
    assert set(err["fields"]) == {"categories"} and "a" in err["fields"]["categories"]
    assert [c["slug"] for c in client.get(url).get_json()["categories"]] == ["a", "b", "c"]

    # Empty categories can go; kept ones are renamed and reordered, and keep their entries.
    resp = organiser.patch(url, json={"categories": [{"slug": "c", "title": "C"},
                                                     {"slug": "a", "title": "A renamed"}]})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["categories"] == [
        {"slug": "c", "title": "C", "description": "", "entry_count": 0},
        {"slug": "a", "title": "A renamed", "description": "", "entry_count": 1}]
    assert entry_titles(client, contest["slug"], "?category=a") == ["In A"]


def test_unknown_contest(client):
    assert_error(client.get("/api/v1/contests/no-such-contest"), 404, "not_found")
    assert_error(client.get("/api/v1/contests/no-such-contest/entries"), 404, "not_found")


# --- entries -------------------------------------------------------------------------------------------------

def test_organiser_adds_approved_entries_in_any_phase(organiser, client):
    contest = create(organiser, spec(phases=IN_VOTING))
    url = f"/api/v1/contests/{contest['slug']}/entries"
    resp = organiser.post(url, json={"category": "c2", "title": "  Digital Estonia ", "summary": "e-government",
                                     "team": "Team E", "organisation": "RIA", "country": "ee"})
    assert resp.status_code == 201, resp.get_json()
    entry = resp.get_json()
    assert entry == {"id": entry["id"], "category": "c2", "title": "Digital Estonia", "summary": "e-government",
                     "team": "Team E", "organisation": "RIA", "country": "EE", "links": [], "status": "approved"}
    assert client.get(url).get_json() == {"entries": [entry]}
    counts = [c["entry_count"] for c in client.get(f"/api/v1/contests/{contest['slug']}").get_json()["categories"]]
    assert counts == [0, 1]


def test_participant_entry_is_pending_until_moderated(app, client, make, organiser):
    contest = create(organiser, spec(phases=IN_SUBMISSION))
    slug = contest["slug"]
    url = f"/api/v1/contests/{slug}/entries"
    participant = signed_in(app, make, "team@example.org")
    resp = participant.post(url, json={"category": "c1", "title": "Our project"})
    assert resp.status_code == 201, resp.get_json()
    entry = resp.get_json()
    assert entry["status"] == "pending"

    assert entry_titles(client, slug) == []
    assert client.get(f"/api/v1/contests/{slug}").get_json()["categories"][0]["entry_count"] == 0
    assert entry_titles(organiser.client, slug, "?status=pending") == ["Our project"]
    assert_error(client.get(f"{url}?status=pending"), 401, "login_required")
    assert_error(participant.get(f"{url}?status=all"), 403, "forbidden")

    moderation = f"{url}/{entry['id']}/moderation"
    assert_error(participant.post(moderation, json={"status": "approved"}), 403, "forbidden")
    assert_error(organiser.post(moderation, json={"status": "pending"}), 422, "validation_error")
    resp = organiser.post(moderation, json={"status": "approved"})
    assert resp.status_code == 200 and resp.get_json() == {**entry, "status": "approved"}
    assert entry_titles(client, slug) == ["Our project"]
    assert client.get(f"/api/v1/contests/{slug}").get_json()["categories"][0]["entry_count"] == 1

    resp = organiser.post(moderation, json={"status": "rejected"})
    assert resp.get_json()["status"] == "rejected"
    assert entry_titles(client, slug) == []
    assert entry_titles(organiser.client, slug, "?status=rejected") == ["Our project"]
    assert entry_titles(organiser.client, slug, "?status=all") == ["Our project"]


def test_moderation_of_an_entry_of_another_contest_is_not_found(organiser):
    first = create(organiser, spec(slug="first"))
    second = create(organiser, spec(slug="second"))
    entry = organiser.post(f"/api/v1/contests/{first['slug']}/entries",
                           json={"category": "c1", "title": "T"}).get_json()
    assert_error(organiser.post(f"/api/v1/contests/{second['slug']}/entries/{entry['id']}/moderation",
                                json={"status": "rejected"}), 404, "not_found")
    assert_error(organiser.post(f"/api/v1/contests/{first['slug']}/entries/{entry['id'] + 1000}/moderation",
                                json={"status": "rejected"}), 404, "not_found")


@pytest.mark.parametrize("phases", [IN_VOTING, {"submission": window(1, 5)}, {"submission": window(-5, -1)}],
                         ids=["voting", "before", "after"])
def test_participants_submit_only_during_submission(app, make, organiser, phases):
    contest = create(organiser, spec(phases=phases))
    participant = signed_in(app, make, "team@example.org")
    # Before its first window the contest is a draft, which the public cannot see at all.
    status, code = (404, "not_found") if contest["phase"] == "draft" else (409, "phase_closed")
    assert_error(participant.post(f"/api/v1/contests/{contest['slug']}/entries",
                                  json={"category": "c1", "title": "Late"}), status, code)
    assert entry_titles(organiser.client, contest["slug"], "?status=all") == []


def test_participants_need_an_account_and_a_verified_address(app, client, make, organiser):
    contest = create(organiser, spec(phases=IN_SUBMISSION))
    url = f"/api/v1/contests/{contest['slug']}/entries"
    assert_error(client.post(url, json={"category": "c1", "title": "T"}), 401, "login_required")
    unverified = signed_in(app, make, "new@example.org", verified=False)
    assert_error(unverified.post(url, json={"category": "c1", "title": "T"}), 403, "email_unverified")


@pytest.mark.parametrize("body, fields", [
    ({"category": "c9", "title": "T"}, {"category"}),
    ({"title": "T"}, {"category"}),
    ({"category": "c1"}, {"title"}),
    ({"category": "c1", "title": "   "}, {"title"}),
    ({"category": "c1", "title": "T" * 301}, {"title"}),
    ({"category": "c1", "title": "T", "summary": 5, "team": ["x"], "country": "XX"}, {"summary", "team", "country"}),
    ({"category": "c1", "title": "T", "votes": 100, "status": "approved"}, {"votes", "status"}),
])
def test_bad_entries_are_refused_by_field(organiser, body, fields):
    contest = create(organiser, spec())
    url = f"/api/v1/contests/{contest['slug']}/entries"
    err = assert_error(organiser.post(url, json=body), 422, "validation_error")
    assert set(err["fields"]) == fields
    assert entry_titles(organiser.client, contest["slug"], "?status=all") == []


def test_category_filter(organiser, client):
    contest = create(organiser, spec())
    url = f"/api/v1/contests/{contest['slug']}/entries"
    for category, title in (("c1", "One"), ("c2", "Two"), ("c1", "Three")):
        assert organiser.post(url, json={"category": category, "title": title}).status_code == 201
    assert entry_titles(client, contest["slug"], "?category=c1") == ["One", "Three"]
    assert entry_titles(client, contest["slug"], "?category=c2") == ["Two"]
    assert entry_titles(client, contest["slug"]) == ["One", "Three", "Two"]
    assert_error(client.get(f"{url}?category=c9"), 404, "not_found")
    assert_error(client.get(f"{url}?status=everything"), 422, "validation_error")


# --- photo contests ------------------------------------------------------------------------------------------

@pytest.fixture
def photo(organiser) -> str:
    return create(organiser, spec(slug="photos", kind="photo", phases=IN_SUBMISSION))["slug"]


def test_photo_upload_is_served_as_jpeg_without_metadata(organiser, client, photo):
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # camera maker
    exif[0x0110] = "Model X serial 1234"
    upload = png_bytes((40, 30), "orange", fmt="JPEG", exif=exif.tobytes())
    resp = organiser.post(f"/api/v1/contests/{photo}/entries",
                          data={"category": "c1", "title": "Sunset", "country": "CH", "alt_text": "An orange sky",
                                "image": (io.BytesIO(upload), "sunset.jpg", "image/jpeg")})
    assert resp.status_code == 201, resp.get_json()
    entry = resp.get_json()
    assert entry["status"] == "approved" and entry["country"] == "CH"
    assert entry["image_url"].startswith(f"/media/entries/{entry['id']}/display-")
    assert entry["alt_text"] == "An orange sky"
    assert client.get(f"/api/v1/contests/{photo}/entries").get_json()["entries"] == [entry]

    served = client.get(entry["image_url"])
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(served.get_data())) as img:
        assert img.format == "JPEG" and img.size == (40, 30)
        assert not img.getexif()
    assert b"SpyCam" not in served.get_data()


def test_png_upload_is_converted_to_jpeg(organiser, client, photo):
    resp = organiser.post(f"/api/v1/contests/{photo}/entries",
                          data={"category": "c2", "title": "Teal", "alt_text": "Teal",
                                "image": (io.BytesIO(png_bytes()), "t.png")})
    assert resp.status_code == 201, resp.get_json()
    with Image.open(io.BytesIO(client.get(resp.get_json()["image_url"]).get_data())) as img:
        assert img.format == "JPEG" and img.size == (32, 24)


def test_pending_photo_is_hidden_from_the_public(app, client, make, organiser, photo):
    participant = signed_in(app, make, "snapper@example.org")
    resp = participant.post(f"/api/v1/contests/{photo}/entries",
                            data={"category": "c1", "title": "Mine", "alt_text": "Teal",
                                  "image": (io.BytesIO(png_bytes()), "m.png")})
    assert resp.status_code == 201, resp.get_json()
    url = resp.get_json()["image_url"]
    assert client.get(url).status_code == 404
    assert participant.get(url).status_code == 200
    assert organiser.get(url).status_code == 200


@pytest.mark.parametrize("upload", [b"this is not an image", b"GIF89a" + b"\x00" * 20, b""],
                         ids=["text", "truncated-gif", "empty"])
def test_non_image_upload_is_refused(organiser, photo, upload):
    resp = organiser.post(f"/api/v1/contests/{photo}/entries",
                          data={"category": "c1", "title": "Fake", "alt_text": "Fake",
                                "image": (io.BytesIO(upload), "fake.jpg")})
    err = assert_error(resp, 422, "validation_error")
    assert set(err["fields"]) == {"image"}
    assert entry_titles(organiser.client, photo, "?status=all") == []


def test_gif_is_not_accepted(organiser, photo):
    resp = organiser.post(f"/api/v1/contests/{photo}/entries",
                          data={"category": "c1", "title": "Gif", "alt_text": "Teal",
                                "image": (io.BytesIO(png_bytes(fmt="GIF")), "a.gif")})
    err = assert_error(resp, 422, "validation_error")
    assert set(err["fields"]) == {"image"}


def test_photo_entry_needs_an_image_and_other_kinds_take_none(organiser, photo):
    err = assert_error(organiser.post(f"/api/v1/contests/{photo}/entries", json={"category": "c1", "title": "T"}),
                       422, "validation_error")
    assert set(err["fields"]) == {"image"}
    prize = create(organiser, spec(slug="prize"))["slug"]
    err = assert_error(organiser.post(f"/api/v1/contests/{prize}/entries",
                                      data={"category": "c1", "title": "T",
                                            "image": (io.BytesIO(png_bytes()), "a.png")}),
                       422, "validation_error")
    assert set(err["fields"]) == {"image"}


def test_multipart_reports_field_problems_and_unknown_files(organiser, photo):
    resp = organiser.post(f"/api/v1/contests/{photo}/entries",
                          data={"category": "c9", "image": (io.BytesIO(png_bytes()), "a.png")})
    err = assert_error(resp, 422, "validation_error")
    assert set(err["fields"]) == {"category", "title", "alt_text"}  # every problem at once
    resp = organiser.post(f"/api/v1/contests/{photo}/entries",
                          data={"category": "c1", "title": "T", "image": (io.BytesIO(png_bytes()), "a.png"),
                                "thumbnail": (io.BytesIO(png_bytes()), "b.png")})
    err = assert_error(resp, 422, "validation_error")
    assert set(err["fields"]) == {"thumbnail"}
    assert entry_titles(organiser.client, photo, "?status=all") == []
