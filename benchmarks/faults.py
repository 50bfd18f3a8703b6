"""Kith under faults, with real processes: kills, locks, a flushed Redis, a refusing relay.

    python -m benchmarks.faults [--messages-per-phase 40] [--members 4]
                                [--database-url URL] [--redis-url URL]

With URLs, the database's Kith tables and the Redis database are emptied first: give
it throwaway ones.

Starts `kith smtp`, two `kith worker`s and `kith scheduler` as separate processes on
a throwaway data folder (SQLite and an embedded Redis unless URLs are given), with a
local SMTP relay that records every copy. A sender behaves like a real MTA: it keeps
a message until it gets 250, retries after a 4xx or a dropped connection, and gives
up only on a 5xx. Then, one phase after another, while mail flows:

  smtp-kill      kill -9 of `kith smtp` mid-traffic, restarted at once (several times)
  db-lock        another connection holds the write lock for 20 s
  redis-flush    every queued job vanishes with a FLUSHDB
  worker-kill    both workers killed -9 while they are mid-DATA with the relay
  relay-refuses  the relay answers 451 to every recipient for 20 s

Printed last: acknowledged, stored, delivered once, duplicated, lost and wrongly
refused, the time from each fault until everything it touched was final (sent or
failed), the hand-over window (time from "handed to relay" to "recorded sent", the
only moment a kill can make a copy go out twice), and peak memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiosmtpd.controller import Controller
from sqlalchemy import func, inspect, select, text

from community.communities import create_community
from community.db import engine_from, make_session_factory, transaction
from community.members import add_member
from community.models import Base, InboundMessage, InboundStatus, OutboundMessage, SendStatus
from community.schema import upgrade
from community.settings import load_settings
from jobs.queues import redis_url
from tests.helpers import kill_process_tree, uow
from tests.sink import free_port

from ._common import report, scratch_dir

DOMAIN = "kith.example"
SLUG = "circle"
PHASES = ("smtp-kill", "db-lock", "redis-flush", "worker-kill", "relay-refuses")
QUIET_TIMEOUT = 300.0  # seconds a phase may take to become final before it counts as stuck


# -- the relay -------------------------------------------------------------------


@dataclass
class RelayHandler:
    copies: Counter = field(default_factory=Counter)  # (Message-ID, recipient) -> times
    refusing: bool = False
    data_delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refusing:
            return "451 4.3.2 Relay busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        # Like a real MTA: the message is queued once the final "." arrives, and the
        # answer may come later. A sender killed in between sees no 250.
        mid = _header(envelope.original_content, b"message-id")
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.copies[(mid, rcpt.lower())] += 1
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        return "250 2.0.0 Ok: queued"


def _header(raw: bytes, name: bytes) -> str:
    head = raw.split(b"\r\n\r\n", 1)[0]
    for line in head.split(b"\r\n"):
        if line.lower().startswith(name + b":"):
            return line.split(b":", 1)[1].strip().decode("utf-8", "replace")
    return ""


# -- the processes ------------------------------------------------------------------


class Fleet:
    """`kith smtp`, two workers and the scheduler, each a real process."""

    def __init__(self, env: dict[str, str], smtp_port: int) -> None:
        self.env = env
        self.smtp_port = smtp_port
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str) -> None:
        command = name.split("-")[0]
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "cli", command],
            env=self.env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if command == "smtp":
            wait_for_port(self.smtp_port)

    def kill(self, name: str) -> None:
        proc = self.procs.pop(name)
        kill_process_tree(proc.pid)
        proc.wait()

    def start_all(self) -> None:
        for name in ("smtp", "worker-1", "worker-2", "scheduler"):
            self.start(name)

    def stop_all(self) -> None:
        for name in list(self.procs):
            proc = self.procs.pop(name)
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                kill_process_tree(proc.pid)


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


# -- the sending MTA ----------------------------------------------------------------


@dataclass
class Sender:
    """Sends each message until it gets 250, as a real MTA would; counts the answers."""

    port: int
    authors: list[str]
    acked: dict[str, float] = field(default_factory=dict)  # Message-ID -> when
    deferred: int = 0  # 4xx answers and dropped connections: the MTA keeps the message
    refused: list[str] = field(default_factory=list)  # 5xx answers to valid mail
    _next: int = 0

    def send_batch(self, count: int, rate: float = 10.0) -> threading.Thread:
        first, self._next = self._next, self._next + count
        thread = threading.Thread(target=self._run, args=(range(first, first + count), rate))
        thread.start()
        return thread

    def _run(self, numbers: range, rate: float) -> None:
        for n in numbers:
            self._deliver(n)
            time.sleep(1 / rate)

    def _deliver(self, n: int) -> None:
        author = self.authors[n % len(self.authors)]
        mid = f"<fault-{n}@example.com>"
        raw = (
            f"From: {author}\r\nTo: {SLUG}@{DOMAIN}\r\nSubject: Update {n}\r\n"
            f"Message-ID: {mid}\r\nDate: Tue, 03 Mar 2026 09:12:00 +0000\r\n\r\n"
            f"Progress note number {n}.\r\n"
        ).encode()
        while True:
            try:
                with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as smtp:
                    smtp.sendmail(author, [f"{SLUG}@{DOMAIN}"], raw)
                self.acked[mid] = time.monotonic()
                return
            except smtplib.SMTPRecipientsRefused as exc:
                code = next(iter(exc.recipients.values()))[0]
                if code >= 500:
                    self.refused.append(f"{mid}: {code} at RCPT")
                    return
            except smtplib.SMTPResponseException as exc:
                if exc.smtp_code >= 500:
                    self.refused.append(f"{mid}: {exc.smtp_code} {exc.smtp_error!r}")
                    return
            except (OSError, smtplib.SMTPException):
                pass  # the server went away mid-transaction: keep the message
            self.deferred += 1
            time.sleep(1.0)


# -- watching the ledger ------------------------------------------------------------


class Ledger:
    def __init__(self, settings) -> None:
        self.engine = engine_from(settings)
        self.sessions = make_session_factory(self.engine)

    def unfinished(self) -> int:
        with transaction(self.sessions, read_only=True) as s:
            inbound = s.scalar(
                select(func.count(InboundMessage.id)).where(
                    InboundMessage.status == InboundStatus.RECEIVED
                )
            )
            outbound = s.scalar(
                select(func.count(OutboundMessage.id)).where(
                    OutboundMessage.status == SendStatus.PENDING
                )
            )
        return int(inbound or 0) + int(outbound or 0)

    def in_flight(self) -> int:
        """Copies handed to the relay and not yet recorded sent: the duplicate window."""
        with transaction(self.sessions, read_only=True) as s:
            return int(
                s.scalar(
                    select(func.count(OutboundMessage.id)).where(
                        OutboundMessage.status == SendStatus.PENDING,
                        OutboundMessage.handed_at.is_not(None),
                    )
                )
                or 0
            )

    def wait_final(self, sender: Sender, expected: int, since: float) -> float:
        """Seconds from `since` until every acked message is stored and nothing is pending."""
        deadline = time.monotonic() + QUIET_TIMEOUT
        while time.monotonic() < deadline:
            if len(sender.acked) + len(sender.refused) >= expected and self.unfinished() == 0:
                return time.monotonic() - since
            time.sleep(0.5)
        return float("inf")

    def totals(self) -> dict:
        with transaction(self.sessions, read_only=True) as s:
            stored = set(s.scalars(select(InboundMessage.message_id)))
            rows = list(
                s.execute(
                    select(
                        OutboundMessage.message_id,
                        OutboundMessage.recipient,
                        OutboundMessage.status,
                        OutboundMessage.handed_at,
                        OutboundMessage.sent_at,
                    ).where(OutboundMessage.purpose == "post")
                )
            )
        return {"stored": stored, "rows": rows}


def hold_write_lock(settings, seconds: float) -> None:
    """Another connection holds the database's write lock for a while."""
    engine = engine_from(settings)
    with engine.connect() as conn:
        conn.begin()  # SQLite: BEGIN IMMEDIATE
        if engine.dialect.name == "postgresql":
            conn.execute(text("LOCK TABLE inbound_messages IN ACCESS EXCLUSIVE MODE"))
        time.sleep(seconds)
        conn.rollback()
    engine.dispose()


