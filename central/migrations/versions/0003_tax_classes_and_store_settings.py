"""tax classes and the settings the platform decides for each store

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tax_class",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("name_zh", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_tax_class")),
    )
    with op.batch_alter_table("tax_class", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tax_class_version"), ["version"], unique=False)
    op.create_table(
        "store_setting",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "key", name=op.f("pk_store_setting")),
    )
    with op.batch_alter_table("store_setting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_store_setting_version"), ["version"], unique=False)


def downgrade() -> None:
    op.drop_table("store_setting")
    op.drop_table("tax_class")
