"""The `kith` command: host administration and the process entry points.

It is the outermost layer, so it may import every package; nothing imports it. Each
command group lives in its own module and registers itself on `main`.
"""

from . import archive, clock, communities, mail, members, processes, rituals, weekly  # noqa: F401
from .base import main

__all__ = ["main"]
