"""Photo uploads through the API: re-encoded without metadata, turned upright,
given a thumbnail by the image job (a real RQ worker in burst mode), served
with the right type and caching headers to those who may see them; every bad
file refused with a clear 4xx and nothing stored; near-duplicates flagged."""

from __future__ import annotations

import io
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image

from tests.support import images
from tests.support.api import Api, assert_error, organiser_api
from tests.support.factories import PASSWORD, iso, spec
from voting.extensions import db
from voting.media import jobs
from voting.media.models import EntryPhoto
from voting.worker import run_worker


def window(start_days: float, end_days: float) -> dict:
    now = datetime.now(timezone.utc)
    return {"opens_at": iso(now + timedelta(days=start_days)), "closes_at": iso(now + timedelta(days=end_days))}


@pytest.fixture
def organiser(app, make) -> Api:
    return organiser_api(app, make)


@pytest.fixture
def contest(organiser) -> str:
    body = spec(slug="photos", kind="photo", phases={"submission": window(-1, 5), "voting": window(6, 10)},
                submissions={"max_bytes": 2_000_000, "max_megapixels": 12})
    resp = organiser.post("/api/v1/contests", json=body)
    assert resp.status_code == 201, resp.get_json()
    return "photos"


@pytest.fixture
def uploads(base_settings) -> Path:
    """The suite's upload folder (the local storage), emptied of what earlier tests stored."""
    folder = Path(base_settings["upload_dir"])
    shutil.rmtree(folder, ignore_errors=True)
    return folder


def stored_files(uploads: Path) -> list[str]:
    return sorted(p.relative_to(uploads).as_posix() for p in uploads.rglob("*") if p.is_file()) if uploads.exists() \
        else []


def upload(api: Api, slug: str, data: bytes, name: str = "photo.jpg", content_type: str | None = None,
           alt_text: str | None = "A harbour at dawn", **fields):
    image = (io.BytesIO(data), name, content_type) if content_type else (io.BytesIO(data), name)
    form = {"category": "c1", "title": "A photo", **fields, "image": image}
    if alt_text is not None:
        form["alt_text"] = alt_text
    return api.post(f"/api/v1/contests/{slug}/entries", data=form)


def run_image_jobs(app) -> None:
    with app.app_context():
        run_worker(["default"], burst=True)


def entry_of(client, slug: str, entry_id: int, status: str = "approved") -> dict:
    found = client.get(f"/api/v1/contests/{slug}/entries?status={status}").get_json()["entries"]
    return next(e for e in found if e["id"] == entry_id)


def opened(resp) -> Image.Image:
    img = Image.open(io.BytesIO(resp.get_data()))
    img.load()
    return img


# --- the photo's way through -----------------------------------------------------------------------------------

def test_a_photo_is_stored_upright_without_metadata_and_gets_its_thumbnail_from_the_job(app, client, organiser,
                                                                                         contest, uploads):
    photo = images.scene((900, 600))  # landscape as stored; EXIF orientation 6 says: turn it to portrait
    data = images.encode(photo, "JPEG", exif=images.exif_with_gps(orientation=6).tobytes())
    resp = upload(organiser, contest, data)
    assert resp.status_code == 201, resp.get_json()
    entry = resp.get_json()
    assert entry["alt_text"] == "A harbour at dawn"
    assert entry["image_url"].startswith(f"/media/entries/{entry['id']}/display-")
    assert "thumbnail_url" not in entry  # the job has not run yet

    display = client.get(entry["image_url"])
    assert display.status_code == 200 and display.mimetype == "image/jpeg"
    assert opened(display).size == (600, 900)  # upright
    assert b"SpyCam" not in display.get_data() and not opened(display).getexif()

    run_image_jobs(app)
    entry = entry_of(client, contest, entry["id"])
    thumbnail = client.get(entry["thumbnail_url"])
    assert thumbnail.status_code == 200 and thumbnail.mimetype == "image/jpeg"
    assert opened(thumbnail).size == (267, 400)  # at most 400 px on the longer side
    files = stored_files(uploads)
    assert len(files) == 4 and all(f.startswith(f"entries/") for f in files)  # original, display, medium, thumbnail
    for name in files:
        assert b"SpyCam" not in (uploads / name).read_bytes() and b"Exif" not in (uploads / name).read_bytes()
    with app.app_context():
        row = db.session.scalar(db.select(EntryPhoto))
        assert (row.state, row.width, row.height, row.source_format) == ("ready", 600, 900, "JPEG")
        assert len(row.phash) == 16
        db.session.remove()


