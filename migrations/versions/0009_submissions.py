"""Participants' submissions: drafts, moderation, links.

Entries gain their links, when they were last handed in and changed, and the
moderator's latest reason; an index finds a participant's entries in a
contest (the per-person limit, "my entries"). Statuses are plain strings, so
the new ones (draft, changes_requested, withdrawn) need no change of column.
Existing entries were all handed in when they were made: both times start as
`created_at`.

Revision ID: 0009_submissions
Revises: 0008_media
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_submissions"
down_revision = "0008_media"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("links", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column("submitted_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("moderation_reason", sa.Text(), nullable=False, server_default=""))
        batch_op.create_index("ix_entries_contest_submitter", ["contest_id", "submitted_by_id"], unique=False)
    op.execute("UPDATE entries SET submitted_at = created_at, updated_at = created_at")
    # The defaults were only for the rows that existed; the application sets every value from now on.
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.alter_column("updated_at", existing_type=sa.DateTime(), nullable=False)
        batch_op.alter_column("links", existing_type=sa.JSON(), server_default=None)
        batch_op.alter_column("moderation_reason", existing_type=sa.Text(), server_default=None)


def downgrade():
    # Entries of the new statuses would mean nothing to the old code: drafts and withdrawn entries go, and
    # entries sent back for changes are pending again.
    op.execute("DELETE FROM entries WHERE status IN ('draft', 'withdrawn')")
    op.execute("UPDATE entries SET status = 'pending' WHERE status = 'changes_requested'")
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_index("ix_entries_contest_submitter")
        batch_op.drop_column("moderation_reason")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("submitted_at")
        batch_op.drop_column("links")
