"""The members' archive: a full-text index of posts (FTS5 on SQLite, a generated
tsvector with a GIN index on PostgreSQL) and a per-member archive session version
("sign out everywhere" moves it).

Both indexes read `posts.body`, the text a reader sees, and both tokenise without
stemming or accent folding ('simple' / unicode61 with remove_diacritics 0), so a query
finds the same posts on either database.

Revision ID: 0010_archive
Revises: 0009_first_week
Create Date: 2026-12-02 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_archive"
down_revision = "0009_first_week"
branch_labels = None
depends_on = None

SQLITE = [
    # External content: the index holds no copy of the text; snippet() reads posts.body.
    """CREATE VIRTUAL TABLE posts_search USING fts5(
         body, content='posts', content_rowid='id',
         tokenize='unicode61 remove_diacritics 0')""",
    # Kept in step inside the writing transaction, whatever code path writes a post.
    """CREATE TRIGGER posts_search_insert AFTER INSERT ON posts BEGIN
         INSERT INTO posts_search(rowid, body) VALUES (new.id, new.body);
       END""",
    """CREATE TRIGGER posts_search_delete AFTER DELETE ON posts BEGIN
         INSERT INTO posts_search(posts_search, rowid, body) VALUES ('delete', old.id, old.body);
       END""",
    """CREATE TRIGGER posts_search_update AFTER UPDATE OF body ON posts BEGIN
         INSERT INTO posts_search(posts_search, rowid, body) VALUES ('delete', old.id, old.body);
         INSERT INTO posts_search(rowid, body) VALUES (new.id, new.body);
       END""",
    "INSERT INTO posts_search(posts_search) VALUES ('rebuild')",
]

# PostgreSQL's parser makes single tokens of addresses, URLs, paths, tags, hyphenated
# words and numbers with dots; FTS5 splits them into their words. Turning the characters
# that join them into spaces first makes both see the same words ("carol@example.com"
# is found by "example" on either).
JOINERS = "<>&@/\\._-+=#%~|:"  # ":" last: text() would read ":_" as a parameter
POSTGRESQL = [
    f"""ALTER TABLE posts ADD COLUMN search_vector tsvector
         GENERATED ALWAYS AS (to_tsvector('simple'::regconfig,
           translate(body, '{JOINERS}', '{" " * len(JOINERS)}'))) STORED""",
    "CREATE INDEX ix_posts_search_vector ON posts USING gin (search_vector)",
]


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(
            sa.Column("archive_version", sa.Integer(), nullable=False, server_default="0")
        )
    dialect = op.get_bind().dialect.name
    for statement in (
        SQLITE if dialect == "sqlite" else POSTGRESQL if dialect == "postgresql" else []
    ):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS posts_search_{trigger}")
        op.execute("DROP TABLE IF EXISTS posts_search")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_posts_search_vector")
        op.execute("ALTER TABLE posts DROP COLUMN IF EXISTS search_vector")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("archive_version")
