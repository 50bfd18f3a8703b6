"""Inbound SMTP throughput with durable storage, against a no-op aiosmtpd handler.

    python -m benchmarks.inbound [--messages 1000] [--rounds 3] [--database-url URL]
                                 [--redis-url URL]

Both servers run in this process on 127.0.0.1; clients are smtplib on real sockets:
first one persistent connection, then 4 concurrent ones. On SQLite it measures both
durability levels (KITH_SQLITE_SYNCHRONOUS): "full" pays one fsync per commit, whose
cost on this disk is printed too. Figures are printed last, as ratios against the
no-op server measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import threading
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid

from aiosmtpd.controller import Controller
from sqlalchemy import func, inspect, select, text

from community.communities import create_community
from community.db import engine_from, make_engine, make_session_factory, transaction
from community.models import Base, InboundMessage
from community.schema import upgrade
from community.settings import load_settings
from jobs.queues import enqueue_inbound, redis_url
from mail.inbound.handler import InboundHandler
from tests.helpers import uow
from tests.sink import free_port

from ._common import Timing, max_rss_mb, report, scratch_dir, timed

BODY = (
    "Quick update from me: I finished the outline and sent it to two readers.\n"
    "This week I want to draft the first chapter, two pages a day before work.\n\n"
    "On Mon, 2 Mar 2026 at 08:00, Morning Circle <circle@kith.example> wrote:\n"
) + "> What is your one commitment for this week?\n" * 30


class NoOpHandler:
    """The baseline: accept every recipient and every message, store nothing."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


def make_messages(count: int, tag: str) -> list[bytes]:
    out = []
    for i in range(count):
        msg = EmailMessage()
        msg["From"] = "Anne <anne@example.com>"
        msg["To"] = "circle@kith.example"
        msg["Subject"] = f"Week {i} commitment"
        msg["Message-ID"] = make_msgid(idstring=f"{tag}{i}", domain="example.com")
        msg.set_content(BODY)
        out.append(msg.as_bytes(policy=SMTP))
    return out


def send_all(port: int, messages: list[bytes], clients: int) -> int:
    """Send on `clients` persistent connections in parallel; returns messages accepted."""
    chunks = [messages[i::clients] for i in range(clients)]
    accepted = [0] * clients

    def run(index: int) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as conn:
            for raw in chunks[index]:
                conn.sendmail("anne@example.com", ["circle@kith.example"], raw)
                accepted[index] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(accepted)


def serve(handler, settings) -> Controller:
    controller = Controller(
        handler, hostname="127.0.0.1", port=free_port(), data_size_limit=settings.inbound_max_bytes
    )
    controller.start()
    return controller


def fsync_ms(folder) -> float:
    """What one fsync costs on this disk: the floor of a power-loss-safe commit."""
    path = folder / "fsync-probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        start = time.perf_counter()
        for _ in range(200):
            os.write(fd, b"x" * 2048)
            os.fsync(fd)
        return (time.perf_counter() - start) / 200 * 1000
    finally:
        os.close(fd)


def prepare(settings) -> None:
    """A fresh schema with one community; refuses a database holding other tables."""
    engine = make_engine(settings.effective_database_url)
    foreign = (
        set(inspect(engine).get_table_names()) - set(Base.metadata.tables) - {"alembic_version"}
    )
    if foreign:
        raise SystemExit(f"refusing to use a database with other tables: {sorted(foreign)}")
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(engine)
    with transaction(make_session_factory(engine)) as s:
        create_community(
            uow(s, datetime.now(UTC)), slug="circle", name="Circle", host_address="hana@example.com"
        )
    engine.dispose()


def measure(settings, messages: int, rounds: int) -> tuple[dict, int, int]:
    """Best rate of `rounds` interleaved runs for the no-op and the Kith server."""
    engine = engine_from(settings)
    sessions = make_session_factory(engine)
    results: dict[int, tuple[Timing, Timing]] = {}
    accepted = 0
    for clients in (1, 4):
        best_noop, best_kith = Timing(), Timing()
        for r in range(rounds):
            # Interleaved, so both servers see the same load on a shared machine.
            ctl = serve(NoOpHandler(), settings)
            msgs = make_messages(messages, f"n{clients}r{r}")
            noop = timed(lambda c=ctl, m=msgs, n=clients: send_all(c.port, m, n))
            ctl.stop()
            handler = InboundHandler(settings, sessions, lambda ids: enqueue_inbound(settings, ids))
            ctl = serve(handler, settings)
            msgs = make_messages(messages, f"k{clients}r{r}{settings.sqlite_synchronous}")
            kith = timed(lambda c=ctl, m=msgs, n=clients: send_all(c.port, m, n))
            ctl.stop()
            handler.close()
            accepted += kith.count
            best_noop = max(best_noop, noop, key=lambda t: t.rate)
            best_kith = max(best_kith, kith, key=lambda t: t.rate)
        results[clients] = (best_noop, best_kith)
    # Every accepted message must be durably stored: count through a new connection.
    check = make_engine(settings.effective_database_url)
    with check.connect() as conn:
        stored = conn.execute(select(func.count(InboundMessage.id))).scalar_one()
    check.dispose()
    engine.dispose()
    return results, accepted, stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1000, help="per run")
    parser.add_argument("--rounds", type=int, default=3, help="runs per figure; best is kept")
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp folder")
    parser.add_argument("--redis-url", default="", help="default: embedded Redis")
    args = parser.parse_args()

    data = scratch_dir()
    modes = ["full", "normal"] if not args.database_url else ["server"]
    rows: list[tuple[str, object]] = [
        ("database", "sqlite" if not args.database_url else args.database_url.split(":")[0]),
        ("redis", "server" if args.redis_url else "embedded"),
        ("messages per run x rounds", f"{args.messages} x {args.rounds}"),
        ("message size (bytes)", len(make_messages(1, "s")[0])),
        ("fsync on this disk (ms)", f"{fsync_ms(data):.2f}"),
    ]
    for mode in modes:
        settings = load_settings(
            {},
            data_dir=str(data / mode),
            database_url=args.database_url,
            redis_url=args.redis_url,
            domain="kith.example",
            sqlite_synchronous="full" if mode == "server" else mode,
        )
        redis_url(settings)  # start the embedded Redis before timing anything
        prepare(settings)
        results, accepted, stored = measure(settings, args.messages, args.rounds)
        label = {"full": "sqlite full sync", "normal": "sqlite normal sync"}.get(mode, mode)
        for clients, (noop, kith) in results.items():
            rows += [
                (f"[{label}] {clients} client(s): no-op msg/s", f"{noop.rate:,.0f}"),
                (f"[{label}] {clients} client(s): kith msg/s", f"{kith.rate:,.0f}"),
                (f"[{label}] {clients} client(s): ratio", f"{kith.rate / noop.rate:.2f}x"),
            ]
        rows.append(
            (
                f"[{label}] accepted = stored",
                f"{accepted} = {stored}" + ("" if accepted == stored else "  MISMATCH"),
            )
        )
    rows.append(("peak memory (max RSS, MB)", f"{max_rss_mb():.0f}"))
    report("inbound SMTP with durable storage (best of rounds)", rows)


if __name__ == "__main__":
    main()
