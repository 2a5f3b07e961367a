"""photo groups

Revision ID: 0004
Revises: 0003
Created: 2026-12-04 19:12:02.119199
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "photo_group_members",
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("asset_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("group_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "asset_id"),
    )
    with op.batch_alter_table("photo_group_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_photo_group_members_group_id"), ["group_id"], unique=False
        )

    op.create_table(
        "photo_groups",
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("group_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("run_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("model_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("cover_asset_ids", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "group_id"),
    )


def downgrade() -> None:
    op.drop_table("photo_groups")
    with op.batch_alter_table("photo_group_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photo_group_members_group_id"))

    op.drop_table("photo_group_members")
