"""Weekly digests at scale, through the real scheduler job and a real forking RQ worker.

    python -m benchmarks.digest [--communities 10000] [--members 15] [--posts 6]
                                [--database-url URL] [--redis-url URL]

Seeds that many communities with a week of posts and a round of check-ins, then:
1. baseline: sends the same number of pre-rendered digest messages to a local SMTP
   sink over one connection;
2. Kith: moves the (development) clock to digest time, runs the scheduler's job once
   and a `kith worker --burst` process until every digest copy reached the same sink.
Figures (messages/second, the ratio to the baseline, peak memory) are printed last.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import smtplib
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from community.db import engine_from
from community.models import (
    Commitment,
    Community,
    DeliveryMode,
    Member,
    MemberStatus,
    Post,
    Role,
    Round,
    RoundStatus,
    Thread,
)
from community.schema import upgrade
from community.settings import load_settings
from jobs import runtime as job_runtime
from jobs.queues import redis_url
from tests.helpers import uow
from tests.sink import free_port

from ._common import max_rss_mb, report, scratch_dir

DIGEST_AT = datetime(2026, 3, 8, 17, 1, tzinfo=UTC)  # Sunday of 2026-W10, after 17:00 UTC
WORDS = [
    "focus",
    "week",
    "plan",
    "write",
    "ship",
    "draft",
    "call",
    "review",
    "read",
    "walk",
    "sleep",
    "chapter",
    "client",
    "launch",
    "budget",
    "habit",
    "morning",
    "evening",
    "notes",
    "feedback",
    "idea",
]


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def seed(settings, communities: int, people: int, posts: int) -> None:
    """Bulk-insert the world with Core: the ORM would take longer than the benchmark."""
    rng = random.Random(7)
    engine = engine_from(settings)
    upgrade(engine)
    week_start = DIGEST_AT - timedelta(days=6, hours=17)
    with engine.begin() as conn:
        conn.execute(
            insert(Community),
            [
                {
                    "id": c,
                    "slug": f"c{c}",
                    "name": f"Circle {c}",
                    "description": "",
                    "host_address": f"host@c{c}.example",
                    "timezone": "UTC",
                    "capacity": 30,
                    "join_policy": "open",
                    "created_at": week_start - timedelta(days=30),
                    "preview_hours": 0,
                    "prompt_weekday": 0,
                    "prompt_hour": 8,
                    "checkin_weekday": 4,
                    "checkin_hour": 16,
                    "reminder_delay_hours": 24,
                    "digest_weekday": 6,
                    "digest_hour": 17,
                    "digest_when_quiet": True,
                    "loop_paused": False,
                    "commitment_question": "What is your one commitment?",
                    "checkin_question": "Did you do it?",
                }
                for c in range(1, communities + 1)
            ],
        )
        member_rows, thread_rows, post_rows, round_rows, commit_rows = [], [], [], [], []
        mid = tid = 0
        for c in range(1, communities + 1):
            first = mid + 1
            for p in range(people):
                mid += 1
                member_rows.append(
                    {
                        "id": mid,
                        "community_id": c,
                        "address": f"m{p}@c{c}.example" if p else f"host@c{c}.example",
                        "display_name": f"Member {p}",
                        "status": MemberStatus.ACTIVE,
                        "delivery_mode": DeliveryMode.DIGEST,
                        "role": Role.HOST if p == 0 else Role.MEMBER,
                        "created_at": week_start - timedelta(days=30),
                        "requested_at": week_start - timedelta(days=30),
                        "join_requests": 1,
                        "activated_at": week_start - timedelta(days=30),
                        "bounce_score": 0,
                        "link_version": 0,
                    }
                )
            for t in range(max(1, posts // 3)):
                tid += 1
                thread_rows.append(
                    {
                        "id": tid,
                        "community_id": c,
                        "subject": sentence(rng, 4),
                        "created_at": week_start + timedelta(hours=t * 20),
                        "last_post_at": week_start + timedelta(hours=t * 20 + 5),
                    }
                )
                for k in range(3):
                    author = first + rng.randrange(people)
                    post_rows.append(
                        {
                            "thread_id": tid,
                            "author_id": author,
                            "author_name": "Member",
                            "author_address": "m@example.com",
                            "body": sentence(rng, 40),
                            "full_text": "",
                            "message_id": f"<p{tid}.{k}@bench>",
                            "list_message_id": f"<l{tid}.{k}@bench>",
                            "created_at": week_start + timedelta(hours=t * 20 + k),
                        }
                    )
            round_rows.append(
                {
                    "id": c,
                    "community_id": c,
                    "week": "2026-W10",
                    "status": RoundStatus.OPEN,
                    "commitment_question": "What is your one commitment?",
                    "checkin_question": "Did you do it?",
                    "created_at": week_start,
                    "prompt_sent_at": week_start,
                    "checkin_sent_at": week_start + timedelta(days=4),
                }
            )
            for m in range(first, mid + 1):
                commit_rows.append(
                    {
                        "round_id": c,
                        "member_id": m,
                        "text": sentence(rng, 8),
                        "created_at": week_start,
                        "updated_at": week_start,
                        "result": rng.choice(["done", "partly", "not_done"]),
                        "reflection": sentence(rng, 6),
                        "answered_at": week_start + timedelta(days=4),
                    }
                )
        for model, rows in (
            (Member, member_rows),
            (Thread, thread_rows),
            (Post, post_rows),
            (Round, round_rows),
            (Commitment, commit_rows),
        ):
            for start in range(0, len(rows), 20000):
                conn.execute(insert(model), rows[start : start + 20000])
    engine.dispose()


def _sink(port: int, counter, ready) -> None:
    import asyncio

    from aiosmtpd.controller import Controller

    class Counting:
        async def handle_DATA(self, server, session, envelope):
            with counter.get_lock():
                counter.value += 1
            return "250 OK"

    controller = Controller(Counting(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    asyncio.run(asyncio.sleep(10**6))


class SinkProcess:
    """The SMTP sink in its own process, so it does not share a GIL with a sender."""

    def __init__(self) -> None:
        self.port = free_port()
        self.counter = multiprocessing.Value("q", 0)
        ready = multiprocessing.Event()
        self.proc = multiprocessing.Process(
            target=_sink, args=(self.port, self.counter, ready), daemon=True
        )
        self.proc.start()
        ready.wait(30)

    def count(self) -> int:
        return int(self.counter.value)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.join()


def sample_copy(settings) -> bytes:
    """One real digest copy, to send pre-rendered as the baseline."""
    from community import digests
    from mail.outbound.bulk import digest_copy, prepare_digest

    rt = job_runtime.configure(settings)
    session = rt.sessions()
    community = session.get(Community, 1)
    run = digests.start_digest(uow(session, DIGEST_AT), community, "2026-W10")
    content = digests.build_digest(uow(session, DIGEST_AT), community, run)
    member = session.scalar(select(Member).where(Member.community_id == 1).limit(1))
    from community.models import OutboundMessage

    row = OutboundMessage(
        id=0, recipient=member.address, message_id="<sample@bench>", context={"run_id": 0}
    )
    data = digest_copy(
        prepare_digest(settings, rt.signer, community, content, DIGEST_AT), row, member
    )
    session.rollback()
    session.close()
    return data


def send_prerendered(port: int, data: bytes, count: int) -> float:
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=120) as conn:
        for i in range(count):
            conn.sendmail("bounces@kith.example", [f"m{i}@example.com"], data)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--communities", type=int, default=10000)
    parser.add_argument("--members", type=int, default=15)
    parser.add_argument("--posts", type=int, default=6, help="posts per community this week")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="")
    parser.add_argument(
        "--no-dkim", action="store_true", help="send unsigned (default: a key, as in production)"
    )
    args = parser.parse_args()
    total = args.communities * args.members

    data = scratch_dir()
    sink = SinkProcess()
    env_settings = {
        "KITH_DATA_DIR": str(data),
        "KITH_DOMAIN": "kith.example",
        "KITH_SMTP_URL": f"smtp://127.0.0.1:{sink.port}",
        "KITH_DEV_CLOCK": "1",
        "SECRET_KEY": "benchmark-secret",
        "KITH_BASE_URL": "https://kith.example",
    }
    if args.database_url:
        env_settings["DATABASE_URL"] = args.database_url
    if args.redis_url:
        env_settings["REDIS_URL"] = args.redis_url
    settings = load_settings(env_settings)
    queue_url = redis_url(settings)
    if not args.no_dkim:  # what `kith dkim generate` does; every copy is then signed
        from mail.outbound.signing import default_key_path, generate_key

        generate_key(default_key_path(settings))

    t0 = time.perf_counter()
    seed(settings, args.communities, args.members, args.posts)
    seed_seconds = time.perf_counter() - t0
    sample = sample_copy(settings)

    # Baseline: the same number of pre-rendered copies to the same sink.
    base_seconds = send_prerendered(sink.port, sample, total)
    base_count = sink.count()

    # Kith: the clock moves to digest time for every process; one scheduler tick;
    # a real forking worker drains the queues.
    settings.clock().set_offset(DIGEST_AT - datetime.now(UTC))
    rt = job_runtime.configure(settings)
    from jobs.schedule import enqueue_due_work

    env = {
        **os.environ,
        **env_settings,
        "REDIS_URL": queue_url,
        "DATABASE_URL": settings.effective_database_url,
    }
    start = time.perf_counter()
    enqueued = enqueue_due_work()
    worker = subprocess.run(
        [sys.executable, "-m", "cli", "worker", "--burst"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    kith_seconds = time.perf_counter() - start
    kith_count = sink.count() - base_count
    sink.stop()
    rt.close()
    if worker.returncode:
        print(worker.stderr[-3000:], file=sys.stderr)

    import resource

    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    base_rate, kith_rate = base_count / base_seconds, kith_count / kith_seconds
    report(
        "weekly digests",
        [
            ("communities x members", f"{args.communities:,} x {args.members}"),
            ("database", settings.effective_database_url.split(":")[0]),
            ("seeding (s, not timed)", f"{seed_seconds:.1f}"),
            ("digest jobs enqueued (communities)", enqueued.get("digest", 0)),
            ("digest size (bytes)", f"{len(sample):,}"),
            ("DKIM-signed", "no" if args.no_dkim else "yes (RSA 2048, relaxed/relaxed)"),
            (
                "baseline: pre-rendered msg/s",
                f"{base_rate:,.0f} ({base_count:,} in {base_seconds:.1f} s)",
            ),
            ("kith: digests msg/s", f"{kith_rate:,.0f} ({kith_count:,} in {kith_seconds:.1f} s)"),
            ("kith total time (s)", f"{kith_seconds:.1f}"),
            ("ratio kith / pre-rendered", f"{kith_rate / base_rate:.2f}x"),
            (
                "every copy delivered",
                "yes" if kith_count == total else f"NO ({kith_count}/{total})",
            ),
            ("peak memory: benchmark process (MB)", f"{max_rss_mb():.0f}"),
            ("peak memory: worker processes (MB)", f"{child_rss:.0f}"),
        ],
    )
    Path(data).exists()


if __name__ == "__main__":
    main()
