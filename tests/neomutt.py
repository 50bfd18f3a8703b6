"""A real mail client's thread view: NeoMutt in tmux, its index read off the screen."""

from __future__ import annotations

import mailbox
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

MUTTRC = """\
set folder={folder}
set spoolfile={mbox}
set record=""
set postponed=""
set mbox_type=mbox
set read_only=yes
set header_cache=""
set help=no
set mark_old=no
set sort=threads
set sort_aux=date-sent
set strict_threads=yes
set ascii_chars=yes
set hide_thread_subject=no
set index_format="%4C|%Z|%s"
"""


def write_mbox(path: Path, messages: list[bytes]) -> Path:
    box = mailbox.mbox(str(path))
    for raw in messages:
        box.add(raw.replace(b"\r\n", b"\n"))
    box.flush()
    box.close()
    return path


def thread_view(mbox: Path, timeout: float = 20.0) -> list[str]:
    """The subject column of NeoMutt's index for `mbox`, tree drawn in, threaded by
    headers only (strict_threads: never by subject): ["Goals", "`->Re: Goals"]."""
    for tool in ("neomutt", "tmux"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} not found: run the README's test command (./dev test)")
    rc = mbox.with_suffix(".muttrc")
    rc.write_text(MUTTRC.format(folder=mbox.parent, mbox=mbox))
    session = f"kith-{mbox.stem}-{time.monotonic_ns()}"
    command = f"neomutt -n -F {rc} -f {mbox}"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "40", command],
        check=True,
        env={**os.environ, "TERM": "xterm"},
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            screen = subprocess.run(
                ["tmux", "capture-pane", "-t", session, "-p"], capture_output=True, text=True
            ).stdout
            if "NeoMutt:" in screen or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert "NeoMutt:" in screen, screen
        return [line.split("|", 2)[2].rstrip() for line in screen.splitlines() if "|" in line]
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def is_reply_in_tree(subject_column: str) -> bool:
    """A line NeoMutt draws under another message of its thread (`->, +->, |->)."""
    return re.match(r"^[\s|`+\-]*->", subject_column) is not None
