"""Fuzz the parser: seeded hostile and broken messages; crashes, degraded results, timing.

    python -m benchmarks.fuzz [--cases 20000] [--seed 8]

Each case is built from the fixture emails and the reply corpus by a seeded generator:
byte flips, insertions, cuts and duplicated headers; broken transfer encodings and
charsets; deep and wide MIME structure; huge headers, lines and HTML; and the hostile
messages of the fault review (a 7 MB HTML table, multiparts 5,000 deep, messages nested
1,000 deep). It prints crashes (parse_message raising), degraded results (the parser or
the reply extractor gave up on a message), tracebacks logged, and p50/p99/max parse time.
Exit status 1 when anything crashed or p99 is 1 s or more.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from mail.inbound.parse import parse_message

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS = [
    *sorted((REPO_ROOT / "tests" / "fixtures" / "emails").glob("*.eml")),
    *sorted((REPO_ROOT / "tests" / "fixtures" / "corpus").glob("*/*.eml")),
]
DOMAIN = "kith.example"
P99_LIMIT = 1.0


class _Tracebacks(logging.Handler):
    """Counts log records that carry a traceback (none should)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.count += 1


def hostile_messages() -> Iterator[tuple[str, bytes]]:
    """The messages of the fault review, and their relatives."""
    rows = "".join(f"<tr><td>cell {i}</td><td>more {i}</td></tr>" for i in range(150_000))
    yield (
        "html_table_7mb",
        f"From: a@example.com\nContent-Type: text/html\n\n<table>{rows}</table>".encode(),
    )
    for depth in (1000, 5000):
        opening = "".join(
            f'--b{i}\nContent-Type: multipart/mixed; boundary="b{i + 1}"\n\n' for i in range(depth)
        )
        closing = "".join(f"--b{i}--\n" for i in reversed(range(depth + 1)))
        yield (
            f"multipart_{depth}_deep",
            (
                "From: a@example.com\nMIME-Version: 1.0\n"
                'Content-Type: multipart/mixed; boundary="b0"'
                f"\n\n{opening}--b{depth}\nContent-Type: text/plain\n\ndeep\n{closing}"
            ).encode(),
        )
    nested = "".join(
        f"From: p{i}@example.com\nContent-Type: message/rfc822\n\n" for i in range(1000)
    )
    yield (
        "rfc822_1000_deep",
        (
            "From: top@example.com\nContent-Type: message/rfc822\n\n"
            f"{nested}From: z@x.example\n\nx\n"
        ).encode(),
    )
    parts = "".join(f"--b\nContent-Type: text/plain\n\n{i}\n" for i in range(50_000))
    yield (
        "flat_50000_parts",
        (
            f'From: a@example.com\nContent-Type: multipart/mixed; boundary="b"\n\n{parts}--b--\n'
        ).encode(),
    )
    yield (
        "html_nested_100000",
        ("From: a@example.com\nContent-Type: text/html\n\n" + "<div>" * 100_000 + "x").encode(),
    )
    yield "header_1mb", b"From: a@example.com\nSubject: " + b"x" * 1_000_000 + b"\n\nbody\n"
    yield "line_5mb", b"From: a@example.com\n\n" + b"word " * 1_000_000
    yield "quote_markers_1mb", b"From: a@example.com\n\n" + b"> " * 500_000


