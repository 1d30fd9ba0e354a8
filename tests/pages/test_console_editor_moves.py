"""A phase move the settings page would not offer, or the save would refuse, is refused before the
confirmation is shown and again when posted, with the save's error in the Phases section, and changes
nothing (neither the SPEC nor the audit log); the confirmation on closing entries says what becomes of the
entries still waiting and links to the moderation list that shows them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from tests.pages.support import add_entry, page
from tests.pages.test_console_editor_phases import MOVE, _user_id, move, organiser  # noqa: F401 (fixture)
from tests.pages.test_console_editor_settings import beside, contest
from tests.support.factories import iso
from voting import clock
from voting.accounts.models import User
from voting.audit.models import AuditEntry
from voting.contests import entries
from voting.contests.models import Contest
from voting.extensions import db
from voting.organiser.editor.domain import formspec
from voting.submissions import moderation


def _window(now: datetime, opens: int, closes: int) -> dict[str, str]:
    return {"opens_at": iso(now + timedelta(days=opens)), "closes_at": iso(now + timedelta(days=closes))}


def _audit_count(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(AuditEntry))
        db.session.remove()
    return count


def _buttons(doc) -> list[str]:
    return [a["value"] for t, a in doc.elements if t == "button" and a.get("name") == "move"]


def _refused_unchanged(organiser, app, value: str, status: int) -> object:
    """Post `value` as the settings page's button and as the confirmation's: both refused with `status`
    in the Phases section, no confirmation shown, the SPEC and the audit log as they were."""
    before, logged = contest(organiser), _audit_count(app)
    for confirm in (False, True):
        resp = move(organiser, value, confirm=confirm)
        assert resp.status_code == status, (value, confirm, resp.status_code)
        doc = page(resp)
        assert 'name="confirm"' not in doc.html  # the settings page, not a confirmation
        assert doc.html.index('class="error-summary"') > doc.html.index('id="section-phases"')  # in Phases
    assert contest(organiser) == before and _audit_count(app) == logged
    return doc


def test_a_phase_is_opened_only_when_it_is_the_next_to_open(organiser, make, app):
    now = datetime.now(timezone.utc)
    make.contest(phases={"submission": _window(now, -1, 5), "voting": _window(now, 6, 9),
                         "judging": _window(now, 10, 12)})
    assert _buttons(page(organiser.get(MOVE.rsplit("/", 1)[0]))) == ["submission:close", "voting:open"]
    doc = _refused_unchanged(organiser, app, "judging:open", 422)  # the vote would close before it opens
    assert "must be after" in beside(doc, "phases.voting.closes_at")
    _refused_unchanged(organiser, app, "submission:open", 409)  # open already: the page offers no such move


def test_a_closed_phase_is_neither_reopened_nor_closed_again(organiser, make, app):
    now = datetime.now(timezone.utc)
    make.contest(phases={"submission": _window(now, -9, -7), "voting": _window(now, -6, -4),
                         "judging": _window(now, -3, -2)})
    assert _buttons(page(organiser.get(MOVE.rsplit("/", 1)[0]))) == []
    doc = _refused_unchanged(organiser, app, "voting:open", 409)
    assert "cannot move: voting has opened" in beside(doc, "phases.voting.opens_at")
    doc = _refused_unchanged(organiser, app, "voting:close", 409)
    assert "a closed vote never reopens" in beside(doc, "phases.voting.closes_at")
    # valid as a SPEC, but it would move the closing of a judging phase closed two days ago to now
    doc = _refused_unchanged(organiser, app, "judging:close", 409)
    assert "is not allowed in the contest" in doc.text and "nothing was changed" in doc.text
    _refused_unchanged(organiser, app, "judging:open", 422)  # it would open after it closed


def test_a_phase_not_yet_open_cannot_be_closed(organiser, make, app):
    now = datetime.now(timezone.utc)
    make.contest(phases={"submission": _window(now, -1, 5), "voting": _window(now, 6, 9)})
    doc = _refused_unchanged(organiser, app, "voting:close", 422)  # it would close before it opens
    assert "must be after" in beside(doc, "phases.voting.closes_at")


def _sent_back(app, entry_id: int) -> None:
    with app.app_context():
        contest_row = db.session.scalar(select(Contest).where(Contest.slug == "wsis-prizes-test"))
        moderation.moderate(contest_row, entries.get_entry(entry_id), "changes_requested",
                            db.session.get(User, _user_id(app, "organiser@example.org")), clock.now(),
                            reason="Add a summary.")
        db.session.commit()
        db.session.remove()


def _entries_link(doc) -> str:
    (link,) = [a["href"] for t, a in doc.elements if t == "a" and "/entries" in a.get("href", "")
               and "status=" in a.get("href", "")]
    return link


@pytest.mark.parametrize("pending", [0, 1])
def test_closing_entries_says_the_entries_sent_back_can_no_longer_be_handed_in(organiser, make, app, pending):
    now = datetime.now(timezone.utc)
    make.contest(phases={"submission": _window(now, -1, 5), "voting": _window(now, 6, 9)})
    entrant = make.user("entrant@example.org")
    made = [add_entry(app, "wsis-prizes-test", entrant.id, title=title) for title in ("Heron", "Kestrel", "Osprey")]
    for entry_id in made[pending:]:
        _sent_back(app, entry_id)
    doc = page(move(organiser, "submission:close", confirm=False))
    assert "Close “Entries” now?" in doc.text
    sent_back = 3 - pending
    assert (f"{sent_back} entries were sent back for changes and can no longer be handed in once entries close."
            in doc.text)
    assert "not been handed in again yet" not in doc.text
    assert ("1 entry is still waiting for moderation." in doc.text) == bool(pending)
    wanted = "pending" if pending else "changes_requested"
    assert _entries_link(doc).endswith(f"/organiser/contests/wsis-prizes-test/entries?status={wanted}")
    listed = page(organiser.get(_entries_link(doc))).text
    assert "Heron" in listed and ("Osprey" in listed) != bool(pending)  # the link lists the entries that wait


def test_the_one_rule_for_the_buttons_and_the_posts():
    """formspec.offered_moves: the first phase not yet open opens, a phase open now closes; nothing else."""
    now = datetime(2026, 6, 1, tzinfo=timezone.utc)
    spec = {"phases": {"submission": _window(now, -9, -7), "voting": _window(now, -1, 2), "judging": _window(now, 3, 4)}}
    assert formspec.offered_moves(spec, now) == ["voting:close", "judging:open"]
    spec["phases"]["voting"] = _window(now, 1, 2)
    assert formspec.offered_moves(spec, now) == ["voting:open"]  # judging waits for the vote
    assert formspec.offered_moves({"phases": {}}, now) == []
