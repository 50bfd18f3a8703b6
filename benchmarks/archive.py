"""The members' archive at 100,000 posts: search and the thread page, as ratios.

    python -m benchmarks.archive [--posts 100000] [--per-thread 10] [--repeats 15]
                                 [--seconds 5] [--connections 4]
                                 [--database-url URL] [--redis-url URL] [--reset]

Seeds one community with that many posts (bulk inserts; the full-text index follows
through the database's own machinery: FTS5 triggers on SQLite, the generated tsvector
on PostgreSQL), then:
1. search: runs a fixed set of queries through `community.search.search_posts` (ranking,
   the community filter, snippets) and the same text query straight against the
   full-text index (the first page of ids, best first), alternating, and prints median
   and p95 latency of each and their ratio;
2. thread page: serves `web:create_app()` and a hello-world Flask route under the same
   gunicorn settings, signs a member in, drives both with the same load generator (wrk
   when installed) and prints requests/s as a ratio to hello-world's (medians of three
   alternating runs);
3. peak memory of this process and of the web processes.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import statistics
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, literal_column, select, text

from community import archive, search
from community.communities import create_community
from community.db import engine_from, make_session_factory, transaction
from community.members import add_member
from community.models import Base, Community, Post, Thread
from community.schema import upgrade
from community.settings import load_settings
from community.tokens import Signer
from jobs.queues import redis_url
from tests.helpers import uow

from ._common import max_rss_mb, report, scratch_dir
from .web import Gunicorn, median_load, python_load, wrk

DOMAIN = "kith.example"
AUTHORS = ["Anne", "Bart", "Carol", "Dee", "Emil", "Fatima", "Goran", "Hiro", "Ines", "Jonas"]
WORDS = [
    "week",
    "goal",
    "habit",
    "write",
    "run",
    "sleep",
    "plan",
    "morning",
    "draft",
    "focus",
    "call",
    "client",
    "timer",
    "trick",
    "pages",
    "walk",
    "read",
    "garden",
    "budget",
    "launch",
    "review",
    "notes",
    "coffee",
    "energy",
    "rest",
    "kids",
    "family",
    "deadline",
    "meeting",
    "email",
    "inbox",
    "proposal",
    "chapter",
    "sketch",
    "practice",
    "stretch",
    "swim",
    "piano",
]
RARE = ["pomodoro", "sourdough", "marathon", "quince"]  # about one post in a thousand
QUERIES = [
    "timer",
    "timer trick",
    '"morning walk"',
    "pomodoro",
    "budget review",
    "from:carol launch",
    '"write pages" focus',
    "sourdough",
]


def body(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(20, 90))]
    if n % 997 == 0:
        words.insert(rng.randrange(len(words)), rng.choice(RARE))
    sentences = [" ".join(words[i : i + 12]).capitalize() + "." for i in range(0, len(words), 12)]
    return " ".join(sentences)


def seed(settings: Any, posts: int, per_thread: int, reset: bool) -> tuple[int, int, str]:
    """The community, its members and posts; returns (community id, a thread id, token)."""
    engine = engine_from(settings)
    upgrade(engine)
    with engine.begin() as conn:
        if conn.scalar(select(func.count()).select_from(Community)):
            if not reset:
                raise SystemExit(
                    "the database already holds communities; pass --reset to empty it first"
                )
            names = ", ".join(t.name for t in reversed(Base.metadata.sorted_tables))
            if engine.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(Base.metadata.sorted_tables):
                    conn.execute(table.delete())
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    with transaction(sessions) as s:
        community = create_community(
            uow(s, now), slug="demo", name="Demo", host_address="host@example.com"
        )
        people = [
            add_member(uow(s, now, DOMAIN), community, f"{n.lower()}@example.com", display_name=n)
            for n in AUTHORS
        ]
        ids = [(m.id, m.display_name, m.address) for m in people]
        community_id = community.id
        token = archive.sign_in_token(Signer(settings.secret_key), people[0])
    rng = random.Random(13)
    start = now - timedelta(minutes=posts)
    threads = (posts + per_thread - 1) // per_thread
    with engine.begin() as conn:
        thread_rows = [
            {
                "community_id": community_id,
                "subject": f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} #{t}",
                "created_at": start + timedelta(minutes=t * per_thread),
                "last_post_at": start + timedelta(minutes=t * per_thread + per_thread - 1),
            }
            for t in range(threads)
        ]
        for i in range(0, len(thread_rows), 5000):
            conn.execute(insert(Thread), thread_rows[i : i + 5000])
        thread_ids = list(conn.scalars(select(Thread.id).order_by(Thread.id)))
    batch: list[dict[str, Any]] = []
    for n in range(posts):
        author_id, name, address = ids[n % len(ids)]
        text_ = body(rng, n)
        batch.append(
            {
                "thread_id": thread_ids[n // per_thread],
                "author_id": author_id,
                "author_name": name,
                "author_address": address,
                "body": text_,
                "full_text": text_ + "\n\n> an earlier message, quoted",
                "message_id": f"<bench-{n}@example.com>",
                "list_message_id": f"<post.bench-{n}@{DOMAIN}>",
                "created_at": start + timedelta(minutes=n),
            }
        )
        if len(batch) == 5000 or n == posts - 1:
            with engine.begin() as conn:
                conn.execute(insert(Post), batch)
            batch = []
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            auto = conn.execution_options(isolation_level="AUTOCOMMIT")
            auto.execute(text("VACUUM ANALYZE"))
            # Write the seeded pages out now, not while the load generator runs.
            with contextlib.suppress(Exception):  # needs a superuser or pg_checkpoint
                auto.execute(text("CHECKPOINT"))
    engine.dispose()
    return community_id, thread_ids[len(thread_ids) // 2], token


def raw_index_query(session: Any, dialect: str, query: search.SearchQuery) -> list[int]:
    """The same text query, straight against the index: the first page of ids."""
    if dialect == "sqlite":
        return list(
            session.scalars(
                text(
                    "SELECT rowid FROM posts_search WHERE posts_search MATCH :m "
                    "ORDER BY rank LIMIT :n"
                ),
                {"m": search.fts5_match(query), "n": search.PAGE_SIZE},
            )
        )
    tsquery = search.pg_tsquery(query)
    vector: Any = literal_column("posts.search_vector")
    rows = session.execute(
        select(Post.id)
        .where(vector.op("@@")(tsquery))
        .order_by(func.ts_rank(vector, tsquery).desc())
        .limit(search.PAGE_SIZE)
    )
    return [r[0] for r in rows]


def time_search(settings: Any, community_id: int, repeats: int) -> list[tuple[str, Any]]:
    engine = engine_from(settings)
    sessions = make_session_factory(engine)
    dialect = engine.dialect.name
    ours: dict[str, list[float]] = {q: [] for q in QUERIES}
    raw: dict[str, list[float]] = {q: [] for q in QUERIES}
    hits: dict[str, int] = {}
    with transaction(sessions, read_only=True) as s:
        community = s.get(Community, community_id)
        assert community is not None
        for q in QUERIES:  # warm the caches once
            search.search_posts(s, community, q)
            raw_index_query(s, dialect, search.parse_query(q))
        for _ in range(repeats):
            for q in QUERIES:
                parsed = search.parse_query(q)
                started = time.perf_counter()
                raw_index_query(s, dialect, parsed)
                raw[q].append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                found = search.search_posts(s, community, q)
                ours[q].append((time.perf_counter() - started) * 1000)
                hits[q] = len(found.hits)
    engine.dispose()

    def p95(values: list[float]) -> float:
        return sorted(values)[max(0, int(len(values) * 0.95) - 1)]

    rows: list[tuple[str, Any]] = []
    for q in QUERIES:
        m_ours, m_raw = statistics.median(ours[q]), statistics.median(raw[q])
        rows.append(
            (
                f"search {q!r} ({hits[q]} shown)",
                f"median {m_ours:.2f} ms = {m_ours / m_raw:.2f}x index ({m_raw:.2f} ms); "
                f"p95 {p95(ours[q]):.2f} ms = {p95(ours[q]) / p95(raw[q]):.2f}x",
            )
        )
    every_ours = [v for q in QUERIES for v in ours[q]]
    every_raw = [v for q in QUERIES for v in raw[q]]
    rows.append(
        (
            "search, all queries",
            f"median {statistics.median(every_ours):.2f} ms = "
            f"{statistics.median(every_ours) / statistics.median(every_raw):.2f}x index; "
            f"p95 {p95(every_ours):.2f} ms = {p95(every_ours) / p95(every_raw):.2f}x",
        )
    )
    return rows


def session_cookie(kith: Gunicorn, token: str) -> str:
    class Keep(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None  # the Set-Cookie of the 303 is all we want

    opener = urllib.request.build_opener(Keep)
    try:
        opener.open(kith.url(f"/c/demo/archive/in/{token}"), timeout=10)
    except urllib.error.HTTPError as exc:  # the unfollowed 303
        return exc.headers.get("Set-Cookie", "").split(";", 1)[0]
    raise RuntimeError("signing in did not redirect")


def time_thread_page(
    env: dict[str, str], token: str, thread_id: int, seconds: int, connections: int
) -> tuple[list[tuple[str, Any]], float]:
    kith, hello = Gunicorn("web:create_app()", env), Gunicorn("benchmarks.hello_app:app", env)
    use_wrk = shutil.which("wrk") is not None
    try:
        cookie = session_cookie(kith, token)
        path = f"/c/demo/archive/t/{thread_id}"
        with urllib.request.urlopen(
            urllib.request.Request(kith.url(path), headers={"Cookie": cookie}), timeout=10
        ) as resp:
            assert resp.status == 200 and b'class="post"' in resp.read()
        script = f'wrk.headers["Cookie"] = "{cookie}"\n'
        bases, ours, peak = [], [], []
        for _ in range(3):
            if use_wrk:
                bases.append(wrk(hello.url("/"), seconds, connections))
                ours.append(wrk(kith.url(path), seconds, connections, script))
            else:
                bases.append(python_load(hello.url("/"), seconds, connections))
                ours.append(
                    python_load(kith.url(path), seconds, connections, headers={"Cookie": cookie})
                )
            peak.append(kith.rss_mb())
        base, mine = median_load(bases), median_load(ours)
    finally:
        kith.stop()
        hello.stop()
    generator = f"wrk -t1 -c{connections}" if use_wrk else "Python client"
    return [
        (
            f"thread page ({generator}, gunicorn -w 2)",
            f"{mine.rps:,.0f} req/s = {mine.rps / base.rps:.2f}x hello ({base.rps:,.0f}); "
            f"p50 {mine.p50_ms:.2f} ms, p99 {mine.p99_ms:.2f} ms"
            + (f"; {mine.errors} errors" if mine.errors else ""),
        )
    ], max(peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--per-thread", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=15, help="runs of each search query")
    parser.add_argument("--seconds", type=int, default=5, help="per load run (3 runs)")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="")
    parser.add_argument(
        "--reset", action="store_true", help="empty a server database's Kith tables first"
    )
    args = parser.parse_args()

    data = scratch_dir()
    values = {
        "KITH_DATA_DIR": str(data),
        "KITH_DOMAIN": DOMAIN,
        "SECRET_KEY": "archive-benchmark-secret",
        "KITH_BASE_URL": "http://127.0.0.1",
    }
    if args.database_url:
        values["DATABASE_URL"] = args.database_url
    if args.redis_url:
        values["REDIS_URL"] = args.redis_url
    settings = load_settings(values)
    started = time.perf_counter()
    community_id, thread_id, token = seed(settings, args.posts, args.per_thread, args.reset)
    seeded = time.perf_counter() - started
    search_rows = time_search(settings, community_id, args.repeats)
    env = {
        **os.environ,
        **values,
        "REDIS_URL": redis_url(settings),
        "DATABASE_URL": settings.effective_database_url,
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
    page_rows, web_peak = time_thread_page(env, token, thread_id, args.seconds, args.connections)
    report(
        f"archive ({settings.effective_database_url.split(':')[0]}, {args.posts:,} posts)",
        [
            ("seeding (bulk inserts, index included)", f"{seeded:.1f} s"),
            *search_rows,
            *page_rows,
            ("peak memory: this process (MB)", f"{max_rss_mb():.0f}"),
            ("peak memory: Kith web processes (MB)", f"{web_peak:.0f}"),
        ],
    )


if __name__ == "__main__":
    main()
