from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

from PIL import Image

from tests.pages.support import add_entry, page
from tests.support.factories import iso
from voting.contests import views


def window(start_days: float, end_days: float) -> dict[str, str]:
    now = datetime.now(timezone.utc)
    return {"opens_at": iso(now + timedelta(days=start_days)), "closes_at": iso(now + timedelta(days=end_days))}


def section_of(html: str, title: str) -> str:
    """The home page section a contest title appears in (the h2 before it)."""
    before = html[:html.index(title)]
    return before[before.rindex("<h2"):].split(">", 1)[1].split("<", 1)[0]


def test_home_groups_contests_by_phase(client, make):
    make.contest(slug="finished", title="Finished prize", phases={"voting": window(-20, -10)})
    make.contest(slug="soon", title="Coming photo contest", kind="photo",
                 phases={"submission": window(-10, -1), "voting": window(3, 10)})
    make.contest(slug="open", title="Open prize")  # voting open now
    make.contest(slug="undated", title="Undated draft", phases={})
    make.contest(slug="draft", title="Dated draft", phases={"voting": window(3, 10)})

    resp = client.get("/")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert section_of(html, "Open prize") == "Open now"
    assert section_of(html, "Coming photo contest") == "Coming up"
    assert section_of(html, "Finished prize") == "Finished"
    assert html.index("Open now") < html.index("Coming up") < html.index("Finished")
    assert "Undated draft" not in html and "Dated draft" not in html  # drafts are for their organisers

    text = page(resp).text
    assert "Voting open" in text and "Voting closes on" in text
    assert "Photo contest Closed" in text and "Voting opens on" in text
    assert "Prize Closed" in text
    assert page(resp).find("a", href="/contests/open")


def test_home_without_contests(client):
    assert "There are no contests yet." in page(client.get("/")).text


def test_contest_page_shows_categories_and_only_approved_entries(app, client, make):
    organiser = make.organiser()
    voter = make.user("ada@example.org")
    make.contest(description="Projects that use ICTs well.\n\nVote for one per category.",
                 phases={"submission": window(-1, 5), "voting": window(6, 10)})
    add_entry(app, "wsis-prizes-test", organiser.id, title="Open data portal", team="Team Geneva",
              organisation="City of Geneva", country="CH", summary="Data for everyone.")
    add_entry(app, "wsis-prizes-test", organiser.id, category="c2", title="Rural fibre")
    add_entry(app, "wsis-prizes-test", voter.id, title="Still pending")

    resp = client.get("/contests/wsis-prizes-test")
    assert resp.status_code == 200
    doc = page(resp)
    assert doc.headings[0] == (1, "WSIS Prizes (test)")
    assert "Open for entries" in doc.text and "Entries close on" in doc.text
    assert "Projects that use ICTs well." in doc.text and "Vote for one per category." in doc.text
    # Categories, linked from the table of contents to their sections.
    assert doc.find("a", href="#category-c1") and doc.find("section", id="category-c1")
    assert doc.find("a", href="#category-c2") and doc.find("section", id="category-c2")
    assert (2, "C1 Public governance") in doc.headings
    # Approved entries with their details; the pending one is not shown.
    assert (3, "Open data portal") in doc.headings and (3, "Rural fibre") in doc.headings
    for shown in ("Team Geneva", "City of Geneva", "Switzerland", "Data for everyone."):
        assert shown in doc.text
    assert "Still pending" not in doc.text
    assert "(1 entry)" in doc.text


def test_photo_entries_have_their_image_and_alt_text(app, client, make):
    organiser = make.organiser()
    make.contest(slug="photos", kind="photo")
    image = io.BytesIO()
    Image.new("RGB", (8, 6), "green").save(image, "PNG")
    entry_id = add_entry(app, "photos", organiser.id, image=image.getvalue(), title="Sunrise", team="Ana",
                         alt_text="A green field under a green sky")

    doc = page(client.get("/contests/photos"))
    (img,) = doc.find("img")
    assert img["src"].startswith(f"/media/entries/{entry_id}/display-")
    assert img["alt"] == "A green field under a green sky"  # the entrant's alt text
    assert client.get(img["src"]).status_code == 200


def test_big_contests_link_to_one_page_per_category(app, client, make, monkeypatch):
    monkeypatch.setattr(views, "ENTRY_BYTES_ON_CONTEST_PAGE", 1000)
    organiser = make.organiser()
    make.contest()
    add_entry(app, "wsis-prizes-test", organiser.id, title="First")
    add_entry(app, "wsis-prizes-test", organiser.id, title="Second")

    doc = page(client.get("/contests/wsis-prizes-test"))
    assert "First" not in doc.text
    assert doc.find("a", href="/contests/wsis-prizes-test/categories/c1")
    assert not doc.find("a", href="/contests/wsis-prizes-test/categories/c2")  # nothing to see there

    doc = page(client.get("/contests/wsis-prizes-test/categories/c1"))
    assert doc.headings[0] == (1, "C1 Public governance")
    assert (2, "First") in doc.headings and (2, "Second") in doc.headings
    assert client.get("/contests/wsis-prizes-test/categories/c9").status_code == 404


def test_unknown_contest_is_a_404_page(client):
    resp = client.get("/contests/no-such-contest")
    assert resp.status_code == 404
    doc = page(resp)
    assert doc.headings[0] == (1, "Page not found")
    assert "There is no contest at this address." in doc.text


def test_a_contest_with_a_time_zone_shows_its_dates_in_it(client, make):
    """The SPEC's `timezone` (the one its organisers set) names the hour of every date on its page."""
    closes = datetime(2031, 7, 1, 21, 30, tzinfo=timezone.utc)
    opened = datetime.now(timezone.utc) - timedelta(days=1)
    make.contest(slug="zurich", timezone="Europe/Zurich",
                 phases={"voting": {"opens_at": iso(opened), "closes_at": iso(closes)}})
    text = page(client.get("/contests/zurich")).text
    assert "July 1, 2031, 11:30 PM (Europe/Zurich)" in text  # 21:30 UTC is 23:30 in Zurich's summer
    assert "UTC" not in text.split("Voting closes", 1)[0][-200:]
    french = page(client.get("/contests/zurich?lang=fr")).text
    assert "1 juillet 2031 à 23:30 (Europe/Zurich)" in french
    make.contest(slug="plain", phases={"voting": {"opens_at": iso(opened), "closes_at": iso(closes)}})
    assert "July 1, 2031, 9:30 PM UTC" in page(client.get("/contests/plain?lang=en")).text
