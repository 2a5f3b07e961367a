"""member numbers

Revision ID: 0003
Revises: 0002
Created: 2026-12-04 19:04:04.370218
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("member_number", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_members_member_number"), ["member_number"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_members_member_number"))
        batch_op.drop_column("member_number")
