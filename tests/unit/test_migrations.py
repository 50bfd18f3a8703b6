"""The shipped migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from community.db import make_engine
from community.models import Base
from community.schema import current_revision, described_by_models, upgrade


def test_migrations_match_models(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    upgrade(engine)
    upgrade(engine)  # idempotent
    assert current_revision(engine) is not None
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": described_by_models})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


def test_membership_and_delivery_are_split_for_existing_members(tmp_path):
    """Migration 0007: `paused` and `bouncing` members become active members whose
    delivery is paused or stopped by bounces; everyone else keeps their status."""
    from sqlalchemy import text

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0006")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO communities (id, slug, name, description, host_address, timezone, "
                "capacity, join_policy, created_at) VALUES (1, 'c', 'C', '', 'h@example.com', "
                "'UTC', 30, 'open', '2026-01-01 00:00:00')"
            )
        )
        for i, status in enumerate(["active", "paused", "bouncing", "waitlisted", "removed"]):
            conn.execute(
                text(
                    "INSERT INTO members (community_id, address, display_name, status, "
                    "delivery_mode, role, created_at, requested_at, join_requests, "
                    "bounce_score, link_version) VALUES (1, :a, '', :s, 'each_post', 'member', "
                    "'2026-01-01 00:00:00', '2026-01-01 00:00:00', 1, 0, 0)"
                ),
                {"a": f"m{i}@example.com", "s": status},
            )
    upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT address, status, delivery_status FROM members ORDER BY address")
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        ("m0@example.com", "active", "enabled"),
        ("m1@example.com", "active", "paused"),
        ("m2@example.com", "active", "bouncing"),
        ("m3@example.com", "waitlisted", "enabled"),
        ("m4@example.com", "removed", "enabled"),
    ]


def test_existing_communities_keep_the_host_out_of_the_round_and_partly_breaks(tmp_path):
    """Migration 0009_first_week: communities made before it get both choices off."""
    from sqlalchemy import text

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0008")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO communities (id, slug, name, description, host_address, timezone, "
                "capacity, join_policy, created_at) VALUES (1, 'c', 'C', '', 'h@example.com', "
                "'UTC', 30, 'open', '2026-01-01 00:00:00')"
            )
        )
    upgrade(engine)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT host_takes_part, partly_counts FROM communities")).one()
    engine.dispose()
    assert tuple(row) == (0, 0)


def test_archive_migration_indexes_the_posts_already_there(tmp_path):
    """Migration 0010_archive: posts written before it are found by search afterwards,
    and the FTS5 index passes SQLite's own integrity check."""
    from sqlalchemy import text

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0008")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO communities (id, slug, name, description, host_address, timezone, "
                "capacity, join_policy, created_at) VALUES (1, 'c', 'C', '', 'h@example.com', "
                "'UTC', 30, 'open', '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO threads (id, community_id, subject, created_at, last_post_at) "
                "VALUES (1, 1, 'Old', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO posts (thread_id, author_name, author_address, body, full_text, "
                "message_id, list_message_id, created_at) VALUES (1, 'Old Timer', "
                "'old@example.com', 'A quince harvest.', 'A quince harvest.', '<a@x>', '<b@x>', "
                "'2026-01-01 00:00:00')"
            )
        )
    upgrade(engine)
    with engine.begin() as conn:
        found = conn.execute(
            text("SELECT rowid FROM posts_search WHERE posts_search MATCH 'quince'")
        ).all()
        conn.execute(text("INSERT INTO posts_search(posts_search) VALUES ('integrity-check')"))
    engine.dispose()
    assert [r[0] for r in found] == [1]


def test_rituals_keep_existing_commitments_and_go_back_down(tmp_path):
    """Migration 0011_rituals: the commitments table gains carried_from_id (rebuilt on
    SQLite) with every row kept; the new tables start empty; downgrading removes them."""
    from sqlalchemy import inspect, text

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0008")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO communities (id, slug, name, description, host_address, timezone, "
                "capacity, join_policy, created_at) VALUES (1, 'c', 'C', '', 'h@example.com', "
                "'UTC', 30, 'open', '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO members (id, community_id, address, display_name, status, "
                "delivery_mode, role, created_at, requested_at, join_requests, "
                "bounce_score, link_version) VALUES (1, 1, 'a@example.com', '', 'active', "
                "'each_post', 'member', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 1, 0, 0)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO rounds (id, community_id, week, status, commitment_question, "
                "checkin_question, created_at) VALUES (1, 1, '2026-W01', 'open', 'Q?', 'D?', "
                "'2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO commitments (round_id, member_id, text, created_at, updated_at, "
                "result, reflection) VALUES (1, 1, 'Ship it', '2026-01-01 00:00:00', "
                "'2026-01-01 00:00:00', 'partly', 'half')"
            )
        )
    upgrade(engine)
    with engine.connect() as conn:
        kept = conn.execute(
            text("SELECT text, result, reflection, carried_from_id FROM commitments")
        ).all()
        tables = set(inspect(conn).get_table_names())
    assert [tuple(r) for r in kept] == [("Ship it", "partly", "half", None)]
    new = {
        "live_sessions",
        "ritual_settings",
        "buddy_groups",
        "buddy_members",
        "hot_seats",
        "seasons",
    }
    assert new <= tables
    from alembic import command

    from community.schema import alembic_config

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0010_archive")
    with engine.connect() as conn:
        assert not new & set(inspect(conn).get_table_names())
        assert conn.execute(text("SELECT text FROM commitments")).scalar() == "Ship it"
    engine.dispose()
