"""Contests get their own organisers: the creator of each existing contest
becomes its organiser; a contest without a recorded creator (imported from
the command line) keeps the organisers who could manage it before, every
holder of the global organiser role.

Revision ID: 0004_contest_organisers
Revises: 0003_fraud_audit_ledger
"""

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0004_contest_organisers"
down_revision = "0003_fraud_audit_ledger"
branch_labels = None
depends_on = None


def upgrade():
    conn = op.get_bind()
    roles = sa.table("user_roles", sa.column("user_id", sa.Integer), sa.column("role", sa.String),
                     sa.column("contest_id", sa.Integer), sa.column("created_at", sa.DateTime))
    contests = conn.execute(sa.text("SELECT id, created_by_id FROM contests")).all()
    global_organisers = [row[0] for row in conn.execute(
        sa.text("SELECT user_id FROM user_roles WHERE role = 'organiser' AND contest_id IS NULL"))]
    existing = {(row[0], row[1]) for row in conn.execute(
        sa.text("SELECT user_id, contest_id FROM user_roles WHERE role = 'organiser' AND contest_id IS NOT NULL"))}
    rows = []
    now = datetime.now(timezone.utc).replace(tzinfo=None)  # the columns hold naive UTC
    for contest_id, creator in contests:
        for user_id in ([creator] if creator is not None else global_organisers):
            if (user_id, contest_id) not in existing:
                existing.add((user_id, contest_id))
                rows.append({"user_id": user_id, "role": "organiser", "contest_id": contest_id, "created_at": now})
    if rows:
        op.bulk_insert(roles, rows)


def downgrade():
    op.execute("DELETE FROM user_roles WHERE role = 'organiser' AND contest_id IS NOT NULL")
