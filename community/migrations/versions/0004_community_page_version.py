"""A version number on each community that changes whenever its public page would.

Triggers keep it, so every writer (web, SMTP, workers, the CLI, plain SQL) moves it
and a page cache can trust it: it counts changes to the community's own facts and
to its members' statuses.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 05:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

PAGE_FACTS = "slug, name, description, capacity, join_policy"

SQLITE = [
    """CREATE TRIGGER members_page_insert AFTER INSERT ON members BEGIN
         UPDATE communities SET page_version = page_version + 1 WHERE id = NEW.community_id;
       END""",
    """CREATE TRIGGER members_page_update AFTER UPDATE OF status, community_id ON members BEGIN
         UPDATE communities SET page_version = page_version + 1
         WHERE id IN (OLD.community_id, NEW.community_id);
       END""",
    """CREATE TRIGGER members_page_delete AFTER DELETE ON members BEGIN
         UPDATE communities SET page_version = page_version + 1 WHERE id = OLD.community_id;
       END""",
    f"""CREATE TRIGGER communities_page_update AFTER UPDATE OF {PAGE_FACTS} ON communities
       BEGIN
         UPDATE communities SET page_version = page_version + 1 WHERE id = NEW.id;
       END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS members_page_insert",
    "DROP TRIGGER IF EXISTS members_page_update",
    "DROP TRIGGER IF EXISTS members_page_delete",
    "DROP TRIGGER IF EXISTS communities_page_update",
]

POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION kith_members_page() RETURNS trigger AS $$
       BEGIN
         IF TG_OP IN ('UPDATE', 'DELETE') THEN
           UPDATE communities SET page_version = page_version + 1 WHERE id = OLD.community_id;
         END IF;
         IF TG_OP IN ('INSERT', 'UPDATE') AND (TG_OP = 'INSERT'
             OR NEW.community_id IS DISTINCT FROM OLD.community_id) THEN
           UPDATE communities SET page_version = page_version + 1 WHERE id = NEW.community_id;
         END IF;
         RETURN NULL;
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER members_page AFTER INSERT OR DELETE OR UPDATE OF status, community_id
       ON members FOR EACH ROW EXECUTE FUNCTION kith_members_page()""",
    """CREATE OR REPLACE FUNCTION kith_communities_page() RETURNS trigger AS $$
       BEGIN
         NEW.page_version := OLD.page_version + 1;
         RETURN NEW;
       END $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER communities_page BEFORE UPDATE OF {PAGE_FACTS}
       ON communities FOR EACH ROW EXECUTE FUNCTION kith_communities_page()""",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS members_page ON members",
    "DROP TRIGGER IF EXISTS communities_page ON communities",
    "DROP FUNCTION IF EXISTS kith_members_page()",
    "DROP FUNCTION IF EXISTS kith_communities_page()",
]


def upgrade() -> None:
    with op.batch_alter_table("communities") as batch:
        batch.add_column(
            sa.Column("page_version", sa.Integer(), nullable=False, server_default="0")
        )
    statements = POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    drops = POSTGRESQL_DROP if op.get_bind().dialect.name == "postgresql" else SQLITE_DROP
    for statement in drops:
        op.execute(statement)
    with op.batch_alter_table("communities") as batch:
        batch.drop_column("page_version")
