"""Incremental fraud sweeps: each sweep records whether it was incremental
and what the next one starts from (`fraud_sweeps.state`: the cut time up to
which it counted the contest's voters, page-less voters and first user
agents, those counts, and a hash of the contest's fraud settings; an
incremental sweep after a change of settings is a full one). Sweeps recorded
before this revision have no state: the next sweep is a full one.

Revision ID: 0015_fraud_incremental
Revises: 0014_ledger_format_2
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_fraud_incremental"
down_revision = "0014_ledger_format_2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("fraud_sweeps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("incremental", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("state", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("fraud_sweeps", schema=None) as batch_op:
        batch_op.drop_column("state")
        batch_op.drop_column("incremental")
