"""Fraud sweeps, incremental: placeholder (the fraud work fills it in or leaves it empty).

Revision ID: 0015_fraud_incremental
Revises: 0014_ledger_format_2
"""

revision = "0015_fraud_incremental"
down_revision = "0014_ledger_format_2"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
