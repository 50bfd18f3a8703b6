"""Mail to postmaster@ and abuse@, passed on to the operator as an MTA alias would."""

from __future__ import annotations

_SEPARATORS = (b"\r\n\r\n", b"\n\n")


def operator_copy(raw: bytes, operator: str) -> bytes:
    """The message exactly as received, with a Delivered-To trace line on top.

    Nothing else changes, so the operator sees the abuse report or complaint as its
    sender wrote it; line ends become CRLF for the wire.
    """
    head, body = raw, b""
    for separator in _SEPARATORS:
        before, found, after = raw.partition(separator)
        if found:
            head, body = before, after
            break
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    trace = f"Delivered-To: {operator}".encode("utf-8", "replace")
    header = b"\r\n".join([trace, *lines])
    return header + b"\r\n\r\n" + body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
