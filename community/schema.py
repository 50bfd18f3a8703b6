"""Applying the Alembic migrations that ship inside the community package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to `revision` (idempotent)."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


# The full-text index (migration 0010_archive) belongs to the database, not the models:
# FTS5's tables on SQLite, a generated column and its GIN index on PostgreSQL.
SEARCH_INDEX_NAMES = ("posts_search", "search_vector", "ix_posts_search_vector")


def described_by_models(name: str | None, type_: str, _parents: object) -> bool:
    """Alembic's include_name hook: leave the full-text index out of comparisons."""
    return not (name and name.startswith(SEARCH_INDEX_NAMES))
