"""The seconds a ballot page was shown before its ballot.

Revision ID: 0013_ballot_page_time
Revises: 0012_fraud_review
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0013_ballot_page_time"
down_revision = "0012_fraud_review"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
