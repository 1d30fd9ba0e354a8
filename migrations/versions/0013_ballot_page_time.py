"""The time a ballot's page was shown before the ballot: `ballots.page_ms`,
milliseconds from the page's render (its render-time token: signed, unexpired,
first use) to the cast; null when no page of ours vouched for the ballot (an
API client, a script that never rendered the page), and for every ballot cast
before this revision. The fraud rules read it (voting/fraud/domain/records.py).

Revision ID: 0013_ballot_page_time
Revises: 0012_fraud_review
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_ballot_page_time"
down_revision = "0012_fraud_review"
branch_labels = None
depends_on = None


def upgrade():
    # Nullable, without a default: on PostgreSQL a catalog change only, however many ballots there are.
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("page_ms", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.drop_column("page_ms")
