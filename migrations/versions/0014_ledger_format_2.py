"""Ledger format 2 (docs/ledger.md): every published field of a batch hashed
into its chain, the ballot rules published and hashed (`ledger_rules`), the
audit log's head in every batch, invalidated leaves naming their rule, reason
and audit entry (`ballots.decision_audit_hash`), and each batch's tree levels
stored for receipt proofs (`ledger_batches.tree`).

A format-1 chain cannot be continued in format 2, so the ledgers sealed
before this revision are emptied and every decided ballot is sealed again by
the next tick, with its current status (the decisions that amendments
recorded stay in the audit log). The project had no public release with
format 1; a results snapshot taken before names a ledger head that no longer
exists, and a new tally is needed before publishing it.

Revision ID: 0014_ledger_format_2
Revises: 0013_ballot_page_time
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_ledger_format_2"
down_revision = "0013_ballot_page_time"
branch_labels = None
depends_on = None

DECISIONS = ("fraud.count", "fraud.invalidate")


def _backfill_decisions(bind) -> None:
    """The latest decision's audit hash of every decided ballot, from the audit log."""
    audit = sa.table("audit_entries", sa.column("seq", sa.Integer), sa.column("contest_id", sa.Integer),
                     sa.column("action", sa.String), sa.column("details", sa.JSON), sa.column("hash", sa.String))
    ballots = sa.table("ballots", sa.column("id", sa.Integer), sa.column("decision_audit_hash", sa.String))
    latest: dict[int, str] = {}
    for details, hash_ in bind.execute(sa.select(audit.c.details, audit.c.hash)
                                       .where(audit.c.action.in_(DECISIONS))
                                       .order_by(audit.c.contest_id, audit.c.seq)):
        for ballot_id in (details or {}).get("ballots", []):
            latest[ballot_id] = hash_
    by_hash: dict[str, list[int]] = {}
    for ballot_id, hash_ in latest.items():
        by_hash.setdefault(hash_, []).append(ballot_id)
    for hash_, ids in by_hash.items():
        for start in range(0, len(ids), 500):
            bind.execute(ballots.update().where(ballots.c.id.in_(ids[start:start + 500]))
                         .values(decision_audit_hash=hash_))


def upgrade():
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_audit_hash", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    _backfill_decisions(bind)

    op.execute("DELETE FROM ledger_amendments")
    op.execute("DELETE FROM ledger_leaves")
    op.execute("DELETE FROM ledger_batches")
    op.execute(sa.text("UPDATE ballots SET sealed = :no WHERE sealed = :yes").bindparams(no=False, yes=True))

    op.create_table(
        "ledger_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["contest_id"], ["contests.id"], name=op.f("fk_ledger_rules_contest_id_contests"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_rules")),
        sa.UniqueConstraint("contest_id", "hash", name=op.f("uq_ledger_rules_contest_id_hash")),
    )
    # The table is empty now; the server defaults only let SQLite add NOT NULL columns.
    with op.batch_alter_table("ledger_batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rules_hash", sa.String(length=64), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("audit_seq", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("audit_head", sa.String(length=64), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("tree", sa.LargeBinary(), nullable=True))


def downgrade():
    # Format-2 batches mean nothing to format-1 code: empty the ledger again, to be resealed.
    op.execute("DELETE FROM ledger_amendments")
    op.execute("DELETE FROM ledger_leaves")
    op.execute("DELETE FROM ledger_batches")
    op.execute(sa.text("UPDATE ballots SET sealed = :no WHERE sealed = :yes").bindparams(no=False, yes=True))
    with op.batch_alter_table("ledger_batches", schema=None) as batch_op:
        batch_op.drop_column("tree")
        batch_op.drop_column("audit_head")
        batch_op.drop_column("audit_seq")
        batch_op.drop_column("rules_hash")
    op.drop_table("ledger_rules")
    with op.batch_alter_table("ballots", schema=None) as batch_op:
        batch_op.drop_column("decision_audit_hash")
