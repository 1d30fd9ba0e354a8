"""Invitations to a contest's roles: user_roles.invited_at (set when an
organiser invited the person as a co-organiser or judge; NULL for a grant made
directly: creating a contest, the command line, or before invitations were
recorded) and user_roles.accepted_at (when the invitee first signed in after
it). Who invited is in the contest's audit log.

Revision ID: 0017_console_people
Revises: 0016_user_locale
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_console_people"
down_revision = "0016_user_locale"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_roles") as batch:
        batch.add_column(sa.Column("invited_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("accepted_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("user_roles") as batch:
        batch.drop_column("accepted_at")
        batch.drop_column("invited_at")
