"""Shared helpers for the benchmarks: timing, memory, a throwaway Kith installation."""

from __future__ import annotations

import resource
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class Timing:
    seconds: float = 0.0
    count: int = 0

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


def timed(fn: Callable[[], int]) -> Timing:
    start = time.perf_counter()
    count = fn()
    return Timing(time.perf_counter() - start, count)


def best_of(runs: int, fn: Callable[[], int]) -> Timing:
    """The fastest of several runs: on a shared, noisy machine the minimum is the signal."""
    results = [timed(fn) for _ in range(runs)]
    return max(results, key=lambda t: t.rate)


def max_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def traced_memory() -> Iterator[dict[str, float]]:
    """Python-heap peak (tracemalloc) while the block runs, in MB."""
    out: dict[str, float] = {}
    tracemalloc.start()
    try:
        yield out
    finally:
        out["peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()


def scratch_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="kith-bench-"))


def report(title: str, rows: list[tuple[str, Any]]) -> None:
    print(f"\n== {title}")
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")
