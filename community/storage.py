"""Start-up checks of the data folder and the database, before a server accepts work.

A database that cannot be used safely must stop a server at start with one line
saying why, not later with a crash: SQLite maps its `-shm` file into memory, and a
mapping the file system cannot back kills the process with SIGBUS mid-transaction.
The check therefore opens the database in a child process first.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from .settings import Settings

# Opens the database the way every Kith process does (WAL, a write lock taken and
# given back), which creates and maps the -shm file.
PROBE = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=10, isolation_level=None)
conn.execute("PRAGMA journal_mode=WAL")
conn.execute("BEGIN IMMEDIATE")
conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
conn.execute("ROLLBACK")
conn.close()
"""
PROBE_TIMEOUT = 30.0


class StorageProblem(Exception):
    """The data folder or the database cannot be used; the message says why, in a line."""


def check_storage(settings: Settings, probe: str = PROBE) -> None:
    """Raise StorageProblem unless the data folder and an embedded database are usable."""
    folder = settings.data_path
    _check_folder(folder, min_free=2 * settings.inbound_max_bytes)
    url = make_url(settings.effective_database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        _probe_sqlite(Path(url.database), probe)


def _check_folder(folder: Path, *, min_free: int) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        scratch = folder / f".write-check-{os.getpid()}"
        with open(scratch, "wb") as fh:
            fh.write(b"kith")
            fh.flush()
            os.fsync(fh.fileno())
        scratch.unlink()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise StorageProblem(f"data folder {folder} is not writable: {reason}") from exc
    free = shutil.disk_usage(folder).free
    if free < min_free:
        raise StorageProblem(
            f"data folder {folder} has {free // 1024} KiB free; "
            f"at least {min_free // 1024} KiB are needed to store inbound mail"
        )


def _probe_sqlite(path: Path, probe: str) -> None:
    try:
        done = subprocess.run(
            [sys.executable, "-c", probe, str(path)],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT,
        )
    except subprocess.TimeoutExpired as exc:
        raise StorageProblem(f"database {path} did not open within {PROBE_TIMEOUT:.0f} s") from exc
    if done.returncode < 0:
        name = signal.Signals(-done.returncode).name
        raise StorageProblem(
            f"database {path} cannot be used: opening it was killed by {name} "
            f"(its {path.name}-shm file cannot be mapped; check the file system of the data folder)"
        )
    if done.returncode > 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit status {done.returncode}"
        raise StorageProblem(f"database {path} cannot be used: {reason}")
