"""sync: stock levels remember which of the terminal's own events they already count

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stock_level", schema=None) as batch_op:
        batch_op.add_column(sa.Column("as_of_seq", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stock_level", schema=None) as batch_op:
        batch_op.drop_column("as_of_seq")
