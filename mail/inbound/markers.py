"""Line-level markers of quoted history, compiled from the language tables.

Quote prefixes, "On ... wrote:" attributions (with a structural fallback for languages
the tables lack), embedded header blocks, "Original Message" banners, signature
delimiters and device footers. Every pattern is anchored and bounded so that a
megabyte of hostile text stays linear.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from .languages import (
    APPS,
    DEVICES,
    LANGUAGES,
    OUTLOOK_FOOTER,
    SENT_PREPOSITIONS,
    SENT_VERBS,
    phrases,
)

# Lines longer than these are prose, never markers; the limits keep every regex cheap.
MAX_MARKER_LINE = 300
MAX_CONTINUATION = 200
MAX_ATTRIBUTION_LINES = 4  # Gmail and Outlook wrap "On ... wrote:" over up to four lines
MAX_ATTRIBUTION_BLANKS = 3


def _alternation(words: Iterable[str]) -> str:
    """A regex alternation of phrases, longest first, spaces matching any whitespace."""
    unique = sorted(set(words), key=len, reverse=True)
    return "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in unique)


def _is_cjk(word: str) -> bool:
    return bool(word) and ord(word[0]) >= 0x2E80  # no word boundaries in CJK scripts


def _all(attribute: str) -> list[str]:
    return [p for language in LANGUAGES for p in phrases(getattr(language, attribute))]


# -- quotes ------------------------------------------------------------------------------

# ">" quoting, plus Supercite-style initials ("C> ...") used by Emacs and old Usenet readers.
_QUOTE = re.compile(r"\s*(?:[A-Za-z]{1,3})?>")
_QUOTE_PREFIX = re.compile(r"\s*(?:[A-Za-z]{1,3}>)?[\s>]*")


def is_quote(line: str) -> bool:
    return _QUOTE.match(line) is not None


def unquote(line: str) -> str:
    """The quoted line without its markers, e.g. '>> On ... wrote:' -> 'On ... wrote:'."""
    found = _QUOTE_PREFIX.match(line)
    return line[found.end() if found else 0 :].strip()


# -- attribution lines -------------------------------------------------------------------

_WROTE = _all("wrote")
_WROTE_AT_END = re.compile(
    r"(?:(?<!\w)(?:"
    + _alternation(w for w in _WROTE if not _is_cjk(w))
    + r")|"
    + _alternation(w for w in _WROTE if _is_cjk(w))
    + r")"
    # Gmail in Hungarian adds the date after the verb: "... ezt írta (időpont: ...):".
    + r"(?:\s*\([^()]{0,100}\))?\s*[:：]$",
    re.IGNORECASE,
)
# German, Dutch and Scandinavian clients put the verb before the name:
# "Am 3. März 2026 um 09:12 schrieb Anne <...>:", and Lotus Notes writes
# "Anne <anne@example.com> wrote on 03/03/2026 09:12:".
_WROTE_IN_MIDDLE = re.compile(
    r"(?<!\w)(?:" + _alternation(_all("wrote_before_name")) + r")(?!\w)", re.IGNORECASE
)
# Horde and other webmails lead with the verb: "Quoting Anne <anne@example.com>:".
_QUOTING = re.compile(r"(?:" + _alternation(_all("quoting")) + r")\s[^:：]{1,120}[:：]$", re.I)
_OPENERS = _all("openers")
_OPENING_WORD = re.compile(r"(?:" + _alternation(_OPENERS) + r")\s", re.IGNORECASE)
# A capitalised opening word on a continuation line starts a new attribution instead.
_FRESH_OPENING = re.compile(r"(?:" + _alternation(o for o in _OPENERS if o[:1].isupper()) + r")\s")
# "вт, 3 мар." / "mar. 3 mars": a short weekday, a comma, then the date.
_OPENING_WEEKDAY = re.compile(r"\w{1,12}\.?,\s*\d")
_TIME_OR_DATE = re.compile(r"\d{1,2}[:.h]\d{2}(?!\d)|\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_NUMBER = re.compile(r"\d+")
# An email address, found from its "@" so that the search stays linear.
EMAIL = re.compile(r"[\w.+-]@[\w-]+\.\w")
_ADDRESS = r"<[^<>\s@]+@[^<>\s]+>"
# Gmail in Russian, Ukrainian and Japanese leaves the verb out: "вт, 3 мар. 2026 г. в 09:12,
# Anne <anne@example.com>:" / "2026年3月3日(火) 9:12 Anne <anne@example.com>:".
_GMAIL_NO_VERB = re.compile(r"(?:\d|\w{1,12}\.?,\s*\d)[^<>]{0,200}" + _ADDRESS + r"\s*[:：]$")
# Gmail with ISO dates: "2026-03-03 09:12 GMT+01:00 Anne <anne@example.com>:", sometimes
# with the address lost; and older Gmail: "2026/3/3 Anne <anne@example.com>".
_GMAIL_ISO = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}\s+\d{1,2}:\d{2}\s+GMT[+-]\d{1,2}:?\d{2}\s+"
    r"(?:[^<>:]{1,80}|[^<>]{0,80}" + _ADDRESS + r"\s*[:：]?)$"
)
_GMAIL_SLASH = re.compile(r"\d{4}/\d{1,2}/\d{1,2}\s+[^<>]{1,80}" + _ADDRESS + r"\s*[:：]?$")
# A popular mutt/slrn format: "* Anne <anne@example.com> [2026-03-03 09:12]:".
_STARRED = re.compile(r"\*\s[^<>]{1,80}" + _ADDRESS + r"\s*\[[^\[\]]{4,40}\]\s*:$")


def has_date(text: str) -> bool:
    """A time, a numeric date, or a year with a day beside it ("21 de noviembre de 2013");
    a bare year ("In 2019 I wrote:") is a sentence, not a client's attribution."""
    if _TIME_OR_DATE.search(text):
        return True
    return _YEAR.search(text) is not None and len(_NUMBER.findall(text)) >= 2


