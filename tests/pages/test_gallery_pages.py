"""The public galleries: a category's approved entries a page at a time (a
grid of lazy thumbnails with srcset and the entrants' alt text for photo
contests), and each approved entry's own page, the link to share, with Open
Graph tags for previews. Every page passes the page-quality checks."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.pages.support import add_entry, page
from tests.pages.test_page_quality import check_page
from tests.support import images
from tests.support.factories import spec
from voting.contests import gallery as contest_gallery
from voting.worker import run_worker

BASE = "http://localhost"  # the suite's base URL (tests/conftest.py)


def run_image_jobs(app) -> None:
    with app.app_context():
        run_worker(["default"], burst=True)


def photo(seed: int) -> bytes:
    return images.encode(images.scene((900, 600), seed=seed), "JPEG")


@pytest.fixture
def gallery(app, make, monkeypatch):
    """A photo contest open for entries: six approved photos in c1 (four a page here), one pending, one in c2."""
    monkeypatch.setattr(contest_gallery, "PER_PAGE", 4)
    organiser = make.organiser()
    make.contest(slug="photos", kind="photo", title="Photo contest", phases={"submission": spec()["phases"]["voting"]})
    entrant = make.user("ana@example.org")
    ids = [add_entry(app, "photos", organiser.id, image=photo(i), title=f"Photo {i:02d}", team="Ana",
                     alt_text=f"Shapes and light, number {i}") for i in range(6)]
    pending = add_entry(app, "photos", entrant.id, image=photo(99), title="Not yet", alt_text="Waiting")
    other = add_entry(app, "photos", organiser.id, image=photo(50), title="Elsewhere", category="c2",
                      alt_text="In the other category")
    run_image_jobs(app)
    return {"ids": ids, "pending": pending, "other": other}


def test_a_photo_category_is_a_paginated_grid_of_lazy_thumbnails(client, gallery):
    resp = client.get("/contests/photos/categories/c1")
    check_page(resp)
    doc = page(resp)
    imgs = doc.find("img")
    assert len(imgs) == 4
    first = imgs[0]
    assert first["alt"] == "Shapes and light, number 0"
    assert first["loading"] == "lazy" and first["decoding"] == "async"
    assert first["src"].startswith(f"/media/entries/{gallery['ids'][0]}/thumbnail-")
    widths = [part.split()[1] for part in first["srcset"].split(", ")]
    assert widths == ["400w", "800w", "900w"]  # thumbnail, medium, display (the photo is 900 px wide)
    assert first["sizes"] and (first["width"], first["height"]) == ("900", "600")
    assert client.get(first["src"]).status_code == 200
    # Each card's title is the one link to the entry's page.
    assert doc.find("a", href=f"/contests/photos/entries/{gallery['ids'][0]}")
    assert "Not yet" not in doc.text and "Elsewhere" not in doc.text
    assert "Page 1 of 2" in doc.text and "6 entries" in doc.text
    nav = doc.find("nav", class_="pagination")
    assert nav and nav[0]["aria-label"]
    assert doc.find("a", href="/contests/photos/categories/c1?page=2", rel="next")
    assert doc.find("a", href="/contests/photos/categories/c1", aria_current="page")

    resp = client.get("/contests/photos/categories/c1?page=2")
    check_page(resp)
    doc = page(resp)
    assert len(doc.find("img")) == 2 and "Photo 05" in doc.text and "Photo 00" not in doc.text
    assert doc.find("a", href="/contests/photos/categories/c1", rel="prev")
    assert doc.find("a", href="/contests/photos/categories/c1?page=2", aria_current="page")
    for bad in ("3", "0", "-1", "two", "1e3", "99999999"):
        check_page(client.get(f"/contests/photos/categories/c1?page={bad}"), 404)


def test_an_entry_page_is_shareable_with_open_graph_tags(client, gallery):
    entry_id = gallery["ids"][3]
    resp = client.get(f"/contests/photos/entries/{entry_id}")
    check_page(resp)
    doc = page(resp)
    meta = {m.get("property") or m.get("name"): m["content"] for m in doc.find("meta") if "content" in m}
    url = f"{BASE}/contests/photos/entries/{entry_id}"
    assert meta["og:title"] == "Photo 03" and meta["og:url"] == url and meta["og:type"] == "article"
    assert meta["og:description"] and meta["og:site_name"] == "Photo contest"
    assert meta["og:image"].startswith(f"{BASE}/media/entries/{entry_id}/display-")
    assert meta["og:image:alt"] == "Shapes and light, number 3" and meta["twitter:card"] == "summary_large_image"
    assert (meta["og:image:width"], meta["og:image:height"]) == ("900", "600")
    assert doc.find("link", rel="canonical", href=url)
    assert doc.headings[0] == (1, "Photo 03")
    (img,) = doc.find("img")
    assert img["alt"] == "Shapes and light, number 3" and img["srcset"]
    assert doc.find("a", href=url)  # the link to share, spelled out
    assert client.get(meta["og:image"].removeprefix(BASE)).status_code == 200


def test_only_approved_entries_of_visible_contests_have_pages(app, client, make, gallery):
    check_page(client.get(f"/contests/photos/entries/{gallery['pending']}"), 404)
    check_page(client.get("/contests/photos/entries/999999"), 404)
    check_page(client.get(f"/contests/other/entries/{gallery['ids'][0]}"), 404)
    organiser = make.organiser("second@example.org")
    make.contest(slug="later", phases={"voting": spec()["phases"]["voting"] | {
        "opens_at": "2099-01-01T00:00:00+00:00", "closes_at": "2099-02-01T00:00:00+00:00"}}, kind="photo")
    later = add_entry(app, "later", organiser.id, image=photo(7), title="Draft's photo", alt_text="Hidden")
    check_page(client.get(f"/contests/later/entries/{later}"), 404)  # the contest is a draft
    check_page(client.get("/contests/later/categories/c1"), 404)
    check_page(client.get(f"/contests/photos/entries/{gallery['other']}"))  # another category, same contest


def test_text_entries_get_their_page_too(app, client, make):
    organiser = make.organiser()
    make.contest(description="The prizes.")
    entry_id = add_entry(app, "wsis-prizes-test", organiser.id, title="Digital Estonia", team="RIA",
                         summary="e-Government for everyone.\n\nA second paragraph.")
    contest_page = page(client.get("/contests/wsis-prizes-test"))
    assert contest_page.find("a", href=f"/contests/wsis-prizes-test/entries/{entry_id}")
    category = client.get("/contests/wsis-prizes-test/categories/c1")
    check_page(category)
    assert page(category).find("a", href=f"/contests/wsis-prizes-test/entries/{entry_id}")
    resp = client.get(f"/contests/wsis-prizes-test/entries/{entry_id}")
    check_page(resp)
    doc = page(resp)
    meta = {m.get("property") or m.get("name"): m["content"] for m in doc.find("meta") if "content" in m}
    assert meta["og:title"] == "Digital Estonia" and "og:image" not in meta and meta["twitter:card"] == "summary"
    assert meta["og:description"] == "e-Government for everyone. A second paragraph."
    assert "A second paragraph." in doc.text
    # In its voting phase the page leads to the ballot of the entry's category.
    assert doc.find("a", href="/contests/wsis-prizes-test/vote/c1")


def test_a_photo_without_its_thumbnail_yet_shows_its_display_size(app, client, make):
    organiser = make.organiser()
    make.contest(slug="photos", kind="photo")
    data = io.BytesIO()
    Image.new("RGB", (500, 300), "navy").save(data, "PNG")
    entry_id = add_entry(app, "photos", organiser.id, image=data.getvalue(), title="Navy", alt_text="A navy field")
    doc = page(client.get("/contests/photos/categories/c1"))
    (img,) = doc.find("img")
    assert img["src"].startswith(f"/media/entries/{entry_id}/display-") and img["srcset"].endswith(" 500w")
