"""Accountability rounds and digests; the weekly schedule of each community.

Existing communities get the default rhythm through server defaults.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 05:45:19.773211
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "skipped", name="roundstatus", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column(
            "commitment_question",
            sa.Text(),
            nullable=False,
            server_default="What is your one commitment for this week?",
        ),
        sa.Column("checkin_question", sa.Text(), nullable=False, server_default="Did you do it?"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prompt_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("prompt_reminder_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checkin_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checkin_reminder_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_rounds_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rounds")),
        sa.UniqueConstraint("community_id", "week", name=op.f("uq_rounds_community_id_week")),
    )
    op.create_table(
        "commitments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "result",
            sa.Enum(
                "done",
                "partly",
                "not_done",
                "unclear",
                name="checkinstatus",
                native_enum=False,
                length=24,
            ),
            nullable=True,
        ),
        sa.Column("reflection", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_commitments_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_commitments_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitments")),
        sa.UniqueConstraint(
            "round_id", "member_id", name=op.f("uq_commitments_round_id_member_id")
        ),
    )
    op.create_table(
        "digest_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending", "sent", "skipped", name="digeststatus", native_enum=False, length=24
            ),
            nullable=False,
        ),
        sa.Column("host_note", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("preview_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_digest_runs_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_digest_runs_round_id_rounds"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_runs")),
        sa.UniqueConstraint("community_id", "week", name=op.f("uq_digest_runs_community_id_week")),
    )
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("prompt_weekday", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("prompt_hour", sa.Integer(), nullable=False, server_default="8")
        )
        batch_op.add_column(
            sa.Column("checkin_weekday", sa.Integer(), nullable=False, server_default="4")
        )
        batch_op.add_column(
            sa.Column("checkin_hour", sa.Integer(), nullable=False, server_default="16")
        )
        batch_op.add_column(
            sa.Column("reminder_delay_hours", sa.Integer(), nullable=False, server_default="24")
        )
        batch_op.add_column(
            sa.Column("digest_weekday", sa.Integer(), nullable=False, server_default="6")
        )
        batch_op.add_column(
            sa.Column("digest_hour", sa.Integer(), nullable=False, server_default="17")
        )
        batch_op.add_column(
            sa.Column("preview_hours", sa.Integer(), nullable=False, server_default="12")
        )
        batch_op.add_column(
            sa.Column("digest_when_quiet", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(
            sa.Column("loop_paused", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column(
                "commitment_question",
                sa.Text(),
                nullable=False,
                server_default="What is your one commitment for this week?",
            )
        )
        batch_op.add_column(
            sa.Column(
                "checkin_question", sa.Text(), nullable=False, server_default="Did you do it?"
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.drop_column("checkin_question")
        batch_op.drop_column("commitment_question")
        batch_op.drop_column("loop_paused")
        batch_op.drop_column("digest_when_quiet")
        batch_op.drop_column("preview_hours")
        batch_op.drop_column("digest_hour")
        batch_op.drop_column("digest_weekday")
        batch_op.drop_column("reminder_delay_hours")
        batch_op.drop_column("checkin_hour")
        batch_op.drop_column("checkin_weekday")
        batch_op.drop_column("prompt_hour")
        batch_op.drop_column("prompt_weekday")

    op.drop_table("digest_runs")
    op.drop_table("commitments")
    op.drop_table("rounds")
