"""The time, with an optional development offset so a running system can be fast-forwarded."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path


class Clock:
    """Real UTC time, plus the offset kept in a file when one is given.

    `kith dev` turns this on so `kith clock advance 1d` moves every process (web,
    worker, scheduler) a day ahead together; production never sets an offset file.
    """

    def __init__(self, offset_file: Path | None = None) -> None:
        self.offset_file = offset_file
        self._cached: tuple[float, timedelta] | None = None

    def offset(self) -> timedelta:
        if self.offset_file is None:
            return timedelta(0)
        try:
            mtime = os.stat(self.offset_file).st_mtime
        except FileNotFoundError:
            return timedelta(0)
        if self._cached is None or self._cached[0] != mtime:
            seconds = float(self.offset_file.read_text().strip() or 0)
            self._cached = (mtime, timedelta(seconds=seconds))
        return self._cached[1]

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset()

    def set_offset(self, offset: timedelta) -> None:
        assert self.offset_file is not None
        self.offset_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.offset_file.with_suffix(".tmp")
        tmp.write_text(str(offset.total_seconds()))
        os.replace(tmp, self.offset_file)


def parse_duration(text: str) -> timedelta:
    """ "3d", "12h", "90m", "1w", "2d6h" -> timedelta. Raises ValueError otherwise."""
    units = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
    total, number = 0.0, ""
    for ch in text.strip().lower():
        if ch.isdigit() or ch == ".":
            number += ch
        elif ch in units and number:
            total += float(number) * units[ch]
            number = ""
        else:
            raise ValueError(f"cannot read duration {text!r}; try 3d, 12h or 1w2d")
    if number or not total:
        raise ValueError(f"cannot read duration {text!r}; try 3d, 12h or 1w2d")
    return timedelta(seconds=total)
