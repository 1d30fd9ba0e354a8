"""Photos: stored files, sizes, perceptual hashes.

- entry_photos: one row per photo entry, with the storage keys of its sizes,
  its upright size, alt text, perceptual hash, near-duplicates and state.
- each entry's `image_path` file becomes a photo whose original and display
  keys are that file (the upload folder is the local storage's root, so the
  path is its key). Its size is read from the file's header; its thumbnail,
  medium size and hash come from the image job, which `flask media process`
  queues for every photo not `ready`. An entry whose file is missing loses an
  image that could not be served anyway.
- `entries.image_path` stays, no longer written or read: the previous
  release's code keeps running against this schema until it is replaced
  (docs/deploy.md, Upgrades), and it selects that column. A later migration
  may drop it, with a plain DROP COLUMN: batch mode would copy `entries` and
  drop the old table, which on SQLite with foreign keys on deletes every row
  that names an entry (ballots, sheets, photos) by ON DELETE CASCADE.
- Downgrading puts each photo's display key in `image_path`, so photos
  uploaded since are still shown by the older code.

Revision ID: 0008_media
Revises: 0007_results
"""

import logging
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0008_media"
down_revision = "0007_results"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade():
    op.create_table(
        "entry_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("original_key", sa.String(length=300), nullable=False),
        sa.Column("display_key", sa.String(length=300), nullable=False),
        sa.Column("medium_key", sa.String(length=300), nullable=True),
        sa.Column("thumbnail_key", sa.String(length=300), nullable=True),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("upload_bytes", sa.Integer(), nullable=False),
        sa.Column("source_format", sa.String(length=10), nullable=False),
        sa.Column("alt_text", sa.Text(), nullable=False),
        sa.Column("phash", sa.String(length=16), nullable=True),
        sa.Column("near_duplicates", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("failure", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["contest_id"], ["contests.id"], name=op.f("fk_entry_photos_contest_id_contests"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["entry_id"], ["entries.id"], name=op.f("fk_entry_photos_entry_id_entries"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_photos")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_entry_photos_entry_id")),
    )
    with op.batch_alter_table("entry_photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entry_photos_contest_id"), ["contest_id"], unique=False)
    _move_image_paths()


def _upload_dir() -> Path | None:
    try:
        from flask import current_app

        return Path(current_app.config["UPLOAD_DIR"])
    except (ImportError, RuntimeError, KeyError):  # alembic run without the app: nothing can be read
        return None


def _move_image_paths():
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, contest_id, image_path FROM entries WHERE image_path IS NOT NULL")).all()
    if not rows:
        return
    from PIL import Image  # a dependency of the app; only the header is read

    root = _upload_dir()
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    names = ("entry_id", "contest_id", "original_key", "display_key", "width", "height", "upload_bytes",
             "source_format", "alt_text", "state", "created_at", "updated_at")
    photos = sa.table("entry_photos", *(sa.column(name) for name in names), sa.column("near_duplicates", sa.JSON()))
    for entry_id, contest_id, path in rows:
        file = root / path if root is not None else None
        try:
            with Image.open(file) as img:
                width, height = img.size
            size = file.stat().st_size
        except (OSError, TypeError, ValueError):
            log.warning("entry %s: its image %s cannot be read; the entry keeps no photo", entry_id, path)
            continue
        conn.execute(photos.insert().values(
            entry_id=entry_id, contest_id=contest_id, original_key=path, display_key=path, width=width,
            height=height, upload_bytes=size, source_format="JPEG", alt_text="", near_duplicates=[],
            state="processing", created_at=now, updated_at=now))


def downgrade():
    op.execute("UPDATE entries SET image_path = (SELECT display_key FROM entry_photos "
               "WHERE entry_photos.entry_id = entries.id)")
    with op.batch_alter_table("entry_photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entry_photos_contest_id"))
    op.drop_table("entry_photos")
