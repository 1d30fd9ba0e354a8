"""A voided score sheet keeps its history, and a role is granted once.

- judging_sheet_changes: each change names its round, judge and entry
  (filled in from the sheets for the rows already there), and `sheet_id`
  becomes nullable with ON DELETE SET NULL, so the history outlives a sheet
  voided by a conflict (before, the rows were deleted with the sheet).
- user_roles: duplicate grants are dropped (the oldest kept), then a unique
  constraint over (user_id, role, contest_id) and, because SQL never finds
  two NULLs equal, a partial unique index over (user_id, role) for global
  roles (contest_id NULL). The old lookup index is covered by the constraint.

Revision ID: 0006_judging_history
Revises: 0005_judging
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_judging_history"
down_revision = "0005_judging"
branch_labels = None
depends_on = None

CHANGE_COLUMNS = ("round_id", "judge_id", "entry_id")
GLOBAL_ROLES = sa.text("contest_id IS NULL")


def upgrade():
    # Added nullable, filled from the sheets, then tightened: every existing row has its sheet (the old
    # foreign key deleted the rows with it, on SQLite too, where the app turns foreign keys on).
    with op.batch_alter_table("judging_sheet_changes", schema=None) as batch_op:
        for column in CHANGE_COLUMNS:
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
    for column in CHANGE_COLUMNS:
        op.execute(f"UPDATE judging_sheet_changes SET {column} = ("
                   f"SELECT a.{column} FROM judging_sheets s JOIN judging_assignments a ON a.id = s.assignment_id "
                   "WHERE s.id = judging_sheet_changes.sheet_id)")
    with op.batch_alter_table("judging_sheet_changes", schema=None) as batch_op:
        for column in CHANGE_COLUMNS:
            batch_op.alter_column(column, existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("sheet_id", existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint("fk_judging_sheet_changes_sheet_id_judging_sheets", type_="foreignkey")
        batch_op.create_foreign_key(op.f("fk_judging_sheet_changes_sheet_id_judging_sheets"), "judging_sheets",
                                    ["sheet_id"], ["id"], ondelete="SET NULL")
        batch_op.create_foreign_key(op.f("fk_judging_sheet_changes_round_id_judging_rounds"), "judging_rounds",
                                    ["round_id"], ["id"], ondelete="CASCADE")
        batch_op.create_foreign_key(op.f("fk_judging_sheet_changes_judge_id_users"), "users",
                                    ["judge_id"], ["id"], ondelete="CASCADE")
        batch_op.create_foreign_key(op.f("fk_judging_sheet_changes_entry_id_entries"), "entries",
                                    ["entry_id"], ["id"], ondelete="CASCADE")
        batch_op.create_index("ix_judging_sheet_changes_round_judge_entry", ["round_id", "judge_id", "entry_id"],
                              unique=False)

    # GROUP BY puts NULL contest ids in one group, so a global role granted twice is found too.
    op.execute("DELETE FROM user_roles WHERE id NOT IN "
               "(SELECT MIN(id) FROM user_roles GROUP BY user_id, role, contest_id)")
    with op.batch_alter_table("user_roles", schema=None) as batch_op:
        batch_op.drop_index("ix_user_roles_user_role")
        batch_op.create_unique_constraint(op.f("uq_user_roles_user_id_role_contest_id"),
                                          ["user_id", "role", "contest_id"])
    op.create_index("uq_user_roles_global", "user_roles", ["user_id", "role"], unique=True,
                    sqlite_where=GLOBAL_ROLES, postgresql_where=GLOBAL_ROLES)


def downgrade():
    op.drop_index("uq_user_roles_global", table_name="user_roles", sqlite_where=GLOBAL_ROLES,
                  postgresql_where=GLOBAL_ROLES)
    with op.batch_alter_table("user_roles", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_user_roles_user_id_role_contest_id"), type_="unique")
        batch_op.create_index("ix_user_roles_user_role", ["user_id", "role", "contest_id"], unique=False)

    # The old schema has no place for the history of voided sheets: it goes, as it did then.
    op.execute("DELETE FROM judging_sheet_changes WHERE sheet_id IS NULL")
    with op.batch_alter_table("judging_sheet_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_judging_sheet_changes_round_judge_entry")
        for name in ("fk_judging_sheet_changes_entry_id_entries", "fk_judging_sheet_changes_judge_id_users",
                     "fk_judging_sheet_changes_round_id_judging_rounds",
                     "fk_judging_sheet_changes_sheet_id_judging_sheets"):
            batch_op.drop_constraint(name, type_="foreignkey")
        batch_op.create_foreign_key(op.f("fk_judging_sheet_changes_sheet_id_judging_sheets"), "judging_sheets",
                                    ["sheet_id"], ["id"], ondelete="CASCADE")
        batch_op.alter_column("sheet_id", existing_type=sa.Integer(), nullable=False)
        for column in CHANGE_COLUMNS:
            batch_op.drop_column(column)
