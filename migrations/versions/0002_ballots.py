"""ballots

Revision ID: 0002_ballots
Revises: 0001_initial
Create Date: 2026-11-23 12:27:21.857370

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_ballots'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ballots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('voter_id', sa.Integer(), nullable=False),
    sa.Column('receipt_hash', sa.String(length=64), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('selection', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.Column('client_ip', sa.String(length=45), nullable=False),
    sa.Column('ip_prefix', sa.String(length=49), nullable=False),
    sa.Column('user_agent_hash', sa.String(length=64), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('cast_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_ballots_category_id_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_ballots_contest_id_contests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voter_id'], ['users.id'], name=op.f('fk_ballots_voter_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballots')),
    sa.UniqueConstraint('contest_id', 'category_id', 'voter_id', name=op.f('uq_ballots_contest_id_category_id_voter_id')),
    sa.UniqueConstraint('receipt_hash', name=op.f('uq_ballots_receipt_hash'))
    )
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.create_index('ix_ballots_contest_cast_at', ['contest_id', 'cast_at'], unique=False)
        batch_op.create_index('ix_ballots_contest_status', ['contest_id', 'status'], unique=False)



def downgrade():
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_index('ix_ballots_contest_status')
        batch_op.drop_index('ix_ballots_contest_cast_at')

    op.drop_table('ballots')
