"""Reply extraction: keep what a member newly wrote, cut quoted history and signatures."""

from __future__ import annotations

from .trimmer import normalise_line_endings, trim_text

__all__ = ["extract_reply", "normalise_line_endings"]


def extract_reply(text: str) -> str:
    """Return only the new text the sender wrote: quoted history, forwarded/embedded
    previous messages, attribution lines ("On ... wrote:") and signatures removed."""
    return trim_text(text).text
