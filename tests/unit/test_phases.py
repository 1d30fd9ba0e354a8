from datetime import datetime, timedelta, timezone

from voting.contests.domain.phases import Window, current_phase, is_open, next_change

T0 = datetime(2021, 1, 1, tzinfo=timezone.utc)


def windows():
    return {
        "submission": Window(T0, T0 + timedelta(days=10)),
        "voting": Window(T0 + timedelta(days=12), T0 + timedelta(days=20)),
        "judging": Window(T0 + timedelta(days=20), T0 + timedelta(days=30)),
    }


def test_phase_follows_the_open_window():
    w = windows()
    assert current_phase(w, T0 - timedelta(seconds=1), False) == "draft"
    assert current_phase(w, T0, False) == "submission"
    assert current_phase(w, T0 + timedelta(days=11), False) == "closed"  # the gap
    assert current_phase(w, T0 + timedelta(days=12), False) == "voting"
    # closes_at is exclusive: the next window takes over at the same instant
    assert current_phase(w, T0 + timedelta(days=20), False) == "judging"
    assert current_phase(w, T0 + timedelta(days=31), False) == "closed"
    assert current_phase(w, T0 + timedelta(days=31), True) == "published"


def test_no_windows_is_draft():
    assert current_phase({"submission": None, "voting": None, "judging": None}, T0, False) == "draft"


def test_is_open_and_next_change():
    w = windows()
    assert is_open(w, "voting", T0 + timedelta(days=15))
    assert not is_open(w, "voting", T0 + timedelta(days=11))
    change = next_change(w, T0 + timedelta(days=11))
    assert (change.phase, change.event, change.at) == ("voting", "opens", T0 + timedelta(days=12))
    assert next_change(w, T0 + timedelta(days=40)) is None
