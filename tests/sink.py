"""An SMTP sink on a real socket: collects what Kith sends, and can refuse on demand."""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from functools import cached_property

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    helo: str = ""
    tls: bool = False  # the message came over a STARTTLS-protected session
    mail_options: list[str] = field(default_factory=list)

    @property
    def message(self) -> EmailMessage:
        """A fresh parse each time: a test may change what it gets."""
        return BytesParser(policy=policy.default).parsebytes(self.data)  # type: ignore[return-value]

    @cached_property
    def subject(self) -> str:
        """The decoded Subject, from the header block alone (for filtering many)."""
        headers = BytesParser(policy=policy.default).parsebytes(self.data, headersonly=True)
        return str(headers["Subject"] or "")


@dataclass
class SinkHandler:
    received: list[Received] = field(default_factory=list)
    connections: int = 0
    # recipient -> SMTP reply to give at RCPT instead of accepting
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    data_delay: float = 0.0  # seconds to stall before answering DATA
    rcpt_delays: dict[str, float] = field(default_factory=dict)  # stall at RCPT for these
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.rcpt_delays:
            await asyncio.sleep(self.rcpt_delays[address])
        reply = self.rcpt_replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        with self.lock:
            self.received.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    envelope.original_content,
                    helo=session.host_name or "",
                    tls=session.ssl is not None,
                    mail_options=list(envelope.mail_options),
                )
            )
        return "250 2.0.0 Ok: queued"


class Sink:
    def __init__(self, *, smtputf8: bool = False, tls_context=None) -> None:
        self.handler = SinkHandler()
        self.port = free_port()
        self.controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            enable_SMTPUTF8=smtputf8,
            tls_context=tls_context,
        )

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def to(self, address: str) -> list[EmailMessage]:
        return [r.message for r in self.received if address in r.rcpt_tos]

    def start(self) -> Sink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
