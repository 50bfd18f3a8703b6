"""Raw bytes made safe to parse: stray lines before the headers, and bounded structure.

The standard library's parser recurses once per nested part and builds every part it
finds, so a message nested a thousand deep exhausts the stack and one with a hundred
thousand parts takes seconds. Before parsing, a linear scan of the bytes bounds both:
container types past MAX_CONTAINERS are read as opaque data, and the body is parsed up
to MAX_BOUNDARY_LINES boundary lines. The stored raw message keeps everything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CONTAINERS = 40  # multipart and message/* parts parsed as containers
MAX_BOUNDARY_LINES = 1000  # "--boundary" lines parsed

# mbox exports and some gateways put blank lines (or a byte order mark) before the first
# header; the parser would then read every header as body.
_LEADING_JUNK = re.compile(rb"\A(?:\xef\xbb\xbf)?(?:[ \t]*\r?\n)*[ \t]*(?=[!-9;-~]+[ \t]*:|From )")
_CONTAINER = re.compile(
    rb"(?im)^(content-type[ \t]*:[ \t]*(?:\r?\n[ \t]+)?)(multipart|message)(?=[ \t]*/)"
)
_BOUNDARY_LINE = re.compile(rb"(?m)^--")


@dataclass(frozen=True)
class Prepared:
    raw: bytes  # what to hand to the parser
    limit: str = ""  # why the structure was bounded ("" when it was not)
    skipped_leading_lines: bool = False


def prepare(raw: bytes) -> Prepared:
    """The bytes to parse, with the structure bounded and leading blank lines removed."""
    data = raw
    leading = _LEADING_JUNK.match(data)
    if leading and leading.end():
        data = data[leading.end() :]
    limits = []
    containers = list(_CONTAINER.finditer(data))
    if len(containers) > MAX_CONTAINERS:
        limits.append(
            f"{len(containers)} nested MIME containers (limit {MAX_CONTAINERS}); "
            "the deeper ones were not read"
        )
        data = _neuter(data, containers[MAX_CONTAINERS:])
    for count, found in enumerate(_BOUNDARY_LINE.finditer(data), start=1):
        if count > MAX_BOUNDARY_LINES:
            limits.append(f"over {MAX_BOUNDARY_LINES} MIME parts; the rest was not read")
            data = data[: found.start()]
            break
    return Prepared(data, "; ".join(limits), skipped_leading_lines=bool(leading and leading.end()))


def _neuter(data: bytes, matches: list[re.Match[bytes]]) -> bytes:
    """Rename "multipart/x" and "message/x" to "x-bounded-multipart/x" for these headers,
    so the parser keeps their content as one opaque part."""
    out = []
    position = 0
    for found in matches:
        out.append(data[position : found.start(2)])
        out.append(b"x-bounded-" + found.group(2))
        position = found.end(2)
    out.append(data[position:])
    return b"".join(out)
