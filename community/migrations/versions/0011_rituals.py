"""Rituals around the weekly loop: a community's recurring live session; commitments
carried over from an unfinished one; accountability buddies; the hot seat; seasons.

Revision ID: 0011_rituals
Revises: 0010_archive
Create Date: 2026-12-02 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_rituals"
down_revision = "0010_archive"
branch_labels = None
depends_on = None


# The community page shows its season: any change to a season moves the page version
# (the triggers of migration 0004 do the same for members; 0008's NOTIFY follows).
SEASON_PAGE_SQLITE = [
    """CREATE TRIGGER seasons_page_insert AFTER INSERT ON seasons BEGIN
         UPDATE communities SET page_version = page_version + 1 WHERE id = NEW.community_id;
       END""",
    """CREATE TRIGGER seasons_page_update AFTER UPDATE ON seasons BEGIN
         UPDATE communities SET page_version = page_version + 1
         WHERE id IN (OLD.community_id, NEW.community_id);
       END""",
    """CREATE TRIGGER seasons_page_delete AFTER DELETE ON seasons BEGIN
         UPDATE communities SET page_version = page_version + 1 WHERE id = OLD.community_id;
       END""",
]
SEASON_PAGE_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS seasons_page_insert",
    "DROP TRIGGER IF EXISTS seasons_page_update",
    "DROP TRIGGER IF EXISTS seasons_page_delete",
]
SEASON_PAGE_POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION kith_seasons_page() RETURNS trigger AS $$
       BEGIN
         IF TG_OP IN ('UPDATE', 'DELETE') THEN
           UPDATE communities SET page_version = page_version + 1 WHERE id = OLD.community_id;
         END IF;
         IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE'
             AND NEW.community_id IS DISTINCT FROM OLD.community_id) THEN
           UPDATE communities SET page_version = page_version + 1 WHERE id = NEW.community_id;
         END IF;
         RETURN NULL;
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER seasons_page AFTER INSERT OR UPDATE OR DELETE ON seasons
       FOR EACH ROW EXECUTE FUNCTION kith_seasons_page()""",
]
SEASON_PAGE_POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS seasons_page ON seasons",
    "DROP FUNCTION IF EXISTS kith_seasons_page()",
]


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

    op.create_table(
        "ritual_settings",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("pairs_every_weeks", sa.Integer(), nullable=False),
        sa.Column("hot_seat", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_ritual_settings_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_ritual_settings")),
    )
    op.create_table(
        "buddy_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("talked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_buddy_groups_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buddy_groups")),
    )
    op.create_index(
        "ix_buddy_groups_community_week", "buddy_groups", ["community_id", "week"], unique=False
    )
    op.create_table(
        "buddy_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["buddy_groups.id"],
            name=op.f("fk_buddy_members_group_id_buddy_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_buddy_members_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "member_id", name=op.f("pk_buddy_members")),
    )
    op.create_table(
        "hot_seats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("focus", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_hot_seats_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_hot_seats_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.id"],
            name=op.f("fk_hot_seats_thread_id_threads"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hot_seats")),
        sa.UniqueConstraint("community_id", "week", name=op.f("uq_hot_seats_community_id_week")),
    )
    op.create_table(
        "seasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("applications_from", sa.Date(), nullable=True),
        sa.Column("applications_until", sa.Date(), nullable=True),
        sa.Column("alumni_can_post", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_seasons_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seasons")),
    )
    op.create_index(
        "ix_seasons_community_starts", "seasons", ["community_id", "starts_on"], unique=False
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in SEASON_PAGE_POSTGRESQL if postgresql else SEASON_PAGE_SQLITE:
        op.execute(statement)
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
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in SEASON_PAGE_POSTGRESQL_DROP if postgresql else SEASON_PAGE_SQLITE_DROP:
        op.execute(statement)
    op.drop_index("ix_seasons_community_starts", table_name="seasons")
    op.drop_table("seasons")
    op.drop_table("hot_seats")
    op.drop_table("buddy_members")
    op.drop_index("ix_buddy_groups_community_week", table_name="buddy_groups")
    op.drop_table("buddy_groups")
    op.drop_table("ritual_settings")
    op.drop_table("live_sessions")
