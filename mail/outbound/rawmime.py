"""MIME bodies as bytes: text and HTML alternatives, attachments, the finished message.

Building an EmailMessage costs milliseconds per copy, more than everything else a
digest copy needs, and its generator re-folds headers we want left alone. The header
block comes from `headers.py`; here each body is quoted-printable-encoded with the C
encoder in `binascii` and joined with fresh boundaries. Attachment parts are made by
the standard library (its RFC 2231 filename encoding is the job of a library).
"""

from __future__ import annotations

import binascii
import uuid
from email.message import MIMEPart
from email.policy import SMTP

_PART_HEAD = (
    b'Content-Type: text/%s; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
)


def _qp(text: str) -> bytes:
    # b2a_qp keeps the input's line ends; SMTP wants CRLF.
    body = binascii.b2a_qp(text.replace("\r\n", "\n").encode("utf-8"), istext=True)
    return body.replace(b"\n", b"\r\n")


def _boundary() -> bytes:
    return f"=_kith_{uuid.uuid4().hex}".encode()


def multipart(subtype: str, parts: list[bytes]) -> bytes:
    """A multipart entity (its Content-Type line, a blank line, the parts)."""
    b = _boundary()
    out = [b'Content-Type: multipart/%s; boundary="%s"\r\n\r\n' % (subtype.encode(), b)]
    for part in parts:
        out += [b"--", b, b"\r\n", part, b"\r\n"]
    out += [b"--", b, b"--\r\n"]
    return b"".join(out)


def alternative(text: str, html: str) -> bytes:
    """multipart/alternative: plain text first, then HTML (RFC 2046 5.1.4: last is best)."""
    return multipart(
        "alternative", [_PART_HEAD % b"plain" + _qp(text), _PART_HEAD % b"html" + _qp(html)]
    )


def calendar_alternative(text: str, html: str, ics: bytes, method: str) -> bytes:
    """An iMIP invitation (RFC 6047): the text and HTML parts, then the iCalendar object
    as `text/calendar; method=...`, the part calendar-aware clients act on. Base64
    keeps the object's CRLF lines and folding exactly as written."""
    calendar = (
        b'Content-Type: text/calendar; charset="utf-8"; method=%s\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" % method.encode("ascii")
    )
    encoded = binascii.b2a_base64(ics, newline=False)
    lines = b"\r\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))
    return multipart(
        "alternative",
        [
            _PART_HEAD % b"plain" + _qp(text),
            _PART_HEAD % b"html" + _qp(html),
            calendar + lines,
        ],
    )


def attachment(data: bytes, content_type: str, filename: str) -> bytes:
    """One attachment entity, base64, its filename encoded by the standard library."""
    maintype, _, subtype = content_type.partition("/")
    if maintype in ("multipart", "message") or not subtype:
        # message/* may not be base64 (RFC 2046 5.2); forward it as an opaque file.
        maintype, subtype = "application", "octet-stream"
    part = MIMEPart(policy=SMTP)
    part.set_content(data, maintype, subtype, disposition="attachment", filename=filename or None)
    return part.as_bytes(policy=SMTP)


def with_attachments(body: bytes, attachments: list[bytes]) -> bytes:
    return multipart("mixed", [body, *attachments]) if attachments else body


def message(head: bytes, entity: bytes) -> bytes:
    """The finished message: our header block, MIME-Version, then the entity."""
    return head + b"MIME-Version: 1.0\r\n" + entity
