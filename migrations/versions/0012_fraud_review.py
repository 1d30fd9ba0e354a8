"""Fraud review: per-ballot verdicts (held or flagged), the sweeps' record, and
each cluster's strength.

Revision ID: 0012_fraud_review
Revises: 0011_unsealed_index
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_fraud_review"
down_revision = "0011_unsealed_index"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "fraud_verdicts",
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["ballot_id"], ["ballots.id"], name=op.f("fk_fraud_verdicts_ballot_id_ballots"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["contest_id"], ["contests.id"], name=op.f("fk_fraud_verdicts_contest_id_contests"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ballot_id", name=op.f("pk_fraud_verdicts")),
    )
    op.create_index("ix_fraud_verdicts_contest_action", "fraud_verdicts", ["contest_id", "action"], unique=False)
    op.create_table(
        "fraud_sweeps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.Column("high_water_ballot_id", sa.Integer(), nullable=True),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("flagged", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["contest_id"], ["contests.id"], name=op.f("fk_fraud_sweeps_contest_id_contests"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fraud_sweeps")),
    )
    op.create_index("ix_fraud_sweeps_contest_final", "fraud_sweeps", ["contest_id", "final"], unique=False)
    # Clusters filed before verdicts held every ballot they found: full strength.
    with op.batch_alter_table("fraud_clusters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("strength", sa.Double(), nullable=False, server_default=sa.text("1")))


def downgrade():
    with op.batch_alter_table("fraud_clusters", schema=None) as batch_op:
        batch_op.drop_column("strength")
    op.drop_index("ix_fraud_sweeps_contest_final", table_name="fraud_sweeps")
    op.drop_table("fraud_sweeps")
    op.drop_index("ix_fraud_verdicts_contest_action", table_name="fraud_verdicts")
    op.drop_table("fraud_verdicts")
