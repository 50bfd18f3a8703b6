"""Quote prefixes, and the helpers the marker modules compile their tables with."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .languages import LANGUAGES, phrases


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of phrases, longest first, spaces matching any whitespace."""
    unique = sorted(set(words), key=len, reverse=True)
    return "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in unique)


def is_cjk(word: str) -> bool:
    return bool(word) and ord(word[0]) >= 0x2E80  # no word boundaries in CJK scripts


def phrases_of(attribute: str) -> list[str]:
    """Every language's phrases for one field of the tables."""
    return [p for language in LANGUAGES for p in phrases(getattr(language, attribute))]


# ">" quoting, plus Supercite-style initials ("C> ...") used by Emacs and old Usenet readers.
_QUOTE = re.compile(r"\s*(?:[A-Za-z]{1,3})?>")
_QUOTE_PREFIX = re.compile(r"\s*(?:[A-Za-z]{1,3}>)?[\s>]*")


def is_quote(line: str) -> bool:
    return _QUOTE.match(line) is not None


def unquote(line: str) -> str:
    """The quoted line without its markers, e.g. '>> On ... wrote:' -> 'On ... wrote:'."""
    found = _QUOTE_PREFIX.match(line)
    return line[found.end() if found else 0 :].strip()
