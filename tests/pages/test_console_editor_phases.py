"""The contest editor once the contest runs: what the phase locks is shown locked with the rule's own reason
(contests/domain/changes.py) and a forged post is refused with the API's error; phases opened and closed
from the browser through the same patch; and a WSIS-style prize from its template to a counted ballot."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.pages.support import add_entry, page, sign_in, submit
from tests.pages.test_page_quality import check_page
from tests.pages.test_console_editor_settings import SETTINGS, beside, contest, save, section_form
from tests.support.factories import iso
from tests.support.voting import cast, voter_api
from voting import clock
from voting.accounts.models import User
from voting.contests.models import Contest
from voting.extensions import db
from voting.contests import entries
from voting.submissions import moderation

MOVE = f"{SETTINGS}/phases"


@pytest.fixture
def organiser(client, make):
    make.organiser()
    sign_in(client, "organiser@example.org")
    return client


def lock_note(doc, name: str) -> str:
    field_id = "f-" + name.replace(".", "-").replace("_", "-")
    (control,) = [a for t, a in doc.elements if a.get("id") == field_id and t in ("input", "select", "textarea")]
    assert "disabled" in control and f"{field_id}-lock" in control["aria-describedby"], control
    start = doc.html.index(f'id="{field_id}-lock"')
    return " ".join(doc.html[start:doc.html.index("</p>", start)].split())


def move(client, value: str, confirm: bool = True):
    """Open or close a phase now: the settings page's button, then (`confirm`) the confirmation's."""
    token = section_form(client, "general")["fields"]["csrf_token"]
    return client.post(MOVE, data={"csrf_token": token, "move": value, **({"confirm": "1"} if confirm else {})})


def test_counting_rules_are_shown_locked_once_voting_opened_and_the_rest_saves(organiser, make):
    make.contest()  # voting opened yesterday
    doc = page(organiser.get(SETTINGS))
    for name in ("voting.method", "voting.max_choices", "voting.score_max", "voting.ranked_method"):
        assert "Locked:" in lock_note(doc, name) and "is locked: voting has opened" in lock_note(doc, name)
    assert "cannot move: voting has opened" in lock_note(doc, "phases.voting.opens_at")
    (pow_bits,) = doc.find("input", id="f-voting-pow-bits")
    assert "disabled" not in pow_bits
    resp = save(organiser, "voting", **{"voting.pow_bits": "12"})
    assert resp.status_code == 303, page(resp).text[:2000]
    assert contest(organiser)["voting"]["pow_bits"] == 12


def test_a_forged_change_of_a_locked_field_is_refused_with_the_apis_error(organiser, make):
    make.contest()
    before = contest(organiser)
    resp = save(organiser, "voting", **{"voting.method": "approval", "voting.max_choices": "3"})
    assert resp.status_code == 409
    doc = page(resp)
    assert "This change is not allowed in the contest's current phase; nothing was changed." in doc.text
    assert "is locked: voting has opened" in beside(doc, "voting.method")
    assert "is locked: voting has opened" in beside(doc, "voting.max_choices")
    earlier = (datetime.now(timezone.utc) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")  # valid, but locked
    resp = save(organiser, "phases", **{"phases.voting.opens_at": earlier})
    assert resp.status_code == 409
    assert "cannot move: voting has opened" in beside(page(resp), "phases.voting.opens_at")
    assert contest(organiser) == before


def test_after_the_close_the_vote_never_reopens(organiser, make):
    now = datetime.now(timezone.utc)
    make.contest(phases={"voting": {"opens_at": iso(now - timedelta(days=3)), "closes_at": iso(now - timedelta(days=1))}})
    doc = page(organiser.get(SETTINGS))
    assert "a closed vote never reopens" in lock_note(doc, "phases.voting.closes_at")
    assert not [a for t, a in doc.elements if t == "button" and a.get("value", "").startswith("voting:")]
    resp = move(organiser, "voting:close")
    assert resp.status_code == 409
    assert "a closed vote never reopens" in beside(page(resp), "phases.voting.closes_at")


def test_open_and_close_phases_now(organiser, make):
    now = datetime.now(timezone.utc)
    make.contest(phases={"submission": {"opens_at": iso(now - timedelta(days=1)), "closes_at": iso(now + timedelta(days=5))},
                         "voting": {"opens_at": iso(now + timedelta(days=6)), "closes_at": iso(now + timedelta(days=9))}})
    doc = page(organiser.get(SETTINGS))
    values = [a["value"] for t, a in doc.elements if t == "button" and a.get("name") == "move"]
    assert values == ["submission:close", "voting:open"]  # no "close" for the vote that has not opened
    resp = move(organiser, "voting:open")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("#section-phases")
    made = contest(organiser)
    assert made["phase"] == "voting"
    assert made["phases"]["submission"]["closes_at"] == made["phases"]["voting"]["opens_at"]
    doc = page(organiser.get(SETTINGS))
    assert "“Public vote” is open now." in doc.text
    assert [a["value"] for t, a in doc.elements if t == "button" and a.get("name") == "move"] == ["voting:close"]
    resp = move(organiser, "voting:open")  # forged: voting has opened
    assert resp.status_code == 409 and "cannot move: voting has opened" in beside(page(resp), "phases.voting.opens_at")
    resp = move(organiser, "voting:close")
    assert resp.status_code == 303 and contest(organiser)["phase"] == "closed"
    resp = move(organiser, "judging:open")
    assert resp.status_code == 422 and "Give this phase its dates first." in page(resp).text
    assert move(organiser, "ballots:open").status_code == 400


def test_a_wsis_prize_from_its_template_to_a_counted_ballot(organiser, app, make):
    resp = submit(organiser, "/organiser/contests/new", start="wsis-prize", slug="wsis-prizes-test", title="WSIS 2027")
    assert resp.status_code == 303
    resp = save(organiser, "voting", **{"voting.pow_bits": "0", "voting.min_render_seconds": "0"})
    assert resp.status_code == 303, page(resp).text[:2000]
    entry = add_entry(app, "wsis-prizes-test", _user_id(app, "organiser@example.org"), category="c4",
                      title="Digital Skills on Wheels")
    assert move(organiser, "submission:open").status_code == 303  # a template's contest is a draft till then
    assert move(organiser, "voting:open").status_code == 303
    voter = voter_api(app, make)
    resp = cast(voter, "wsis-prizes-test", "c4", [entry], with_proof=False)
    assert resp.status_code in (200, 201), resp.get_json()
    assert resp.get_json()["status"] == "received"
    assert organiser.get("/organiser/contests/wsis-prizes-test/leaderboard").status_code == 200


def _user_id(app, email: str) -> int:
    with app.app_context():
        found = db.session.query(User).filter_by(email=email).one().id
        db.session.remove()
    return found


def test_once_published_what_fed_the_results_is_locked_and_the_title_is_not(organiser, make, app):
    made = make.contest()
    with app.app_context():
        db.session.get(Contest, made.id).published_at = datetime.now(timezone.utc)  # as results.publish leaves it
        db.session.commit()
        db.session.remove()
    doc = page(organiser.get(SETTINGS))
    assert "The results are published" in doc.text
    reason = "the results are published: what fed them can no longer change"
    assert reason in lock_note(doc, "voting.pow_bits") and reason in lock_note(doc, "awards.policy")
    assert reason in doc.html[doc.html.index('id="f-categories-lock"'):][:300]
    assert not doc.find("input", name="categories.rows")  # the rows are not posted: as stored
    (title,) = doc.find("input", id="f-title")
    assert "disabled" not in title
    resp = save(organiser, "awards", **{"awards.policy": "public"})  # forged
    assert resp.status_code == 409
    doc = page(resp)
    assert reason in doc.html[doc.html.index('id="f-awards"'):][:300] and doc.find("a", href="#f-awards")
    assert save(organiser, "general", title="WSIS Prizes, as published").status_code == 303
    assert contest(organiser)["awards"]["policy"] == "jury_among_champions"


def test_a_phase_moves_only_once_its_confirmation_says_what_it_does(organiser, make, app):
    now = datetime.now(timezone.utc)
    made = make.contest(phases={
        "submission": {"opens_at": iso(now - timedelta(days=1)), "closes_at": iso(now + timedelta(days=5))},
        "voting": {"opens_at": iso(now + timedelta(days=6)), "closes_at": iso(now + timedelta(days=9))}})
    entrant = make.user("entrant@example.org")
    waiting = [add_entry(app, "wsis-prizes-test", entrant.id, title=title) for title in ("One", "Two", "Three")]
    with app.app_context():
        contest_row = db.session.get(Contest, made.id)
        moderation.moderate(contest_row, entries.get_entry(waiting[0]), "changes_requested",
                            db.session.get(User, _user_id(app, "organiser@example.org")), clock.now(),
                            reason="Add a summary.")
        db.session.commit()
        db.session.remove()
    resp = move(organiser, "voting:open", confirm=False)
    check_page(resp)
    doc = page(resp)
    assert doc.find("h1") and "Open “Public vote” now?" in doc.text
    for said in ("“Public vote” opens now.", "“Entries” closes now.",
                 "The counting rules (voting method, choices, scores and ranked counting) lock once voting opens.",
                 "2 entries are still waiting for moderation.",
                 "1 entry was sent back for changes and can no longer be handed in once entries close."):
        assert said in doc.text, said
    assert contest(organiser)["phase"] == "submission"  # asked, not done
    form = doc.form(f"{MOVE}#section-phases")  # a refusal lands on the settings' phases
    assert form["fields"]["confirm"] == "1"
    (button,) = [a for t, a in doc.elements if t == "button" and a.get("name") == "move"]
    assert button["value"] == "voting:open" and "Open “Public vote” now" in doc.html
    resp = organiser.post(form["action"], data={**form["fields"], "move": button["value"]})
    assert resp.status_code == 303 and contest(organiser)["phase"] == "voting"
    doc = page(move(organiser, "voting:close", confirm=False))
    assert "Close “Public vote” now?" in doc.text and "A closed vote never reopens." in doc.text
    assert "waiting for moderation." not in doc.text  # no entries close with the vote
    assert contest(organiser)["phase"] == "voting"
