"""fraud review, audit log and ledger

Revision ID: 0003_fraud_audit_ledger
Revises: 0002_ballots
Create Date: 2026-11-23 13:02:33.680480

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_fraud_audit_ledger'
down_revision = '0002_ballots'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=320), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_entries_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_audit_entries_contest_id_contests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries')),
    sa.UniqueConstraint('contest_id', 'seq', name=op.f('uq_audit_entries_contest_id_seq'))
    )
    op.create_table('fraud_clusters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('found_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_fraud_clusters_contest_id_contests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fraud_clusters')),
    sa.UniqueConstraint('contest_id', 'rule', 'key', name=op.f('uq_fraud_clusters_contest_id_rule_key'))
    )
    op.create_table('ledger_amendments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('receipt_hash', sa.String(length=64), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=False),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('signed_off_by', sa.String(length=320), nullable=False),
    sa.Column('audit_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_ledger_amendments_contest_id_contests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_amendments')),
    sa.UniqueConstraint('contest_id', 'seq', name=op.f('uq_ledger_amendments_contest_id_seq'))
    )
    op.create_table('ledger_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('root', sa.String(length=64), nullable=False),
    sa.Column('prev_chain', sa.String(length=64), nullable=False),
    sa.Column('chain', sa.String(length=64), nullable=False),
    sa.Column('sealed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_ledger_batches_contest_id_contests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_batches')),
    sa.UniqueConstraint('contest_id', 'seq', name=op.f('uq_ledger_batches_contest_id_seq'))
    )
    op.create_table('fraud_cluster_ballots',
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballots.id'], name=op.f('fk_fraud_cluster_ballots_ballot_id_ballots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cluster_id'], ['fraud_clusters.id'], name=op.f('fk_fraud_cluster_ballots_cluster_id_fraud_clusters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('cluster_id', 'ballot_id', name=op.f('pk_fraud_cluster_ballots'))
    )
    with op.batch_alter_table('fraud_cluster_ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fraud_cluster_ballots_ballot_id'), ['ballot_id'], unique=False)

    op.create_table('ledger_leaves',
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('leaf', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballots.id'], name=op.f('fk_ledger_leaves_ballot_id_ballots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['batch_id'], ['ledger_batches.id'], name=op.f('fk_ledger_leaves_batch_id_ledger_batches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ballot_id', name=op.f('pk_ledger_leaves')),
    sa.UniqueConstraint('batch_id', 'position', name=op.f('uq_ledger_leaves_batch_id_position'))
    )
    with op.batch_alter_table('ledger_leaves', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_leaves_batch_id'), ['batch_id'], unique=False)

    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_reason', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('sealed', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade():
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_column('sealed')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('status_reason')

    with op.batch_alter_table('ledger_leaves', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_leaves_batch_id'))

    op.drop_table('ledger_leaves')
    with op.batch_alter_table('fraud_cluster_ballots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fraud_cluster_ballots_ballot_id'))

    op.drop_table('fraud_cluster_ballots')
    op.drop_table('ledger_batches')
    op.drop_table('ledger_amendments')
    op.drop_table('fraud_clusters')
    op.drop_table('audit_entries')
