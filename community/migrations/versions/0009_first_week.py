"""Hosts choose whether they take part in the round, and whether "partly" keeps a streak.

Revision ID: 0009_first_week
Revises: 0008
Create Date: 2026-12-02 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_first_week"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: a batch copy of `communities` would trip the page triggers of 0004.
    for name in ("host_takes_part", "partly_counts"):
        op.add_column(
            "communities",
            sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false()),
        )


def downgrade() -> None:
    for name in ("partly_counts", "host_takes_part"):
        op.drop_column("communities", name)
