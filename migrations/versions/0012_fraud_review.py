"""Fraud review: per-ballot verdicts (held or flagged) and the sweeps' record.

Revision ID: 0012_fraud_review
Revises: 0011_unsealed_index
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0012_fraud_review"
down_revision = "0011_unsealed_index"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
