"""A raw SMTP client for tests that judge the exact bytes a server answers."""

from __future__ import annotations

import contextlib
import re
import socket

_DOT = re.compile(rb"^\.", re.M)


class Wire:
    def __init__(self, port: int, host: str = "127.0.0.1", ehlo: bool = True) -> None:
        self.sock = socket.create_connection((host, port), timeout=30)
        self.file = self.sock.makefile("rb")
        self.greeting = self.reply()
        self.ehlo = self.command("EHLO client.example.org") if ehlo else []

    def reply(self) -> list[bytes]:
        """Every line of one reply, exactly as received (CRLF included)."""
        lines = []
        while True:
            line = self.file.readline()
            if not line:
                raise ConnectionError("server closed the connection")
            lines.append(line)
            if line[3:4] != b"-":
                return lines

    def command(self, line: str | bytes) -> list[bytes]:
        raw = line.encode() if isinstance(line, str) else line
        self.sock.sendall(raw + b"\r\n")
        return self.reply()

    def send_data(self, message: bytes) -> list[bytes]:
        """DATA, the message (dot-stuffed), the final dot; the reply to the message."""
        start = self.command("DATA")
        assert start[0].startswith(b"354"), start
        body = _DOT.sub(b"..", message)
        self.sock.sendall(body + (b"" if body.endswith(b"\r\n") else b"\r\n") + b".\r\n")
        return self.reply()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.command("QUIT")
        self.file.close()
        self.sock.close()

    def __enter__(self) -> Wire:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def one_line(reply: list[bytes]) -> bytes:
    assert len(reply) == 1, f"expected a one-line reply, got {reply!r}"
    return reply[0]
