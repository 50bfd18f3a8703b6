"""Membership and delivery as two states: `paused` and `bouncing` become delivery states
of active members; a `declined` membership status joins the others.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

MOVED = ("paused", "bouncing")  # membership statuses that were really delivery states


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(
            sa.Column(
                "delivery_status",
                sa.Enum(
                    "enabled",
                    "paused",
                    "bouncing",
                    "disabled",
                    name="deliverystatus",
                    native_enum=False,
                    length=24,
                ),
                nullable=False,
                server_default="enabled",
            )
        )
    for status in MOVED:
        op.execute(
            f"UPDATE members SET delivery_status = '{status}', status = 'active' "
            f"WHERE status = '{status}'"
        )


def downgrade() -> None:
    for status in MOVED:
        op.execute(
            f"UPDATE members SET status = '{status}' "
            f"WHERE status = 'active' AND delivery_status = '{status}'"
        )
    op.execute("UPDATE members SET status = 'removed' WHERE status = 'declined'")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("delivery_status")
