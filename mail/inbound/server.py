"""`kith smtp`: load settings, check storage, start the aiosmtpd Controller, wait for a stop."""

from __future__ import annotations

import logging
import signal
import ssl
import sys
import threading

from community.db import engine_from, make_session_factory
from community.settings import Settings, load_settings
from community.storage import StorageProblem, check_storage
from jobs.queues import enqueue_inbound

from .handler import InboundHandler
from .protocol import KithController

log = logging.getLogger(__name__)


def tls_context(settings: Settings) -> ssl.SSLContext | None:
    """STARTTLS is offered when a certificate is configured."""
    if not settings.tls_cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(settings.tls_cert, settings.tls_key or None)
    return context


def build_handler(settings: Settings) -> InboundHandler:
    # Statements wait at most the store timeout for a lock, so a locked or stuck
    # database becomes a 451 within seconds instead of a minute-long DATA.
    engine = engine_from(settings, wait_seconds=settings.inbound_store_timeout)
    return InboundHandler(
        settings, make_session_factory(engine), lambda ids: enqueue_inbound(settings, ids)
    )


def build_controller(
    settings: Settings,
    handler: InboundHandler | None = None,
    *,
    host: str | None = None,
    port: int | None = None,
) -> KithController:
    """The one place the SMTP server is put together (the tests use it too)."""
    return KithController(
        handler or build_handler(settings),
        hostname=host or settings.inbound_host,
        port=port if port is not None else settings.inbound_port,
        server_hostname=settings.domain,
        ready_timeout=10.0,
        # SMTP parameters:
        data_size_limit=settings.inbound_max_bytes,  # larger: 552 at DATA, nothing stored
        enable_SMTPUTF8=True,
        tls_context=tls_context(settings),
        require_starttls=False,  # senders without TLS are still members' MTAs
    )


def main(settings: Settings | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = settings or load_settings()
    try:
        check_storage(settings)
    except StorageProblem as exc:
        print(f"kith smtp: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    handler = build_handler(settings)
    controller = build_controller(settings, handler)
    controller.start()
    log.info("SMTP listening on %s:%s", settings.inbound_host, settings.inbound_port)
    try:
        if requeued := handler.requeue_unprocessed():
            log.info("queued %d stored message(s) left unprocessed", requeued)
    except Exception as exc:  # the sweeper finds them later
        log.warning("could not look for unprocessed messages: %s", exc)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    handler.close()
    log.info("SMTP stopped")
