"""coupon campaigns name the stores where their coupons may be used

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("coupon_campaign", schema=None) as batch_op:
        batch_op.add_column(sa.Column("store_ids", sa.String(length=200), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("coupon_campaign", schema=None) as batch_op:
        batch_op.drop_column("store_ids")
