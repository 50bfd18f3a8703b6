"""Outbound ledger: who holds a row's lease, and when a copy was handed to the relay.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 03:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbound_messages") as batch:
        batch.add_column(sa.Column("lease_owner", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("handed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbound_messages") as batch:
        batch.drop_column("handed_at")
        batch.drop_column("lease_owner")
