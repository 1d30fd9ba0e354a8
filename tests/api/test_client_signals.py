"""What the intake records of the client a ballot came from, for the fraud
rules (issue 15): `page_ms` (from a good render-time token to the cast), and
the flags `no_page`, `no_script` and `no_input`, none of which holds a ballot.
At both doors, the ballot route and the API view, with the same answers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from voting.ballots import backends, challenges, contest_view, wire

from tests.api.test_intake_hardening import ballots_of, render_token
from tests.support.api import assert_error
from tests.support.voting import cast, open_contest, voter_api

SEEN = {"visible_ms": 95_000, "input": True}


@pytest.fixture
def doors(make_app):
    return {"route": make_app(), "view": make_app(ballot_route=False)}


def page_form(app, slug: str, seconds_ago: float, script: dict | None = SEEN) -> dict:
    token = render_token(app, slug, datetime.now(timezone.utc) - timedelta(seconds=seconds_ago))
    return {"website": "", "rendered": token, **({"script": script} if script is not None else {})}


def by_voter(app) -> dict[int, list]:
    rows: dict[int, list] = {}
    for ballot in ballots_of(app):
        rows.setdefault(ballot.voter_id, []).append(ballot)
    return rows


def test_a_page_ballot_records_its_page_time_and_no_client_flag_at_both_doors(doors, make, app):
    slug, ids = open_contest(app, min_render_seconds=2)
    for door, door_app in doors.items():
        api = voter_api(door_app, make, f"{door}@example.org")
        resp = cast(api, slug, "c1", [ids["c1"][0]], form=page_form(app, slug, 95.5))
        assert resp.status_code == 201 and resp.get_json()["status"] == "received"
    for (ballot,) in by_voter(app).values():
        assert ballot.status == "counted" and ballot.flags == []
        assert 95_000 <= ballot.page_ms < 125_000  # milliseconds since the render, not seconds


def test_ballots_no_page_vouched_for_are_flagged_no_page_and_counted(doors, make, app):
    slug, ids = open_contest(app, min_render_seconds=0, categories=6)
    with app.app_context():
        other = backends.current().render_serializer.dumps([contest_view.get(slug).id + 1, 1, "A" * 16])
    expired = page_form(app, slug, challenges.RENDER_TOKEN_SECONDS + 30)
    for door, door_app in doors.items():
        api = voter_api(door_app, make, f"{door}@example.org")
        reused = page_form(app, slug, 60)
        sent = {
            "c1": None,  # an API client: no form at all
            "c2": {"website": "", "rendered": "forged.token", "script": SEEN},
            "c3": {"website": "", "rendered": other, "script": SEEN},  # another contest's page
            "c4": expired,
            "c5": reused,
            "c6": reused,  # the same page's token again: it vouched for c5's ballot already
        }
        for category, form in sent.items():
            extra = {"form": form} if form is not None else {}
            assert cast(api, slug, category, [ids[category][0]], **extra).status_code == 201
    for ballots in by_voter(app).values():  # in the order cast: c1 to c6
        assert all(b.status == "counted" for b in ballots)
        first, forged, foreign, old, good, again = (b.flags for b in ballots)
        assert first == forged == foreign == ["no_page"]
        assert old == ["render_expired", "no_page"] and again == ["render_reused", "no_page"]
        assert good == []
        assert [b.page_ms is None for b in ballots] == [True, True, True, True, False, True]


def test_a_page_whose_script_did_not_run_is_flagged_no_script_and_counted(doors, make, app):
    slug, ids = open_contest(app, min_render_seconds=2)
    for door, door_app in doors.items():
        api = voter_api(door_app, make, f"{door}@example.org")
        assert cast(api, slug, "c1", [ids["c1"][0]], form=page_form(app, slug, 30, script=None)).status_code == 201
        quiet = page_form(app, slug, 30, script={"visible_ms": 0, "input": False})
        assert cast(api, slug, "c2", [ids["c2"][0]], form=quiet).status_code == 201
    for no_script, no_input in by_voter(app).values():
        assert no_script.status == no_input.status == "counted"
        assert no_script.flags == ["no_script"] and no_input.flags == ["no_input"]
        assert no_script.page_ms >= 30_000 and no_input.page_ms >= 30_000


@pytest.mark.parametrize("script, path", [
    ({"visible_ms": 1000, "input": True, "extra": 1}, "form.script.extra"),
    ({"visible_ms": -1, "input": True}, "form.script.visible_ms"),
    ({"visible_ms": wire.MAX_VISIBLE_MS + 1, "input": True}, "form.script.visible_ms"),
    ({"visible_ms": 1.5, "input": True}, "form.script.visible_ms"),
    ({"visible_ms": True, "input": True}, "form.script.visible_ms"),
    ({"visible_ms": "1000", "input": True}, "form.script.visible_ms"),
    ({"visible_ms": 1000, "input": "yes"}, "form.script.input"),
    ({"visible_ms": 1000}, "form.script.input"),
    ("seen", "form.script"),
])
def test_a_malformed_script_field_is_a_validation_error_at_both_doors(doors, make, app, script, path):
    slug, ids = open_contest(app)
    for door, door_app in doors.items():
        api = voter_api(door_app, make, f"{door}@example.org")
        resp = cast(api, slug, "c1", [ids["c1"][0]], form={"website": "", "script": script})
        err = assert_error(resp, 422, "validation_error")
        assert path in err["fields"], err
    assert ballots_of(app) == []


def test_a_render_token_of_seconds_still_vouches_with_its_time(app, make):
    """Tokens signed before the render time was in milliseconds (pages open
    across the upgrade) hold seconds: still read, as seconds."""
    slug, ids = open_contest(app, min_render_seconds=30)
    api = voter_api(app, make)
    with app.app_context():
        stamp = int((datetime.now(timezone.utc) - timedelta(minutes=5)).timestamp())
        token = backends.current().render_serializer.dumps([contest_view.get(slug).id, stamp, "B" * 16])
    resp = cast(api, slug, "c1", [ids["c1"][0]], form={"website": "", "rendered": token, "script": SEEN})
    assert resp.status_code == 201
    (ballot,) = ballots_of(app)
    assert ballot.status == "counted" and ballot.flags == [] and 300_000 <= ballot.page_ms < 330_000
