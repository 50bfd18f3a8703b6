"""`kith smtp`: load settings, start the aiosmtpd Controller, wait for a stop signal."""

from __future__ import annotations

import logging
import signal
import ssl
import threading

from aiosmtpd.controller import Controller

from community.db import engine_from, make_session_factory
from community.settings import Settings, load_settings
from jobs.queues import enqueue_inbound

from .handler import InboundHandler

log = logging.getLogger(__name__)


def tls_context(settings: Settings) -> ssl.SSLContext | None:
    """STARTTLS is offered when a certificate is configured."""
    if not settings.tls_cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(settings.tls_cert, settings.tls_key or None)
    return context


def build_controller(settings: Settings, handler: InboundHandler | None = None) -> Controller:
    if handler is None:
        sessions = make_session_factory(engine_from(settings))
        handler = InboundHandler(settings, sessions, lambda ids: enqueue_inbound(settings, ids))
    return Controller(
        handler,
        hostname=settings.inbound_host,
        port=settings.inbound_port,
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
    controller = build_controller(settings)
    controller.start()
    log.info("SMTP listening on %s:%s", settings.inbound_host, settings.inbound_port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    log.info("SMTP stopped")
