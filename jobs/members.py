"""Periodic membership chores."""

from __future__ import annotations

from community import members

from .runtime import runtime


def resume_paused_members() -> int:
    """Members whose pause date has come get mail again."""
    with runtime().units.open() as uow:
        return len(members.resume_paused(uow))
