"""Words of a text for comparing two renderings of it: case, punctuation, quote markers,
line breaks and whitespace do not count."""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+")
# Scripts written without spaces between words: every character counts as a word.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def words(text: str) -> list[str]:
    """The lower-cased words of `text`, in order; CJK text split per character."""
    found = _WORD.findall(text.lower())
    if not _UNSPACED.search(text):
        return found
    out: list[str] = []
    for word in found:
        if _UNSPACED.search(word):
            out.extend(_split_unspaced(word))
        else:
            out.append(word)
    return out


def _split_unspaced(word: str) -> list[str]:
    pieces: list[str] = []
    latin = ""
    for char in word:
        if _UNSPACED.match(char):
            if latin:
                pieces.append(latin)
                latin = ""
            pieces.append(char)
        else:
            latin += char
    if latin:
        pieces.append(latin)
    return pieces


def find_run(haystack: list[str], needle: list[str], start: int, window: int) -> int | None:
    """Where `needle` occurs as a contiguous run in `haystack`, searching from `start`
    over at most `window` positions; None when it does not."""
    size = len(needle)
    last = min(len(haystack) - size, start + window)
    first_word = needle[0]
    for position in range(start, last + 1):
        if haystack[position] == first_word and haystack[position : position + size] == needle:
            return position
    return None
