"""Our own mail first: cut the quoted copy of a message Kith sent, matched by its text.

Kith knows what it sent each member. A reply that quotes it, re-wrapped, behind ">",
"|" or indentation, turned from HTML into text, cut short, or only in part (one section
of a digest), is found line by line: a line belongs to our message when most of its
three-word runs occur in the text we sent. The attribution just above the copy goes with
it, whatever language it is in: it is the short line ending in a colon, the header block
or the banner that introduces text we know is ours.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from community.incoming import SentText, Trim

from .attributions import (
    EMAIL,
    MAX_ATTRIBUTION_LINES,
    could_open_attribution,
    ends_with_wrote,
    has_date,
    join_wrapped,
)
from .markers import (
    header_kind,
    is_banner,
    is_delimiter,
)
from .words import words

SHINGLE = 3
MIN_SHARE = 0.6  # of a line's three-word runs found in our text
MIN_QUOTED_WORDS = 3  # a quoted block this long that we sent is our copy
MIN_UNQUOTED_WORDS = 12  # an unquoted one must be longer: a member may repeat a phrase
MAX_INTRO_LINES = 8
MAX_ATTRIBUTION_CHARS = 400
MAX_TRIM_TEXT = 2000

_MARKERS = re.compile(r"^[ \t]*(?:[>|][ \t]?)+")
_INDENT = re.compile(r"^(?: {2,}|\t)")
_MIXED = re.compile(r"\d\D|\D\d")
# A signed link's token: payload, timestamp and signature, each base64url, joined by dots.
# Its timestamp part is short and changes every second, so the whole token goes.
_SIGNED = re.compile(r"[\w-]{6,}\.[\w-]{4,}\.[\w-]{8,}")

NEW = 0  # the sender's own words
KNOWN = 1  # words of ours
WEAK = 2  # a line too short to tell, whose words we also sent
NEUTRAL = 3  # blank lines and punctuation


@dataclass(frozen=True)
class _Index:
    shingles: frozenset[tuple[str, ...]]
    pairs: frozenset[tuple[str, str]]
    vocabulary: frozenset[str]


def _words(text: str) -> list[str]:
    """Words, without signed links' tokens and other random parts (they change every time
    a mail is composed: "/unsubscribe/eyJtIjoyLCJ2IjowfQ.aw-VIw.h1x6oRI4Xr...")."""
    found = words(_SIGNED.sub(" ", text))
    return [w for w in found if len(w) < 16 and not (len(w) >= 8 and _MIXED.search(w))]


def _index(texts: Sequence[str]) -> _Index:
    shingles: set[tuple[str, ...]] = set()
    pairs: set[tuple[str, str]] = set()
    vocabulary: set[str] = set()
    for text in texts:
        found = _words(text)
        vocabulary.update(found)
        pairs.update(pairwise(found))
        shingles.update(tuple(found[i : i + SHINGLE]) for i in range(len(found) - SHINGLE + 1))
    return _Index(frozenset(shingles), frozenset(pairs), frozenset(vocabulary))


@dataclass(frozen=True)
class _Line:
    text: str
    content: str  # without quote markers
    quoted: bool
    words: int
    status: int


def _read(line: str, index: _Index) -> _Line:
    marked = _MARKERS.match(line)
    content = line[marked.end() :] if marked else line
    quoted = marked is not None or _INDENT.match(line) is not None
    found = _words(content)
    if not found:
        return _Line(line, content.strip(), quoted, 0, NEUTRAL)
    if len(found) >= SHINGLE:
        runs = [tuple(found[i : i + SHINGLE]) for i in range(len(found) - SHINGLE + 1)]
        share = sum(run in index.shingles for run in runs) / len(runs)
        status = KNOWN if share >= MIN_SHARE else NEW
    elif all(word in index.vocabulary for word in found) and (
        len(found) == 1 or (found[0], found[1]) in index.pairs
    ):
        status = WEAK
    else:
        status = NEW
    return _Line(line, content.strip(), quoted, len(found), status)


def remove_known(text: str, sent: Sequence[SentText]) -> tuple[str, list[Trim]]:
    """The text without the quoted copies of mail we sent, and what was cut."""
    if not sent or not text.strip():
        return text, []
    index = _index([item.text for item in sent])
    lines = [_read(line, index) for line in text.split("\n")]
    removed = [False] * len(lines)
    cuts: list[Trim] = []
    label = "known:" + "+".join(dict.fromkeys(item.purpose for item in sent))
    for start, end in _blocks(lines):
        if not _is_copy(lines, start, end):
            continue
        start, end = _whole_quote(lines, start, end)
        if _only_history_after(lines, end):
            end = len(lines)
        start = _introduction_start(lines, start)
        for number in range(start, end):
            removed[number] = True
        body = "\n".join(line.text for line in lines[start:end]).strip("\n")
        cuts.append(Trim(label, body[:MAX_TRIM_TEXT]))
    if not cuts:
        return text, []
    _close_seams(lines, removed)
    kept = [line.text for line, gone in zip(lines, removed, strict=True) if not gone]
    return "\n".join(kept).strip("\n"), cuts


def _close_seams(lines: Sequence[_Line], removed: list[bool]) -> None:
    """Where a copy was cut between two paragraphs, one blank line stays, not two."""
    for number in range(1, len(lines)):
        if removed[number - 1] and not removed[number] and not lines[number].content:
            start = number - 1
            while start >= 0 and removed[start]:
                start -= 1
            if start < 0 or not lines[start].content:
                while number < len(lines) and not lines[number].content and not removed[number]:
                    removed[number] = True
                    number += 1


def _blocks(lines: Sequence[_Line]) -> list[tuple[int, int]]:
    """Runs of lines that are ours (or too short or empty to tell), holding one of ours."""
    blocks = []
    start = None
    for number, line in enumerate([*lines, None]):
        if line is not None and line.status != NEW:
            if start is None:
                start = number
            continue
        if start is not None:
            run = range(start, number)
            if any(lines[i].status == KNOWN for i in run):
                first = next(i for i in run if lines[i].status != NEUTRAL)
                last = max(i for i in run if lines[i].status != NEUTRAL)
                blocks.append((first, last + 1))
            start = None
    return blocks


def _is_copy(lines: Sequence[_Line], start: int, end: int) -> bool:
    block = [line for line in lines[start:end] if line.status != NEUTRAL]
    known = sum(line.words for line in block if line.status == KNOWN)
    quoted = sum(line.quoted for line in block) * 2 >= len(block)
    if quoted and known >= MIN_QUOTED_WORDS:
        return True
    if known < MIN_UNQUOTED_WORDS:
        return False
    # Unquoted words of ours (Outlook and Yahoo paste the old message without markers)
    # count only under an introduction: a member may well repeat a sentence of a digest.
    return _introduction_start(lines, start) < start


def _whole_quote(lines: Sequence[_Line], start: int, end: int) -> tuple[int, int]:
    """A quoted copy of ours takes the rest of its quote with it: lines we cannot match
    (a signed link composed anew, a client's reflowing) sit in the same quote."""
    if not lines[start].quoted:
        return start, end
    while start > 0 and lines[start - 1].quoted:
        start -= 1
    while end < len(lines) and lines[end].quoted:
        end += 1
    return start, end


def _only_history_after(lines: Sequence[_Line], end: int) -> bool:
    return all(line.status == NEUTRAL or line.quoted for line in lines[end:])


def _introduction_start(lines: Sequence[_Line], start: int) -> int:
    """Where the attribution, header block or banner right above a copy begins (`start`
    when there is none)."""
    above = start
    while above > 0 and not lines[above - 1].content:
        above -= 1
    top = above
    while top > 0 and lines[top - 1].content and above - top < MAX_INTRO_LINES:
        top -= 1
    paragraph = [line.content for line in lines[top:above]]
    if not paragraph:
        return start
    attribution = _attribution_lines(paragraph)
    if attribution:
        return _banner_above(lines, above - attribution)
    headers = _header_lines(paragraph)
    if headers:
        return _banner_above(lines, above - headers)
    if len(paragraph) == 1 and (is_banner(paragraph[0]) or is_delimiter(paragraph[0])):
        return top
    return start


def _attribution_lines(paragraph: Sequence[str]) -> int:
    """How many of the paragraph's last lines form the attribution (0 if none do).

    The most lines that read as one, as long as the first of them could open one: a
    client wraps "On <date>, Anne <" + "anne@example.com> wrote:", but "Sounds good."
    right above the line is the sender's.
    """
    best = 0
    for count in range(1, min(MAX_ATTRIBUTION_LINES, len(paragraph)) + 1):
        tail = paragraph[-count:]
        if count > 1 and not could_open_attribution(tail[0]):
            continue
        if _is_attribution(join_wrapped(tail)):
            best = count
    return best


def _is_attribution(joined: str) -> bool:
    if len(joined) > MAX_ATTRIBUTION_CHARS:
        return False
    if joined.startswith("--") and joined.endswith("--"):  # Zoho: "---- On ... wrote ----"
        return True
    if not joined.endswith((":", "：")):
        return False
    # Above text we know is ours, "Anne wrote:" needs no date to be an attribution.
    return EMAIL.search(joined) is not None or has_date(joined) or ends_with_wrote(joined)


def _header_lines(paragraph: Sequence[str]) -> int:
    """How many of the paragraph's last lines form a header block, wrapped recipient
    lists included; 0 when fewer than two lines are labelled."""
    labelled = 0
    gap = 0
    top = len(paragraph)
    for number in range(len(paragraph) - 1, -1, -1):
        if header_kind(paragraph[number]) is not None:
            labelled += 1
            gap = 0
            top = number
        else:
            gap += 1
            if gap > 2:
                break
    return len(paragraph) - top if labelled >= 2 else 0


def _banner_above(lines: Sequence[_Line], start: int) -> int:
    """Include an "-----Original Message-----" banner or an Outlook rule above."""
    above = start
    while above > 0 and not lines[above - 1].content:
        above -= 1
    if above > 0:
        content = lines[above - 1].content
        if is_banner(content) or is_delimiter(content):
            return above - 1
    return start
