"""Periodic membership chores."""

from __future__ import annotations

from community import members
from community.db import transaction

from .runtime import now, runtime


def resume_paused_members() -> int:
    """Members whose pause date has come are active again."""
    rt = runtime()
    with transaction(rt.sessions) as session:
        return len(members.resume_paused(session, now().date()))
