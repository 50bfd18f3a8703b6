"""Handing composed mail to a relay over SMTP, or capturing it in the local outbox."""

from __future__ import annotations

import contextlib
import email.policy
import logging
import os
import re
import smtplib
import ssl
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)
SMTP_POLICY = email.policy.SMTP
_DOT_AT_LINE_START = re.compile(rb"^\.", re.M)
_ENHANCED = re.compile(r"^\d{3}[ -]5\.(\d{1,3})\.\d{1,3}")


class SendError(Exception):
    def __init__(self, reply: str, stage: str = "") -> None:
        super().__init__(reply)
        self.reply = reply
        self.stage = stage  # "connect", "mail", "rcpt" or "data"


class TransientSendError(SendError):
    """4xx or a connection problem: try again later."""


class PermanentSendError(SendError):
    """5xx: the relay refused for good; trying again will not help."""

    @property
    def about_recipient(self) -> bool:
        """Whether the refusal is about the recipient's address or mailbox (a bounce).

        An RFC 3463 addressing (5.1.X) or mailbox (5.2.X) code says so at any stage;
        policy, content and system codes (5.7, 5.6, 5.3) are about us or the message,
        not the member's mailbox. Without an enhanced code, a 5xx at RCPT counts.
        """
        match = _ENHANCED.match(self.reply)
        if match is None:
            return self.stage == "rcpt"
        return match.group(1) in ("1", "2")


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

    @classmethod
    def from_url(cls, url: str, timeout: float = 30.0) -> RelayConfig:
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
        )


class SMTPTransport:
    """Keeps one connection to the relay open and reuses it for every message."""

    def __init__(self, config: RelayConfig) -> None:
        self.config = config
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        context = ssl.create_default_context()
        try:
            if cfg.security == "tls":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    cfg.host, cfg.port, timeout=cfg.timeout, context=context
                )
            else:
                conn = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
                if cfg.security == "starttls":
                    conn.starttls(context=context)
            if cfg.username:
                conn.login(cfg.username, cfg.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentSendError(_reply(exc.smtp_code, exc.smtp_error)) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientSendError(f"cannot reach relay {cfg.host}:{cfg.port}: {exc}") from exc
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
        code, text = conn.mail(sender)
        if code != 250:
            raise _classify(code, text, "mail")
        code, text = conn.rcpt(recipient)
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


def make_transport(smtp_url: str, outbox: Path, timeout: float = 30.0) -> Transport:
    """The relay when one is configured, else the local outbox."""
    if smtp_url:
        return SMTPTransport(RelayConfig.from_url(smtp_url, timeout))
    return OutboxTransport(outbox)