# -- the run -------------------------------------------------------------------------


def prepare(settings, members: int) -> list[str]:
    """A fresh schema with one community; refuses a database holding other tables."""
    engine = engine_from(settings)
    ours = set(Base.metadata.tables) | {"alembic_version"}
    foreign = set(inspect(engine).get_table_names()) - ours
    if foreign:
        raise SystemExit(f"refusing to use a database with other tables: {sorted(foreign)}")
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(engine)
    now = datetime.now(UTC)
    authors = [f"member{i}@example.com" for i in range(members)]
    with transaction(make_session_factory(engine)) as s:
        community = create_community(
            uow(s, now), slug=SLUG, name="Circle", host_address="host@example.com"
        )
        for address in authors:
            add_member(uow(s, now, DOMAIN), community, address)
    engine.dispose()
    return authors


def run(args) -> None:
    data = scratch_dir()
    relay_handler = RelayHandler()
    relay = Controller(relay_handler, hostname="127.0.0.1", port=free_port())
    relay.start()
    smtp_port = free_port()
    env_values = {
        "KITH_DATA_DIR": str(data),
        "KITH_DOMAIN": DOMAIN,
        "KITH_SMTP_URL": f"smtp://127.0.0.1:{relay.port}",
        "KITH_INBOUND_PORT": str(smtp_port),
        "SECRET_KEY": "fault-benchmark-secret",
        "KITH_BASE_URL": "https://kith.example",
        "KITH_SQLITE_SYNCHRONOUS": "normal",
    }
    if args.database_url:
        env_values["DATABASE_URL"] = args.database_url
    if args.redis_url:
        env_values["REDIS_URL"] = args.redis_url
    settings = load_settings(env_values)
    authors = prepare(settings, args.members)
    env = {
        **os.environ,
        **env_values,
        "REDIS_URL": redis_url(settings),
        "DATABASE_URL": settings.effective_database_url,
    }
    if args.redis_url:
        # Jobs left by an earlier run name rows of the schema just dropped: a backlog of
        # them would be measured as this run's recovery time.
        from redis import Redis

        Redis.from_url(args.redis_url).flushdb()
    fleet = Fleet(env, smtp_port)
    fleet.start_all()
    ledger = Ledger(settings)
    sender = Sender(smtp_port, authors)
    per_phase = args.messages_per_phase
    times: list[tuple[str, float]] = []
    windows: dict[str, int] = {}
    expected = 0

    def phase(name: str, fault) -> None:
        nonlocal expected
        expected += per_phase
        batch = sender.send_batch(per_phase)
        time.sleep(per_phase / 10 / 3)  # a third of the way into the traffic
        hit = fault()
        batch.join()
        times.append((name, ledger.wait_final(sender, expected, hit)))
        print(f"  {name}: final after {times[-1][1]:.1f} s", file=sys.stderr)

    def smtp_kills() -> float:
        first = time.monotonic()
        for _ in range(args.smtp_kills):
            fleet.kill("smtp")
            fleet.start("smtp")
            time.sleep(0.5)
        return first

    def db_lock() -> float:
        at = time.monotonic()
        hold_write_lock(settings, 20.0)
        return at

    def redis_flush() -> float:
        from redis import Redis

        Redis.from_url(env["REDIS_URL"]).flushdb()
        return time.monotonic()

    def worker_kill() -> float:
        relay_handler.data_delay = 2.0  # the workers are mid-DATA when they die
        deadline = time.monotonic() + 30
        while ledger.in_flight() == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        at = time.monotonic()
        fleet.kill("worker-1")
        fleet.kill("worker-2")
        # Handed over, never recorded sent: the copies that may now go out twice.
        windows["in flight at the kill"] = ledger.in_flight()
        relay_handler.data_delay = 0.0
        fleet.start("worker-1")
        fleet.start("worker-2")
        return at

    def relay_refuses() -> float:
        at = time.monotonic()
        relay_handler.refusing = True
        time.sleep(20)
        relay_handler.refusing = False
        return at

    faults = {
        "smtp-kill": smtp_kills,
        "db-lock": db_lock,
        "redis-flush": redis_flush,
        "worker-kill": worker_kill,
        "relay-refuses": relay_refuses,
    }
    started = time.monotonic()
    try:
        for name in args.phases.split(","):
            phase(name, faults[name])
    finally:
        fleet.stop_all()
        relay.stop()
    totals = ledger.totals()
    summarise(args, settings, sender, relay_handler, totals, times, windows, started)


