"""Rituals around the weekly loop: a community's recurring live session; commitments
carried over from an unfinished one.

Revision ID: 0011_rituals
Revises: 0008
Create Date: 2026-12-02 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_rituals"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "live_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "cadence",
            sa.Enum("weekly", "biweekly", name="sessioncadence", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("join_url", sa.Text(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_live_sessions_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_sessions")),
        sa.UniqueConstraint("community_id", name=op.f("uq_live_sessions_community_id")),
        sa.UniqueConstraint("uid", name=op.f("uq_live_sessions_uid")),
    )

    with op.batch_alter_table("commitments") as batch:
        batch.add_column(sa.Column("carried_from_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_commitments_carried_from_id_commitments"),
            "commitments",
            ["carried_from_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("commitments") as batch:
        batch.drop_constraint(
            op.f("fk_commitments_carried_from_id_commitments"), type_="foreignkey"
        )
        batch.drop_column("carried_from_id")
    op.drop_table("live_sessions")
