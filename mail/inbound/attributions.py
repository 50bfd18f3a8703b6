"""Attribution lines: "On <date>, Anne <anne@example.com> wrote:" in every language the
tables know, wrapped over lines, inside quotes, and the structural fallback for others."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .quoting_marks import alternation, is_cjk, is_quote, phrases_of, unquote

MAX_MARKER_LINE = 300
MAX_CONTINUATION = 200
MAX_ATTRIBUTION_LINES = 4  # Gmail and Outlook wrap "On ... wrote:" over up to four lines
MAX_ATTRIBUTION_BLANKS = 3

_WROTE = phrases_of("wrote")
_WROTE_AT_END = re.compile(
    r"(?:(?<!\w)(?:"
    + alternation(w for w in _WROTE if not is_cjk(w))
    + r")|"
    + alternation(w for w in _WROTE if is_cjk(w))
    + r")"
    # Gmail in Hungarian adds the date after the verb: "... ezt írta (időpont: ...):".
    + r"(?:\s*\([^()]{0,100}\))?\s*[:：]$",
    re.IGNORECASE,
)
# German, Dutch and Scandinavian clients put the verb before the name:
# "Am 3. März 2026 um 09:12 schrieb Anne <...>:", and Lotus Notes writes
# "Anne <anne@example.com> wrote on 03/03/2026 09:12:".
_WROTE_IN_MIDDLE = re.compile(
    r"(?<!\w)(?:" + alternation(phrases_of("wrote_before_name")) + r")(?!\w)", re.IGNORECASE
)
# Horde and other webmails lead with the verb: "Quoting Anne <anne@example.com>:".
_QUOTING = re.compile(r"(?:" + alternation(phrases_of("quoting")) + r")\s[^:：]{1,120}[:：]$", re.I)
_OPENERS = phrases_of("openers")
_OPENING_WORD = re.compile(r"(?:" + alternation(_OPENERS) + r")\s", re.IGNORECASE)
# A capitalised opening word on a continuation line starts a new attribution instead.
_FRESH_OPENING = re.compile(r"(?:" + alternation(o for o in _OPENERS if o[:1].isupper()) + r")\s")
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
    r"(?<!\w)(?:" + alternation(w for w in _WROTE if not is_cjk(w)) + r")\s*:(?=\s+\S)",
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
