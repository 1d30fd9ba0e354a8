"""The language an account reads: users.locale (a Babel locale id such as fr or
zh_Hans; NULL where the person never chose or registered before there was a choice).

Revision ID: 0016_user_locale
Revises: 0015_fraud_incremental
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_user_locale"
down_revision = "0015_fraud_incremental"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("locale", sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("locale")