def summarise(args, settings, sender, relay_handler, totals, times, windows, started) -> None:
    acked = set(sender.acked)
    stored = acked & totals["stored"]
    copies = relay_handler.copies
    rows = totals["rows"]
    once = sum(1 for r in rows if copies[(r.message_id, r.recipient)] == 1)
    duplicated = sum(1 for r in rows if copies[(r.message_id, r.recipient)] > 1)
    undelivered = [r for r in rows if copies[(r.message_id, r.recipient)] == 0]
    expected_copies = len(stored) * args.members  # every other member and the host
    hand_over = sorted(
        (r.sent_at - r.handed_at).total_seconds() * 1000
        for r in rows
        if r.sent_at is not None and r.handed_at is not None
    )

    def pct(values: list[float], q: float) -> str:
        return f"{values[min(len(values) - 1, int(q * len(values)))]:.1f}" if values else "-"

    lost = (len(acked) - len(stored)) + len(undelivered) + max(0, expected_copies - len(rows))
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report(
        f"faults ({settings.effective_database_url.split(':')[0]})",
        [
            ("messages sent", f"{sender._next} ({sender.deferred} deferrals retried by the MTA)"),
            ("acknowledged (250)", len(acked)),
            ("stored", len(stored)),
            ("wrongly refused (5xx)", len(sender.refused)),
            ("post copies expected / in the ledger", f"{expected_copies} / {len(rows)}"),
            ("delivered once", once),
            ("duplicated (only copies in flight at a kill may be)", duplicated),
            ("lost", lost),
            *((f"time to final after {name} (s)", f"{t:.1f}") for name, t in times),
            ("copies in flight at the worker kill", windows.get("in flight at the kill", 0)),
            (
                "hand-over window p50/p99/max (ms)",
                " / ".join(pct(hand_over, q) for q in (0.5, 0.99, 1.0)),
            ),
            ("whole run (s)", f"{time.monotonic() - started:.0f}"),
            ("peak memory: benchmark / Kith processes (MB)", f"{own:.0f} / {kids:.0f}"),
        ],
    )
    for line in sender.refused[:10]:
        print(f"  refused: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages-per-phase", type=int, default=40)
    parser.add_argument("--members", type=int, default=4)
    parser.add_argument("--smtp-kills", type=int, default=5)
    parser.add_argument("--phases", default=",".join(PHASES), help="comma-separated")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
