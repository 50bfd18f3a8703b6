"""Fast MIME assembly for bulk mail: headers built once, bodies encoded per copy.

Building an EmailMessage costs milliseconds per copy, more than everything else a
digest copy needs. Here the header block is serialised once by the standard library
(so encoding and folding stay its job) with placeholders for the few per-recipient
values, and each copy only substitutes those and quoted-printable-encodes its two
bodies with the C encoder in `binascii`.
"""

from __future__ import annotations

import binascii
import re
import uuid
from collections.abc import Mapping
from email.message import EmailMessage
from email.policy import SMTP

_SLOT = re.compile(rb"KITHHDR([A-Z]+)X")


class HeaderTemplate:
    """A serialised header block with KITHHDR<NAME>X slots for per-copy values."""

    def __init__(self, headers: list[tuple[str, str]]) -> None:
        msg = EmailMessage(policy=SMTP)
        for name, value in headers:
            msg[name] = value
        self.boundary = f"=_kith_{uuid.uuid4().hex}"
        msg["MIME-Version"] = "1.0"
        msg["Content-Type"] = f'multipart/alternative; boundary="{self.boundary}"'
        self._block = msg.as_bytes().split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"

    def render(self, values: Mapping[str, str]) -> bytes:
        """The header block with every slot filled; values must be ASCII and one line."""

        def fill(match: re.Match[bytes]) -> bytes:
            value = values[match.group(1).decode().lower()]
            if "\r" in value or "\n" in value:
                raise ValueError("header values must not contain line breaks")
            return value.encode("ascii")

        return _SLOT.sub(fill, self._block)


def slot(name: str) -> str:
    """The placeholder to put in a header value for `HeaderTemplate.render`."""
    return f"KITHHDR{name.upper()}X"


def _qp(text: str) -> bytes:
    # b2a_qp keeps the input's line ends; SMTP wants CRLF.
    body = binascii.b2a_qp(text.replace("\r\n", "\n").encode("utf-8"), istext=True)
    return body.replace(b"\n", b"\r\n")


def alternative(template: HeaderTemplate, values: Mapping[str, str], text: str, html: str) -> bytes:
    """A complete multipart/alternative message: plain text first, then HTML."""
    b = template.boundary.encode()
    part_head = (
        b'\r\nContent-Type: text/%s; charset="utf-8"\r\n'
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    )
    return b"".join(
        (
            template.render(values),
            b"--",
            b,
            part_head % b"plain",
            _qp(text),
            b"\r\n",
            b"--",
            b,
            part_head % b"html",
            _qp(html),
            b"\r\n",
            b"--",
            b,
            b"--\r\n",
        )
    )