def is_attribution_text(text: str) -> bool:
    """Whether one (already joined) line reads as an 'On <date>, <someone> wrote:' line."""
    if len(text) > MAX_MARKER_LINE + MAX_CONTINUATION:
        return False
    if text.endswith((":", "：")) and _is_colon_attribution(text):
        return True
    if text[:1].isdigit() and (_GMAIL_ISO.match(text) or _GMAIL_SLASH.match(text)):
        return True
    # Zoho wraps the whole line in dashes: "---- On Tue, 03 Mar 2026 Anne wrote ----".
    if text.startswith("--") and text.endswith("--"):
        inner = text.strip("-").strip()
        return bool(inner) and is_attribution_text(inner.rstrip(":") + ":")
    return False


def _is_colon_attribution(text: str) -> bool:
    ending = _WROTE_AT_END.search(text)
    if ending:
        before = text[: ending.start()]
        # A date or an address tells a client's line from a sentence like "Bart wrote:".
        if len(before.strip()) >= 2 and (EMAIL.search(before) or has_date(before)):
            return True
    in_middle = _WROTE_IN_MIDDLE.search(text) and has_date(text)
    if in_middle and (EMAIL.search(text) or _OPENING_WORD.match(text)):
        return True
    if _QUOTING.match(text) and EMAIL.search(text):
        return True
    if _GMAIL_NO_VERB.match(text) or _STARRED.match(text):
        return has_date(text)
    return False


# Yahoo Mail for Android writes the attribution and the quoted text on one line:
# "On Tue, 3 Mar 2026 at 9:12, Anne<anne@example.com> wrote:   Here are the photos".
_WROTE_THEN_TEXT = re.compile(
    r"(?<!\w)(?:" + _alternation(w for w in _WROTE if not _is_cjk(w)) + r")\s*:(?=\s+\S)",
    re.IGNORECASE,
)


def opens_with_attribution(line: str) -> bool:
    """Whether a line starts with a whole attribution and goes on with quoted text."""
    head = line[:MAX_MARKER_LINE]
    if ":" not in head or not could_open_attribution(head):
        return False
    found = _WROTE_THEN_TEXT.search(head)
    return found is not None and is_attribution_text(line[: found.end()].strip())


def ends_with_wrote(text: str) -> bool:
    """Whether a line ends with a "wrote:" verb of any language in the tables."""
    return len(text) <= MAX_MARKER_LINE + MAX_CONTINUATION and bool(_WROTE_AT_END.search(text))


