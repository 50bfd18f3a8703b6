"""Line-level markers of quoted history besides attributions, compiled from the language
tables: embedded header blocks, "Original Message" banners, signature delimiters and
device footers. Every pattern is anchored and bounded so that a megabyte of hostile
text stays linear.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .attributions import EMAIL, MAX_MARKER_LINE, has_date
from .languages import (
    APPS,
    DEVICES,
    LANGUAGES,
    OUTLOOK_FOOTER,
    SENT_PREPOSITIONS,
    SENT_VERBS,
    phrases,
)
from .quoting_marks import alternation, phrases_of

# -- embedded header blocks ---------------------------------------------------------------

HEADER_KIND = {
    label.lower(): kind
    for language in LANGUAGES
    for kind, labels in language.headers.items()
    for label in phrases(labels)
}
# "From: Anne", "De : Anne" (French spacing), "*From:* Anne" (Outlook's bold, as text).
_HEADER_LINE = re.compile(
    r"[ \t]*[*_]*(?P<name>" + alternation(HEADER_KIND) + r")[*_]*[ \t]*[:：][*_]*(?:\s|$)",
    re.IGNORECASE,
)
# A label of a language the tables lack: one to three words, then a colon and a value.
_ANY_LABEL = re.compile(
    r"[ \t]*[*_]*[^\W\d_][\w.-]{0,20}(?: [\w.-]{1,20}){0,2}[*_]*[ \t]*[:：]\s*\S"
)
MIN_HEADERS = 3
MAX_HEADER_GAP = 2  # wrapped subjects and recipient lists
MAX_HEADER_SCAN = 40  # lines of a quote searched for an opening header block
_BLOCK_OPENERS = frozenset({"from", "date", "subject"})  # Thunderbird forwards open on Subject


def header_kind(line: str) -> str | None:
    if ":" not in line[:40] and "：" not in line[:40]:
        return None
    found = _HEADER_LINE.match(line)
    if not found:
        return None
    kind = HEADER_KIND[found.group("name").lower()]
    if kind == "from" and line[found.end() :].lstrip()[:1].isdigit():
        return "other"  # "From: 9am / To: 5pm" is an event's hours, not a sender
    return kind


def header_blocks(lines: Sequence[str]) -> dict[int, int]:
    """Embedded header blocks, as {first line: index past the last}, found in one pass.

    A block is at least three different headers, one of them the sender, with at most two
    wrapped lines between headers, and an address or a subject among them: enough to tell
    Outlook's block from "To: all members" or an event's "Date: / From: / To:" hours.
    """
    kinds = [header_kind(line) for line in lines]
    blocks: dict[int, int] = {}
    index = 0
    while index < len(lines):
        if kinds[index] not in _BLOCK_OPENERS:
            index += 1
            continue
        end, run_end = _header_run(lines, kinds, index)
        if end > index:
            blocks[index] = end
            index = end
        else:
            # A later start in the same run would see a subset of these headers: skip it.
            index = max(index + 1, run_end)
    return blocks


def _header_run(lines: Sequence[str], kinds: Sequence[str | None], start: int) -> tuple[int, int]:
    """(end of the header block at `start` or `start` if it is none, end of the run seen)."""
    seen: set[str] = set()
    addressed = False
    end = start
    gap = 0
    index = start
    while index < len(lines):
        kind = kinds[index]
        if kind is not None:
            seen.add(kind)
            addressed = addressed or EMAIL.search(lines[index]) is not None
            end = index + 1
            gap = 0
        elif not lines[index].strip():
            if index + 1 >= len(lines) or kinds[index + 1] is None:
                break
        else:
            gap += 1
            if gap > MAX_HEADER_GAP:
                break
        index += 1
    seen.discard("other")
    if len(seen) < MIN_HEADERS or "from" not in seen:
        return start, index
    if not addressed and "subject" not in seen:
        return start, index  # a real header block names an address or a subject
    return _folded_end(lines, end), index


def _folded_end(lines: Sequence[str], end: int) -> int:
    # RFC 822 folding: indented lines right after the last header still belong to it.
    while end < len(lines) and lines[end][:1] in (" ", "\t") and lines[end].strip():
        end += 1
    return end


def unknown_header_block(lines: Sequence[str], start: int) -> int:
    """End of a header block in a language the tables lack, or `start` when there is none.

    Three or more consecutive "Label: value" lines, one holding an address and one a
    date, form a block only when a rule or a blank line stands above them.
    """
    if ":" not in lines[start][:40] and "：" not in lines[start][:40]:
        return start
    if start > 0 and lines[start - 1].strip() and not is_delimiter(lines[start - 1].strip()):
        return start
    index = start
    addressed = dated = False
    while index < len(lines) and index - start < 8 and _ANY_LABEL.match(lines[index]):
        value = lines[index].split(":", 1)[-1] if ":" in lines[index] else lines[index]
        addressed = addressed or EMAIL.search(value) is not None
        dated = dated or has_date(value)
        index += 1
    if index - start >= MIN_HEADERS and addressed and dated:
        return _folded_end(lines, index)
    return start


# -- banners, delimiters and footers ------------------------------------------------------

_BANNER_WORD = re.compile(alternation(phrases_of("banner_words")), re.IGNORECASE)
_FORWARD_INTRO = re.compile(
    r"(?:" + alternation(phrases_of("forward_intros")) + r")\s*[:：]?$", re.I
)
# Proton writes its banner with U+2010 hyphens, others with en and em dashes.
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-"})


_BANNER_STARTS = frozenset("-*_\u2010\u2011\u2012\u2013")


def is_banner(stripped: str) -> bool:
    if len(stripped) <= 60 and _FORWARD_INTRO.match(stripped):
        return True
    if stripped[:1] not in _BANNER_STARTS:
        return False
    core = stripped.translate(_DASHES).strip("*_ \t")
    if not (core.startswith("--") and core.endswith("--")):
        return False
    inner = core.strip("- \t")
    return 3 <= len(inner) <= 60 and _BANNER_WORD.search(inner) is not None


_DELIMITER_CHARS = frozenset("-_=*~+#")
# Gmail tracking extensions leave this character on a line of its own after the signature.
_TRACKER_MARK = "ᐧ"


def is_delimiter(stripped: str) -> bool:
    """'-- ' and friends: a line of nothing but rule characters ends the new text."""
    if not stripped or (stripped[0] not in _DELIMITER_CHARS and stripped[0] != _TRACKER_MARK):
        return False
    if not stripped.strip(_TRACKER_MARK):
        return True
    core = stripped.replace(" ", "")
    return len(core) >= 2 and not set(core) - _DELIMITER_CHARS


# "Mail for Windows" keeps the link the text part gives the app's name: "Sent from
# Mail<https://go.microsoft.com/...> for Windows", "[Mail](https://...) for Windows".
_APP = (
    r"\[?(?:" + alternation(phrases(APPS)) + r"|mobil\w*"
    r"|(?:mail|e-?mail|e-post|posta|poczta|correo|courrier)(?:\]\(\S*\)|<[^\s<>]*>)?"
    r" (?:for|für|pour|para|per|voor|för|dla|для|til) windows)\b"
)
_FOOTER = re.compile(
    r"(?:"
    + "|".join([OUTLOOK_FOOTER, *(f for language in LANGUAGES for f in language.footers)])
    + r")",
    re.IGNORECASE,
)
# "Sent from <mail app or device>" in several languages. A short line only: "Sent via email
# to the committee last week." is a sentence.
_APP_FOOTER = re.compile(
    r"(?:"
    + alternation(phrases(SENT_VERBS))
    + r") (?:"
    + alternation(phrases(SENT_PREPOSITIONS))
    + r")"
    r" (?:l'|(?:der|dem|la|el|o|the) )?(?:all[- ]new )?" + _APP,
    re.IGNORECASE,
)
_MAX_APP_FOOTER_WORDS = 10
_MAX_FOOTER_WORDS = 14
# "Sent from my desk, where ..." is prose; "Sent from my iPhone" or "... my iMachine" is
# a device. A device is a known one, or a product name (capitalised or camel-cased).
_SENT_FROM_MY = re.compile(r"sent (?:from|on|with) my (\S+)", re.IGNORECASE)
_DEVICES = frozenset(phrases(DEVICES))


def is_footer(stripped: str) -> bool:
    if len(stripped) > MAX_MARKER_LINE:
        return False
    core = stripped.lstrip("(<[*_-–— ").rstrip(")>]*_ ")
    words = len(core.split())
    if _FOOTER.match(core):
        return words <= _MAX_FOOTER_WORDS and not _is_prose_sent_from(core)
    return words <= _MAX_APP_FOOTER_WORDS and _APP_FOOTER.match(core) is not None


def _is_prose_sent_from(core: str) -> bool:
    found = _SENT_FROM_MY.match(core)
    if not found:
        return False
    word = found.group(1).strip(".,!;:…")
    if word.lower() in _DEVICES:
        return False
    product = word[:1].isupper() or any(char.isupper() for char in word[1:])
    return not product or core.rstrip().endswith(("…", "..."))