def test_files_are_served_with_caching_headers(client, organiser, contest):
    entry = upload(organiser, contest, images.jpeg((300, 200))).get_json()
    resp = client.get(entry["image_url"])
    assert resp.status_code == 200 and resp.mimetype == "image/jpeg"
    assert resp.headers["Cache-Control"] == "public, max-age=86400, immutable"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    etag = resp.headers["ETag"]
    assert etag.strip('"') == entry["image_url"].rsplit("/", 1)[-1].removesuffix(".jpg")
    assert int(resp.headers["Content-Length"]) == len(resp.get_data())
    again = client.get(entry["image_url"], headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.get_data()
    assert client.get(entry["image_url"].replace("display-", "display-0")).status_code == 404
    # The address photos had before they came in sizes leads to the display size.
    old = client.get(f"/media/entries/{entry['id']}.jpg")
    assert old.status_code == 302 and old.headers["Location"].endswith(entry["image_url"])


def test_who_sees_what(app, client, make, organiser, contest):
    make.user("snapper@example.org")
    snapper = Api(app.test_client())
    snapper.login("snapper@example.org", PASSWORD)
    resp = upload(snapper, contest, images.png((120, 90)), "mine.png")
    assert resp.status_code == 201, resp.get_json()
    entry = resp.get_json()
    assert entry["status"] == "pending"
    assert client.get(entry["image_url"]).status_code == 404  # not approved: not public
    mine = snapper.get(entry["image_url"])
    assert mine.status_code == 200 and mine.headers["Cache-Control"].startswith("private")
    assert organiser.get(entry["image_url"]).status_code == 200
    photos = organiser.get(f"/api/v1/contests/{contest}/photos").get_json()["photos"]
    original = photos[0]["original_url"]
    assert original != entry["image_url"]
    assert snapper.get(original).status_code == 200 and organiser.get(original).status_code == 200
    assert client.get(original).status_code == 404
    make.user("voter@example.org")
    voter = Api(app.test_client())
    voter.login("voter@example.org", PASSWORD)
    assert voter.get(entry["image_url"]).status_code == 404
    assert organiser.post(f"/api/v1/contests/{contest}/entries/{entry['id']}/moderation",
                          json={"status": "approved"}).status_code == 200
    assert client.get(entry["image_url"]).status_code == 200
    assert client.get(original).status_code == 404  # the full-size original stays with organisers, entrant, judges
    assert voter.get(original).status_code == 404


def test_a_png_named_jpg_is_read_as_the_png_it_is(app, organiser, contest):
    resp = upload(organiser, contest, images.png((80, 60), "#00ff0080", mode="RGBA"), "photo.jpg", "image/jpeg")
    assert resp.status_code == 201, resp.get_json()
    with app.app_context():
        assert db.session.scalar(db.select(EntryPhoto.source_format)) == "PNG"
        db.session.remove()


# --- bad files -------------------------------------------------------------------------------------------------

def _truncated_jpeg() -> bytes:
    data = images.jpeg((300, 200))
    return data[:len(data) // 2]


BAD_FILES = {
    "text": (lambda: b"Dear organisers, my photo is attached.", None, "is not a JPEG, PNG or WebP image"),
    "empty": (lambda: b"", None, "is not a JPEG, PNG or WebP image"),
    "gif": (lambda: images.encode(images.scene((40, 30)), "GIF"), None, "is not a JPEG, PNG or WebP image"),
    "truncated-jpeg": (_truncated_jpeg, None, "is cut short"),
    "too-many-pixels": (lambda: images.png_declaring(5000, 5000), None, "megapixels"),
    "bomb": (lambda: images.bomb_png(10_000), None, "megapixels"),
    "jpeg-with-zip": (lambda: images.jpeg() + images.zip_archive(), None, "more than one image"),
    "png-with-html": (lambda: images.png() + b"<html><script>alert(1)</script>", None, "more than one image"),
    "script-in-comment": (lambda: images.jpeg_with_segment(images.jpeg(), 0xFE, b"<script>alert(1)</script>"),
                          None, "another kind of file"),
    "declared-html": (lambda: images.png(), "text/html", "was sent as text/html"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_are_refused_and_nothing_is_stored(client, organiser, contest, uploads, case):
    make, declared, why = BAD_FILES[case]
    resp = upload(organiser, contest, make(), "photo.jpg", declared)
    err = assert_error(resp, 422, "validation_error")
    assert set(err["fields"]) == {"image"} and why in err["fields"]["image"], err
    assert client.get(f"/api/v1/contests/{contest}/entries?status=all").status_code == 401  # (signed out)
    assert organiser.get(f"/api/v1/contests/{contest}/entries?status=all").get_json()["entries"] == []
    assert stored_files(uploads) == []


def test_bytes_beyond_the_contests_limit_are_refused_with_413(organiser, contest, uploads):
    big = images.encode(images.scene((1600, 1200)), "PNG", compress_level=0)
    assert len(big) > 2_000_000
    err = assert_error(upload(organiser, contest, big), 413, "payload_too_large")
    assert set(err["fields"]) == {"image"}
    assert stored_files(uploads) == []


def test_alt_text_is_required(organiser, contest, uploads):
    for alt_text in (None, "", "   "):
        err = assert_error(upload(organiser, contest, images.jpeg(), alt_text=alt_text), 422, "validation_error")
        assert set(err["fields"]) == {"alt_text"}
    err = assert_error(upload(organiser, contest, images.jpeg(), alt_text="x" * 1001), 422, "validation_error")
    assert set(err["fields"]) == {"alt_text"}
    assert stored_files(uploads) == []


def test_a_failed_transaction_leaves_no_file(app, organiser, contest, uploads, monkeypatch):
    """The files are stored before the entry's row is committed; when the commit never comes, they go."""
    from voting.contests import entries

    def broken_audit(*args, **kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(entries.audit, "append", broken_audit)
    assert_error(upload(organiser, contest, images.jpeg((300, 200))), 500, "internal_error")
    assert stored_files(uploads) == []



# --- the contest's lock ------------------------------------------------------------------------------------------

@pytest.fixture
def calls(monkeypatch) -> list[str]:
    """The order in which the real prepare, lock, limit count and attach run (each still does its work)."""
    from voting.media import photos
    from voting.submissions import services

    order: list[str] = []

    def recorded(owner, name):
        real = getattr(owner, name)

        def wrapper(*args, **kwargs):
            order.append(name)
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, wrapper)

    for owner, name in ((photos, "prepare"), (photos, "attach"), (services, "lock_for_writers"),
                        (services, "counted_entries")):
        recorded(owner, name)
    return order


@pytest.fixture
def snapper(app, make, organiser) -> Api:
    make.user("snapper@example.org")
    api = Api(app.test_client())
    api.login("snapper@example.org", PASSWORD)
    body = spec(slug="limited", kind="photo", phases={"submission": window(-1, 5), "voting": window(6, 10)},
                submissions={"max_bytes": 2_000_000, "max_megapixels": 12, "max_per_person": 1})
    assert organiser.post("/api/v1/contests", json=body).status_code == 201
    return api


def test_the_photo_is_decoded_before_the_contests_lock_and_stored_under_it(snapper, calls, uploads):
    resp = upload(snapper, "limited", images.jpeg((300, 200)))
    assert resp.status_code == 201, resp.get_json()
    # the limit checked first (nothing decoded for someone over it), the photo prepared, then the lock,
    # the limit again under it, and only then the files stored
    assert calls == ["counted_entries", "prepare", "lock_for_writers", "counted_entries", "attach"]
    assert len(stored_files(uploads)) == 2


def test_someone_over_the_limit_costs_no_decoding(snapper, calls, uploads):
    assert upload(snapper, "limited", images.jpeg((300, 200))).status_code == 201
    calls.clear()
    assert_error(upload(snapper, "limited", images.jpeg((300, 200)), category="c2"), 409, "limit_reached")
    assert calls == ["counted_entries"]
    assert len(stored_files(uploads)) == 2  # the first entry's files only

# --- the job ----------------------------------------------------------------------------------------------------

def test_near_duplicates_are_flagged_across_the_contest(app, organiser, contest):
    photo = images.scene((800, 600), seed=5)
    first = upload(organiser, contest, images.encode(photo, "JPEG")).get_json()
    copy = upload(organiser, contest, images.encode(photo.resize((640, 480)), "PNG"), "copy.png",
                  category="c2").get_json()
    other = upload(organiser, contest, images.encode(images.scene((800, 600), seed=6), "JPEG")).get_json()
    run_image_jobs(app)
    found = {p["entry_id"]: p for p in organiser.get(f"/api/v1/contests/{contest}/photos").get_json()["photos"]}
    assert [d["entry_id"] for d in found[first["id"]]["near_duplicates"]] == [copy["id"]]
    assert [d["entry_id"] for d in found[copy["id"]]["near_duplicates"]] == [first["id"]]
    assert found[other["id"]]["near_duplicates"] == []
    assert all(p["state"] == "ready" for p in found.values())


def test_the_job_is_safe_to_run_twice_and_skips_a_replaced_photo(app, organiser, contest, uploads):
    entry = upload(organiser, contest, images.jpeg((500, 400))).get_json()
    with app.app_context():
        photo = db.session.scalar(db.select(EntryPhoto))
        photo_id, key = photo.id, photo.display_key
        db.session.remove()
    with app.app_context():
        assert jobs.process_photo(photo_id, key) == "ready"
        db.session.remove()
    files = stored_files(uploads)
    with app.app_context():
        assert jobs.process_photo(photo_id, key) == "ready"  # again: nothing changes
        assert jobs.process_photo(photo_id, "entries/0/0/display-old.jpg") == "stale"
        assert jobs.process_photo(999_999, key) == "stale"
        db.session.remove()
    assert stored_files(uploads) == files
    run_image_jobs(app)  # the queued one finds the photo done
    assert stored_files(uploads) == files
    assert "thumbnail_url" in entry_of(organiser.client, contest, entry["id"])


def test_a_replaced_photo_leaves_its_old_files_behind_only_until_the_commit(app, organiser, contest, uploads):
    from voting.contests.models import Entry
    from voting.media import photos

    entry = upload(organiser, contest, images.jpeg((300, 200), "red")).get_json()
    run_image_jobs(app)
    before = stored_files(uploads)
    with app.app_context():
        row = db.session.get(Entry, entry["id"])
        prepared = photos.prepare({"max_bytes": 2_000_000, "max_megapixels": 12},
                                  photos.Upload.of(images.jpeg((200, 300), "blue"), "Blue now"))
        photos.attach(row, prepared)
        db.session.commit()
        db.session.remove()
    after = stored_files(uploads)
    assert not set(before) & set(after) and len(after) == 2  # the new original and display only
    run_image_jobs(app)
    fresh = entry_of(organiser.client, contest, entry["id"])
    assert fresh["alt_text"] == "Blue now" and "thumbnail_url" in fresh
    assert len(stored_files(uploads)) == 4


def test_the_commands_queue_unfinished_photos_and_find_orphans(app, organiser, contest, uploads):
    upload(organiser, contest, images.jpeg((300, 200)))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["media", "process", "--contest", contest])
    assert result.exit_code == 0 and "queued 1 photo job(s)" in result.output
    run_image_jobs(app)
    assert "queued 0 photo job(s)" in runner.invoke(args=["media", "process"]).output
    stray = uploads / "entries/1/99/display-0000.jpg"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"left by a crash")
    result = runner.invoke(args=["media", "orphans"])
    assert result.exit_code == 0 and result.output.splitlines()[0] == "entries/1/99/display-0000.jpg"
    assert stray.exists()
    assert runner.invoke(args=["media", "orphans", "--delete"]).exit_code == 0
    assert not stray.exists() and len(stored_files(uploads)) == 4