def looks_like_unknown_attribution(text: str) -> bool:
    """The structural fallback for languages the tables lack: a short line ending in a
    colon that holds an address or a date. Only trusted right above quoted text or a
    header block, where a sentence of the sender's rarely stands."""
    if len(text) > MAX_MARKER_LINE or not text.endswith((":", "：")):
        return False
    return EMAIL.search(text) is not None or has_date(text)


def could_open_attribution(line: str) -> bool:
    """Whether a line may be the first of an attribution that the client wrapped."""
    return bool(
        line[:1].isdigit()
        or ("@" in line and EMAIL.search(line))
        or line.startswith("--")
        or _OPENING_WORD.match(line)
        or _OPENING_WEEKDAY.match(line)
    )


def _is_fragment(part: str) -> bool:
    """A scrap of a wrapped address ('<', 'mailto:...', '> wrote:'), not a sentence."""
    return len(part) <= 40 and not part.endswith((".", "!", "?"))


def join_wrapped(parts: Sequence[str]) -> str:
    """Undo a client's wrapping: 'Anne <' + 'anne@example.com>' -> 'Anne <anne@example.com>'."""
    text = " ".join(parts)
    text = re.sub(r"<\s+", "<", text)
    text = re.sub(r"\s+>", ">", text)
    return re.sub(r"\s+", " ", text).strip()


def attribution_span(
    lines: Sequence[str], start: int, quoted: bool = False, limit: int | None = None
) -> int:
    """How many lines form an attribution opening at `start` (0 if none does).

    Clients wrap the line over up to four lines, and HTML-to-text conversion can leave blank
    lines between the pieces of a linked address. With `quoted`, the attribution is looked
    for inside a quote (Apple Mail puts it there), and it may not run past `limit`.
    """
    first = unquote(lines[start]) if quoted else lines[start].strip()
    if not first or len(first) > MAX_MARKER_LINE:
        return 0
    if is_attribution_text(first):
        return 1
    if not could_open_attribution(first):
        return 0
    parts = [first]
    blanks = 0
    stop = len(lines) if limit is None else min(limit, len(lines))
    for index in range(start + 1, stop):
        raw = lines[index]
        looks_quoted = is_quote(raw)
        if quoted and not looks_quoted:
            return 0
        part = unquote(raw) if quoted else raw.strip()
        if not part:
            blanks += 1
            if blanks > MAX_ATTRIBUTION_BLANKS:
                return 0
            continue
        if len(parts) == MAX_ATTRIBUTION_LINES or len(part) > MAX_CONTINUATION:
            return 0
        if (blanks and not _is_fragment(part)) or _FRESH_OPENING.match(part):
            return 0  # a new paragraph or a later attribution: not ours to swallow
        # Gmail can leave the tail of a wrapped address as "> wrote:" or ">:".
        if looks_quoted and not quoted and len(part) > 20:
            return 0
        parts.append(part)
        if is_attribution_text(join_wrapped(parts)):
            return index - start + 1
        if looks_quoted and not quoted:
            return 0
    return 0


# -- embedded header blocks ---------------------------------------------------------------

HEADER_KIND = {
    label.lower(): kind
    for language in LANGUAGES
    for kind, labels in language.headers.items()
    for label in phrases(labels)
}
# "From: Anne", "De : Anne" (French spacing), "*From:* Anne" (Outlook's bold, as text).
_HEADER_LINE = re.compile(
    r"[ \t]*[*_]*(?P<name>" + _alternation(HEADER_KIND) + r")[*_]*[ \t]*[:：][*_]*(?:\s|$)",
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

_BANNER_WORD = re.compile(_alternation(_all("banner_words")), re.IGNORECASE)
_FORWARD_INTRO = re.compile(r"(?:" + _alternation(_all("forward_intros")) + r")\s*[:：]?$", re.I)
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


_APP = (
    r"\[?(?:" + _alternation(phrases(APPS)) + r"|mobil\w*"
    r"|(?:mail|e-?mail|e-post|posta|poczta|correo|courrier)(?:\]\(\S*\))?"
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
    + _alternation(phrases(SENT_VERBS))
    + r") (?:"
    + _alternation(phrases(SENT_PREPOSITIONS))
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
