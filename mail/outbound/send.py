"""Handing composed mail to a relay over SMTP, or capturing it in the local outbox."""

from __future__ import annotations

import contextlib
import email.policy
import logging
import os
import re
import smtplib
import socket
import ssl
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from .errors import (
    ComposeError,
    PermanentSendError,
    SendError,
    SmtpUtf8Unavailable,
    TransientSendError,
)
from .headers import smtp_address

__all__ = [
    "ComposeError",
    "HandoverRefused",
    "PermanentSendError",
    "SendError",
    "SmtpUtf8Unavailable",
    "TransientSendError",
    "make_transport",
]
log = logging.getLogger(__name__)
SMTP_POLICY = email.policy.SMTP
_DOT_AT_LINE_START = re.compile(rb"^\.", re.M)


def needs_smtputf8(data: bytes, sender: str, recipient: str) -> bool:
    """RFC 6531: an international address in the envelope or the headers."""
    head = data.split(b"\r\n\r\n", 1)[0]
    envelope = smtp_address(sender) + smtp_address(recipient)  # IDN domains as A-labels
    return not (envelope.isascii() and head.isascii())


class HandoverRefused(Exception):
    """The caller withdrew just before the final "." (it lost its lease); nothing sent."""


# Called just before the message is committed to the relay; False withdraws it.
Handover = Callable[[], bool]


class Transport(Protocol):
    def send(self, msg: EmailMessage, sender: str, recipient: str) -> str:
        """Deliver one message; return the relay's reply or raise a SendError."""

    def send_raw(
        self, data: bytes, sender: str, recipient: str, on_handover: Handover | None = None
    ) -> str:
        """Deliver one message already serialised with CRLF line ends.

        `on_handover` runs once everything but the final "." is written; if it returns
        False the message is withdrawn (HandoverRefused) and the relay discards it.
        """

    def close(self) -> None: ...


class OutboxTransport:
    """Development transport: one .eml file per message in a folder, nothing leaves."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def send(self, msg: EmailMessage, sender: str, recipient: str) -> str:
        return self.send_raw(msg.as_bytes(policy=SMTP_POLICY), sender, recipient)

    def send_raw(
        self, data: bytes, sender: str, recipient: str, on_handover: Handover | None = None
    ) -> str:
        # Record the envelope as trace headers, as a real MTA would (RFC 5321 4.4).
        data = f"Return-Path: <{sender}>\r\nDelivered-To: {recipient}\r\n".encode() + data
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
        tmp = self.folder / f".{name}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if on_handover is not None and not on_handover():
            tmp.unlink()
            raise HandoverRefused(recipient)
        os.replace(tmp, self.folder / name)  # readers never see half a message
        return f"250 captured as {name}"

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class RelayConfig:
    host: str
    port: int
    security: str  # "plain", "starttls" or "tls"
    username: str | None
    password: str | None
    timeout: float
    helo_name: str | None = None  # None: the standard library's guess

    @classmethod
    def from_url(cls, url: str, timeout: float = 30.0, helo_name: str = "") -> RelayConfig:
        """smtp://host:25 (plain), smtp+starttls://user:pass@host:587, smtps://host:465."""
        parts = urlsplit(url)
        security = {"smtp": "plain", "smtp+starttls": "starttls", "smtps": "tls"}.get(parts.scheme)
        if security is None or not parts.hostname:
            raise ValueError(
                f"Unsupported relay URL {url!r}; use smtp://, smtp+starttls:// or smtps://"
            )
        default_port = {"plain": 25, "starttls": 587, "tls": 465}[security]
        return cls(
            host=parts.hostname,
            port=parts.port or default_port,
            security=security,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            timeout=timeout,
            helo_name=helo_name or None,
        )


