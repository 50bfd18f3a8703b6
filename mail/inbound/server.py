"""`kith smtp`: load settings, start the aiosmtpd Controller, wait for a stop signal."""

from __future__ import annotations

import logging
import signal
import threading

from aiosmtpd.controller import Controller

from community.settings import Settings, load_settings

from .handler import InboundHandler

log = logging.getLogger(__name__)


def build_controller(settings: Settings, handler: InboundHandler | None = None) -> Controller:
    return Controller(
        handler or InboundHandler(settings),
        hostname=settings.inbound_host,
        port=settings.inbound_port,
        data_size_limit=settings.inbound_max_bytes,
        server_hostname=settings.domain,
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
