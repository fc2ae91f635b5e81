"""sale lines keep what a GS1 code carried besides the GTIN (lot, expiry, serial) and an EAN add-on

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sale_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trace", sa.String(), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("sale_line", schema=None) as batch_op:
        batch_op.drop_column("trace")