class SMTPTransport:
    """Keeps one connection to the relay open and reuses it for every message."""

    def __init__(self, config: RelayConfig) -> None:
        self.config = config
        self._conn: smtplib.SMTP | None = None
        self._tls_failed = False

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        try:
            if cfg.security == "tls":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    cfg.host,
                    cfg.port,
                    local_hostname=cfg.helo_name,
                    timeout=cfg.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                conn = self._plain_or_starttls()
            # DATA goes out in two writes (the message, then the final "." after the
            # hand-over mark): without TCP_NODELAY, Nagle holds the "." until the relay's
            # delayed ACK, ~40 ms per message.
            if conn.sock is not None:
                conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if cfg.username:
                conn.login(cfg.username, cfg.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentSendError(_reply(exc.smtp_code, exc.smtp_error)) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientSendError(f"cannot reach relay {cfg.host}:{cfg.port}: {exc}") from exc
        return conn

    def _plain_or_starttls(self) -> smtplib.SMTP:
        """smtp+starttls:// insists on a verified STARTTLS. smtp:// takes STARTTLS when
        the relay offers it (RFC 3207), unverified (RFC 7435 opportunistic security:
        better than plain text); if that handshake fails, it reconnects in plain text
        and stays so for this process."""
        cfg = self.config
        conn = smtplib.SMTP(cfg.host, cfg.port, local_hostname=cfg.helo_name, timeout=cfg.timeout)
        conn.ehlo()
        if cfg.security == "starttls":
            conn.starttls(context=ssl.create_default_context())
            conn.ehlo()
            return conn
        if not conn.has_extn("starttls") or self._tls_failed:
            return conn
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        try:
            conn.starttls(context=context)
            conn.ehlo()
            return conn
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("STARTTLS with %s failed (%s); sending in plain text", cfg.host, exc)
            self._tls_failed = True
            with contextlib.suppress(OSError, smtplib.SMTPException):
                conn.close()
        conn = smtplib.SMTP(cfg.host, cfg.port, local_hostname=cfg.helo_name, timeout=cfg.timeout)
        conn.ehlo()
        return conn

    def send(self, msg: EmailMessage, sender: str, recipient: str) -> str:
        return self.send_raw(msg.as_bytes(policy=SMTP_POLICY), sender, recipient)

    def send_raw(
        self, data: bytes, sender: str, recipient: str, on_handover: Handover | None = None
    ) -> str:
        for attempt in (1, 2):
            fresh = self._conn is None
            if self._conn is None:
                self._conn = self._connect()
            try:
                return self._transaction(self._conn, data, sender, recipient, on_handover)
            except HandoverRefused:
                self.close(polite=False)  # a dropped DATA is discarded by the relay
                raise
            except smtplib.SMTPServerDisconnected as exc:
                # A reused connection the relay had already closed: reconnect once.
                self._conn = None
                if fresh or attempt == 2:
                    raise TransientSendError(f"relay disconnected: {exc}") from exc
            except SendError:
                self._reset()
                raise
            except (OSError, smtplib.SMTPException) as exc:
                self.close()
                raise TransientSendError(f"relay connection failed: {exc}") from exc
            except BaseException:
                # The hand-over hook failed mid-DATA: drop the connection, so the
                # relay discards the unfinished message rather than deliver it.
                self.close(polite=False)
                raise
        raise AssertionError("unreachable")

    @staticmethod
    def _transaction(
        conn: smtplib.SMTP,
        data: bytes,
        sender: str,
        recipient: str,
        on_handover: Handover | None,
    ) -> str:
        # Spelled out rather than sendmail() so we keep the relay's final reply
        # ("250 2.0.0 queued as ...") for the ledger, and so the caller can record
        # the hand-over just before the final "." commits the message to the relay.
        conn.ehlo_or_helo_if_needed()
        options: list[str] = []
        if needs_smtputf8(data, sender, recipient):
            if not conn.has_extn("smtputf8"):
                raise SmtpUtf8Unavailable(
                    f"the relay does not offer SMTPUTF8, needed for {recipient} (RFC 6531)",
                    "mail",
                )
            options = ["SMTPUTF8", "BODY=8BITMIME"]
        code, text = conn.mail(smtp_address(sender), options)
        if code != 250:
            raise _classify(code, text, "mail")
        code, text = conn.rcpt(smtp_address(recipient))
        if code not in (250, 251):
            raise _classify(code, text, "rcpt")
        code, text = conn.docmd("DATA")
        if code != 354:
            raise _classify(code, text, "data")
        body = _DOT_AT_LINE_START.sub(b"..", data)  # RFC 5321 4.5.2 transparency
        conn.send(body if body.endswith(b"\r\n") else body + b"\r\n")
        if on_handover is not None and not on_handover():
            raise HandoverRefused(recipient)
        conn.send(b".\r\n")
        code, text = conn.getreply()
        if code != 250:
            raise _classify(code, text, "data")
        return _reply(code, text)

    def _reset(self) -> None:
        # After a refused transaction the session is still usable once reset.
        try:
            if self._conn is not None:
                self._conn.rset()
        except (OSError, smtplib.SMTPException):
            self.close()

    def close(self, polite: bool = True) -> None:
        if self._conn is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                if polite:
                    self._conn.quit()
                else:
                    self._conn.close()
            self._conn = None


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


def _classify(code: int, text: bytes | str, stage: str) -> SendError:
    reply = _reply(code, text)
    if 500 <= code < 600:
        return PermanentSendError(reply, stage)
    return TransientSendError(reply, stage)


def make_transport(
    smtp_url: str, outbox: Path, timeout: float = 30.0, helo_name: str = ""
) -> Transport:
    """The relay when one is configured, else the local outbox."""
    if smtp_url:
        return SMTPTransport(RelayConfig.from_url(smtp_url, timeout, helo_name))
    return OutboxTransport(outbox)
