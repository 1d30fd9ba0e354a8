"""An index of the ballots the ledger has yet to seal: sealing, and the tally's
check that nothing is left to seal, no longer read the sealed millions.

Revision ID: 0011_unsealed_index
Revises: 0010_teams
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_unsealed_index"
down_revision = "0010_teams"
branch_labels = None
depends_on = None


def upgrade():
    # On a large live database, build it by hand first with CREATE INDEX CONCURRENTLY.
    op.create_index("ix_ballots_unsealed", "ballots", ["contest_id", "id"],
                    postgresql_where=sa.text("NOT sealed"), sqlite_where=sa.text("NOT sealed"))


def downgrade():
    op.drop_index("ix_ballots_unsealed", table_name="ballots")
