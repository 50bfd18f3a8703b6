"""Throughput and memory of parse_message, against the standard library's parser alone.

    python -m benchmarks.parse [--rounds 20] [--runs 3] [--corpus PATH | --no-corpus]

Inputs: every fixture email, plus each body of the shared reply-trimmer corpus (when it
exists next to the repository) wrapped in a plain message. parse_message parses, picks
and converts the body, extracts the reply and classifies; the baseline is only
email.message_from_bytes(raw, policy=default) on the same bytes, measured in the same
run, one pass of each in turn. Figures are printed last.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from email import message_from_bytes, policy
from pathlib import Path

from mail.inbound.parse import parse_message

from ._common import Timing, max_rss_mb, report, traced_memory

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "emails"
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpora" / "reply-trimmer"
OUR_DOMAIN = "kith.example"


def fixture_messages() -> list[bytes]:
    return [path.read_bytes() for path in sorted(FIXTURES.glob("*.eml"))]


def corpus_messages(corpus: Path) -> list[bytes]:
    """Each corpus body as the text part of a minimal reply (read, never copied)."""
    bodies = sorted((corpus / "emails").glob("*.txt")) if corpus.is_dir() else []
    return [wrap_body(path.stem, path.read_bytes()) for path in bodies]


def wrap_body(name: str, body: bytes) -> bytes:
    headers = (
        "From: Anne Example <anne@example.com>\r\n"
        "To: circle+t-1-2-abcdefghijklmnop@kith.example\r\n"
        f"Subject: Re: {name}\r\n"
        "Date: Tue, 3 Mar 2026 10:00:00 +0000\r\n"
        f"Message-ID: <{name}@bench.example.com>\r\n"
        "In-Reply-To: <20260303091200.4821.kith@kith.example>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    )
    return headers.encode("ascii") + body


def pass_over(inputs: Sequence[bytes], work: Callable[[bytes], object], rounds: int) -> int:
    for _ in range(rounds):
        for raw in inputs:
            work(raw)
    return len(inputs) * rounds


def parse_fully(raw: bytes) -> object:
    return parse_message(raw, our_domain=OUR_DOMAIN)


def parse_baseline(raw: bytes) -> object:
    return message_from_bytes(raw, policy=policy.default)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20, help="passes over the inputs per run")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; the best counts")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--no-corpus", action="store_true", help="fixture emails only")
    args = parser.parse_args(argv)

    fixtures = fixture_messages()
    corpus = [] if args.no_corpus else corpus_messages(args.corpus)
    inputs = fixtures + corpus
    if not inputs:
        print(f"no fixture emails under {FIXTURES}")
        return 1
    rounds, runs = max(1, args.rounds), max(1, args.runs)

    pass_over(inputs, parse_fully, 1)  # warm-up: imports, regex compilation, caches
    baseline, ours = interleaved(inputs, rounds * runs)
    with traced_memory() as memory:
        pass_over(inputs, parse_fully, 1)

    source = f"{len(fixtures)} fixture emails + {len(corpus)} corpus bodies"
    report(
        "parse_message: parse + extract + classify",
        [
            ("inputs", f"{source} = {len(inputs)} messages ({sum(map(len, inputs)):,} bytes)"),
            ("work", f"{rounds * runs} passes of each, alternating (load drift hits both)"),
            *figures(ours, baseline, memory["peak_mb"]),
        ],
    )
    return 0


def interleaved(inputs: Sequence[bytes], passes: int) -> tuple[Timing, Timing]:
    """Baseline and parse_message timed pass by pass in turn, so that a shared machine's
    changing load weighs on both alike."""
    baseline, ours = Timing(), Timing()
    for _ in range(passes):
        for work, total in ((parse_baseline, baseline), (parse_fully, ours)):
            started = time.perf_counter()
            total.count += pass_over(inputs, work, 1)
            total.seconds += time.perf_counter() - started
    return baseline, ours


def figures(ours: Timing, baseline: Timing, peak_mb: float) -> list[tuple[str, str]]:
    return [
        ("parse_message", f"{ours.rate:,.0f} messages/s"),
        ("baseline message_from_bytes", f"{baseline.rate:,.0f} messages/s"),
        (
            "ratio",
            f"parse_message runs at {ours.rate / baseline.rate:.3f}x the baseline "
            f"({baseline.rate / ours.rate:.1f}x slower)",
        ),
        ("tracemalloc peak, one pass", f"{peak_mb:,.2f} MB"),
        ("max RSS", f"{max_rss_mb():,.1f} MB"),
    ]


if __name__ == "__main__":
    sys.exit(main())
