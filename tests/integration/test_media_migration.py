"""Revision 0008: entries' `image_path` files become photos (their file is
both the original and the display size, their size read from the header),
the image job then gives them a thumbnail, and a downgrade writes each
photo's display key back to `image_path`. Run on a database of its own, as test_judging_history_migration.py
does, with rows written as revision 0007 had them."""

from __future__ import annotations

import io
from datetime import datetime

from flask_migrate import downgrade, upgrade
from PIL import Image
from sqlalchemy import text

from tests.integration.test_judging_history_migration import _rows, scratch  # noqa: F401 (fixture)
from voting.extensions import db
from voting.media import jobs

ROWS_0007 = [
    "INSERT INTO contests (id, slug, title, kind, description, settings, created_at, updated_at) VALUES "
    "(3, 'photos', 'Photos', 'photo', '', '{}', :t, :t)",
    "INSERT INTO categories (id, contest_id, slug, title, description, position) VALUES (1, 3, 'c1', 'C1', '', 0)",
    "INSERT INTO entries (id, contest_id, category_id, title, summary, team, organisation, country, image_path, "
    "status, created_at) VALUES (1, 3, 1, 'Kept', '', '', '', '', '3/0123456789abcdef0123456789abcdef.jpg', "
    "'approved', :t), (2, 3, 1, 'Lost', '', '', '', '', '3/fedcba9876543210fedcba9876543210.jpg', 'approved', :t), "
    "(3, 3, 1, 'Text', '', '', '', '', NULL, 'approved', :t)",
]


def test_0008_moves_image_paths_into_photos(scratch, tmp_path):  # noqa: F811
    uploads = tmp_path / "uploads"
    (uploads / "3").mkdir(parents=True)
    picture = io.BytesIO()
    Image.new("RGB", (2400, 1600), "teal").save(picture, "JPEG")
    (uploads / "3/0123456789abcdef0123456789abcdef.jpg").write_bytes(picture.getvalue())  # entry 2's file is gone
    scratch.config["UPLOAD_DIR"] = str(uploads)
    scratch.extensions["media_storage"].root = uploads
    with scratch.app_context():
        upgrade(revision="0007_results")
        for statement in ROWS_0007:
            db.session.execute(text(statement), {"t": datetime(2026, 1, 1)})
        db.session.commit()
        upgrade(revision="0008_media")
        assert _rows("SELECT id, entry_id, contest_id, original_key, display_key, thumbnail_key, width, height, "
                     "upload_bytes, state FROM entry_photos") == [
            (1, 1, 3, "3/0123456789abcdef0123456789abcdef.jpg", "3/0123456789abcdef0123456789abcdef.jpg", None,
             2400, 1600, len(picture.getvalue()), "processing")]
        # The column stays (the previous release reads it during an upgrade), and so does every row that
        # names an entry.
        assert _rows("SELECT id, image_path FROM entries ORDER BY id") == [
            (1, "3/0123456789abcdef0123456789abcdef.jpg"), (2, "3/fedcba9876543210fedcba9876543210.jpg"), (3, None)]
        db.session.commit()

        assert jobs.process_photo(1, "3/0123456789abcdef0123456789abcdef.jpg") == "ready"  # `flask media process`
        thumbnail = _rows("SELECT thumbnail_key, state FROM entry_photos")[0]
        assert thumbnail[1] == "ready" and (uploads / thumbnail[0]).exists()
        with Image.open(uploads / thumbnail[0]) as img:
            assert img.size == (400, 267)
        db.session.commit()

        db.session.execute(text("UPDATE entry_photos SET display_key = 'entries/3/1/display-new.jpg'"))
        db.session.commit()
        downgrade(revision="0007_results")
        assert _rows("SELECT id, image_path FROM entries ORDER BY id") == [
            (1, "entries/3/1/display-new.jpg"), (2, None), (3, None)]  # the older code shows the newer photo
        db.session.remove()
