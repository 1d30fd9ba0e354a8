"""Result snapshots: tallies frozen with their hash, published once.

Revision ID: 0007_results
Revises: 0006_judging_history
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_results"
down_revision = "0006_judging_history"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "result_snapshots",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contest_id", sa.Integer(), sa.ForeignKey("contests.id", ondelete="CASCADE"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("preview", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("publish_at", sa.DateTime(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("corrects_id", sa.Integer(), sa.ForeignKey("result_snapshots.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("correction_reason", sa.Text(), nullable=True),
        sa.UniqueConstraint("contest_id", "seq"),
    )
    op.create_index("ix_result_snapshots_contest_id", "result_snapshots", ["contest_id"])


def downgrade():
    op.drop_index("ix_result_snapshots_contest_id", table_name="result_snapshots")
    op.drop_table("result_snapshots")