def _mutations(rng: random.Random, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(rng.randint(1, 8)):
        choice = rng.random()
        position = rng.randrange(len(data) + 1)
        if choice < 0.25 and data:  # flip bytes
            for _ in range(rng.randint(1, 16)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif choice < 0.45:  # insert junk
            data[position:position] = rng.choice(_JUNK)
        elif choice < 0.6 and data:  # cut
            del data[position : position + rng.randint(1, 4000)]
        elif choice < 0.75:  # duplicate a slice (headers, boundaries)
            start = rng.randrange(len(data) + 1)
            data[position:position] = data[start : start + rng.randint(1, 2000)]
        elif choice < 0.85:
            data = data[:position]  # truncated message
        else:  # a hostile header on top
            data[0:0] = rng.choice(_HEADERS)
    return bytes(data)


_JUNK = [
    b"\x00" * 64,
    b"\r" * 50,
    b"\n" * 200,
    b"=?utf-8?B?" + b"!" * 200 + b"?=",
    b'Content-Type: multipart/mixed; boundary=""\n',
    b"Content-Transfer-Encoding: base64\n\n" + b"@@@@" * 100,
    b"Content-Type: text/html; charset=x-unknown\n\n<html><body><blockquote>" * 20,
    b"--" * 400,
    b"\xff\xfe" * 300,
    "é漢字🙂".encode() * 100,
    b'<div class="gmail_quote">' * 300,
    b"On Tue, Mar 3, 2026 at 9:12 AM Anne <anne@example.com> wrote:\n" * 50,
    b"From: x\nSent: y\nTo: z\nSubject: w\n" * 50,
    b"(" * 5000,
    b"<" * 5000 + b"@" * 5000,
]
_HEADERS = [
    b"Content-Type: message/rfc822\n",
    b"Content-Type: multipart/alternative; boundary=x\n",
    b'Content-Type: text/plain; charset="utf-16"\n',
    b"Content-Transfer-Encoding: quoted-printable\n",
    b"From: " + b"<a@b> " * 3000 + b"\n",
    b"Subject: =?gb2312?B?" + b"zfWGtA" * 500 + b"?=\n",
    b"\n\n\n",
    b"   \n\t\n",
]


def cases(count: int, seed: int) -> Iterator[tuple[str, bytes]]:
    yield from hostile_messages()
    rng = random.Random(seed)
    seeds = [path.read_bytes() for path in SEEDS]
    for number in range(count):
        yield f"mutation_{number}", _mutations(rng, rng.choice(seeds))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--cases", type=int, default=20_000, help="mutated messages to parse")
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args(argv)

    tracebacks = _Tracebacks()
    logging.getLogger().addHandler(tracebacks)
    logging.getLogger().setLevel(logging.DEBUG)
    logging.getLogger().handlers = [tracebacks]  # nothing printed: only counted
    timings: list[tuple[float, str]] = []
    crashes: list[str] = []
    degraded: list[str] = []
    for name, raw in cases(max(0, args.cases), args.seed):
        started = time.perf_counter()
        try:
            mail = parse_message(raw, our_domain=DOMAIN)
        except BaseException as exc:  # a crash: what this run exists to find
            crashes.append(f"{name}: {type(exc).__name__}: {exc}"[:200])
            continue
        finally:
            timings.append((time.perf_counter() - started, name))
        if _degraded(mail):
            degraded.append(name)
    report(timings, crashes, degraded, tracebacks.count)
    p99 = _quantile([t for t, _ in timings], 0.99)
    return 1 if crashes or p99 >= P99_LIMIT else 0


def _degraded(mail) -> bool:
    gave_up = ("parser failed", "reply extraction failed")
    return any(defect.startswith(gave_up) for defect in mail.defects)


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def report(
    timings: list[tuple[float, str]], crashes: list[str], degraded: list[str], tracebacks: int
) -> None:
    seconds = [t for t, _ in timings]
    slowest = sorted(timings, reverse=True)[:5]
    print(f"\n== parser fuzz run: {len(timings)} messages")
    print(f"  crashes             {len(crashes)}")
    for crash in crashes[:10]:
        print(f"    {crash}")
    print(f"  degraded            {len(degraded)} (parser or reply extractor gave up)")
    print(f"  tracebacks logged   {tracebacks}")
    print(f"  parse time p50      {statistics.median(seconds) * 1000:.1f} ms")
    print(f"  parse time p99      {_quantile(seconds, 0.99) * 1000:.1f} ms")
    print(f"  parse time max      {max(seconds) * 1000:.1f} ms ({slowest[0][1]})")
    print("  slowest             " + ", ".join(f"{n} {t:.2f}s" for t, n in slowest))


if __name__ == "__main__":
    sys.exit(main())
