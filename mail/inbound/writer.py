"""Group commit for the SMTP server: many arriving messages, one durable transaction.

Each DATA hands its message to one writer thread and waits. The writer takes every
message waiting at that moment, inserts them in a single transaction and commits once
(one fsync), then releases all their senders. With one client this is one commit per
message, as before; with many, the cost of durability is shared.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime

from sqlalchemy import Connection, Engine

from community.clock import Clock
from community.mailstore import Arrival, insert_arrivals, insert_arrivals_sqlite

log = logging.getLogger(__name__)
MAX_BATCH = 64
ENQUEUE_LINGER = 0.05  # seconds


class GroupCommitWriter:
    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self.engine = engine
        self.clock = clock or Clock()
        self._conn: Connection | None = None
        self._queue: queue.Queue[tuple[Arrival, Future] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="kith-inbound-writer", daemon=True)
        self._thread.start()

    def submit(self, arrival: Arrival) -> Future[tuple[int, bool]]:
        """Future of (row id, is_new), resolved once the message is committed."""
        future: Future[tuple[int, bool]] = Future()
        self._queue.put((arrival, future))
        return future

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            self._write(batch)
            if stop:
                return

    def _write(self, batch: list[tuple[Arrival, Future]]) -> None:
        arrivals, now = [a for a, _ in batch], self.clock.now()
        try:
            if self.engine.dialect.name == "sqlite":
                results = self._write_sqlite(arrivals, now)
            else:
                with self.engine.begin() as conn:
                    results = insert_arrivals(conn, arrivals, now)
        except Exception as exc:
            # Nothing of this batch is stored: every sender gets 451 and retries.
            log.exception("could not store %d inbound message(s)", len(batch))
            for _, future in batch:
                future.set_exception(exc)
            return
        for (_, future), result in zip(batch, results, strict=True):
            future.set_result(result)

    def _write_sqlite(self, arrivals: list[Arrival], now: datetime) -> list[tuple[int, bool]]:
        if self._conn is None:
            self._conn = self.engine.connect()  # owned by this thread only
        try:
            return insert_arrivals_sqlite(self._conn.connection.driver_connection, arrivals, now)
        except Exception:
            self._conn.invalidate()
            self._conn = None
            raise


class BackgroundEnqueuer:
    """Queues processing jobs off the SMTP reply path: the message is already stored,
    and a job lost here is found again by the sweeper.

    Whatever arrived since the last enqueue goes into one job, so a burst of mail
    costs a few jobs rather than one per message.
    """

    def __init__(self, enqueue: Callable[[list[int]], None]) -> None:
        self._enqueue = enqueue
        self._queue: queue.Queue[int | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="kith-inbound-enqueue", daemon=True)
        self._thread.start()

    def put(self, row_id: int) -> None:
        self._queue.put(row_id)

    def wait_idle(self) -> None:
        """Block until everything put so far has been handed to the queue."""
        self._queue.join()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                self._queue.task_done()
                return
            taken, stop = [first], False
            # Linger a moment: mail can wait 50 ms for processing, and one job for
            # a burst costs far less than a job per message.
            deadline = time.monotonic() + ENQUEUE_LINGER
            while len(taken) < MAX_BATCH:
                try:
                    more = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    self._queue.task_done()
                    break
                taken.append(more)
            try:
                self._enqueue(taken)
            except Exception:  # stored already; the sweeper will pick them up
                log.warning("could not enqueue inbound %s; left for the sweeper", taken)
            finally:
                for _ in taken:
                    self._queue.task_done()
            if stop:
                return
