"""PostgreSQL: the page-version triggers also NOTIFY `kith_pages`, so web processes
can keep a cached page until it changes without asking the database on every view.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 06:10:00
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

CHANNEL = "kith_pages"

NOTIFYING = [
    # One notice per changed community, delivered when the change commits.
    f"""CREATE OR REPLACE FUNCTION kith_notify_page() RETURNS trigger AS $$
       BEGIN
         PERFORM pg_notify('{CHANNEL}', NEW.slug);
         RETURN NULL;
       END $$ LANGUAGE plpgsql""",
    # Any update that moved the version, whether a statement or a trigger moved it
    # (UPDATE OF would miss the ones made by the BEFORE trigger of migration 0004).
    """CREATE TRIGGER communities_page_notice AFTER UPDATE ON communities
       FOR EACH ROW WHEN (OLD.page_version IS DISTINCT FROM NEW.page_version)
       EXECUTE FUNCTION kith_notify_page()""",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite processes notice commits through PRAGMA data_version instead
    for statement in NOTIFYING:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS communities_page_notice ON communities")
    op.execute("DROP FUNCTION IF EXISTS kith_notify_page()")
