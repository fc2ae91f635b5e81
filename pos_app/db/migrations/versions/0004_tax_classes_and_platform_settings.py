"""the platform's tax classes and store settings; the points each sale line earned and each refund
line took back

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tax_class",
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("name_zh", sa.String(), nullable=False),
        sa.Column("name_en", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_tax_class")),
    )
    op.create_table(
        "platform_setting",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_platform_setting")),
    )
    for table in ("sale_line", "refund_line"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("points", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    for table in ("refund_line", "sale_line"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("points")
    op.drop_table("platform_setting")
    op.drop_table("tax_class")
