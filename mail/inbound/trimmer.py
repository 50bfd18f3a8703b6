"""Text rules: classify each line of a reply, keep the new text, say what was cut and why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from community.incoming import Trim

from .attributions import (
    MAX_ATTRIBUTION_LINES,
    MAX_CONTINUATION,
    MAX_MARKER_LINE,
    attribution_span,
    ends_with_wrote,
    has_date,
    is_attribution_text,
    join_wrapped,
    looks_like_unknown_attribution,
    opens_with_attribution,
)
from .house import own_copy_start
from .markers import (
    MAX_HEADER_SCAN,
    header_blocks,
    is_banner,
    is_delimiter,
    is_footer,
    unknown_header_block,
)
from .quoting_marks import is_quote, unquote

# Line kinds, decided one line (or one wrapped group of lines) at a time.
BLANK = "blank"
TEXT = "text"
QUOTE = "quote"
ATTRIBUTION = "attribution"  # "On ... wrote:" and its localised cousins
BANNER = "banner"  # "-----Original Message-----", "Begin forwarded message:"
HEADER = "header-block"  # an embedded "From: / Sent: / To: / Subject:" block
DELIMITER = "signature"  # "-- ", "____", "-----": signatures and Outlook separators
FOOTER = "footer"  # "Sent from my iPhone" and friends
OWN_COPY = "own-copy"  # a mail of ours pasted below without quote marks

MAX_TRIM_TEXT = 2000  # characters of each cut kept for `trimmed`
_DIRECTION_MARKS = dict.fromkeys(
    map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)
_MARKER_KINDS = frozenset({QUOTE, ATTRIBUTION, BANNER, HEADER, DELIMITER, FOOTER, OWN_COPY})


@dataclass(frozen=True)
class Trimmed:
    text: str
    cuts: tuple[Trim, ...]


def normalise_line_endings(text: str) -> str:
    """CRLF (Windows) and lone CR (classic Mac) line endings become LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def trim_text(text: str) -> Trimmed:
    """The new text the sender wrote, and each piece that was cut with the rule that cut
    it: quoted history, forwarded or embedded messages, attributions, signatures."""
    if not isinstance(text, str) or not text.strip():
        return Trimmed("", ())
    lines = [line.rstrip() for line in normalise_line_endings(text).split("\n")]
    # Markers are read without the invisible direction marks right-to-left clients put
    # around attributions ("\u202bבתאריך ... כתב:\u202c"); the kept text keeps them.
    view = [line.translate(_DIRECTION_MARKS).rstrip() for line in lines]
    kinds, ends = _classify(view)
    keep = _select(view, kinds, ends)
    if not any(view[index] for index in keep):
        keep = _leading_bare_quote(view, kinds)
    kept_set = set(keep)
    first = next((index for index in keep if view[index]), len(lines))
    last = max((index for index in keep if view[index]), default=-1)
    kept = [lines[index] for index in keep if first <= index <= last]
    return Trimmed("\n".join(kept), _cuts(lines, kinds, kept_set))


def _cuts(lines: Sequence[str], kinds: Sequence[str], kept: set[int]) -> tuple[Trim, ...]:
    """Runs of removed lines, each named by the kind of its first non-blank line; a
    marker of another kind (the attribution under a signature) starts a new run."""
    cuts: list[Trim] = []
    run: list[int] = []

    def close() -> None:
        content = [i for i in run if lines[i].strip()]
        if content:
            rule = kinds[content[0]]
            rule = "text:" + ("new-text" if rule in (TEXT, BLANK) else rule)
            body = "\n".join(lines[content[0] : content[-1] + 1])
            cuts.append(Trim(rule, body[:MAX_TRIM_TEXT]))
        run.clear()

    for index in range(len(lines)):
        if index in kept:
            close()
            continue
        kind = kinds[index]
        first = next((kinds[i] for i in run if lines[i].strip()), None)
        if first is not None and kind in _MARKER_KINDS and kind != first:
            close()
        run.append(index)
    close()
    return tuple(cuts)


# -- classification ------------------------------------------------------------------------


def _fenced(lines: Sequence[str]) -> list[bool]:
    """Lines inside closed ``` fences: code, where '####' is not a signature rule."""
    inside = [False] * len(lines)
    opened: int | None = None
    for index, line in enumerate(lines):
        if line.lstrip().startswith("```") and not is_quote(line):
            if opened is None:
                opened = index
            else:
                for fenced in range(opened, index + 1):
                    inside[fenced] = True
                opened = None
    return inside


def _classify(lines: Sequence[str]) -> tuple[list[str], list[int]]:
    """Each line's kind, and for the first line of a group the index just past it."""
    count = len(lines)
    kinds = [TEXT] * count
    ends = [index + 1 for index in range(count)]
    fenced = _fenced(lines)
    blocks = header_blocks(lines)
    own = own_copy_start(lines)
    index = 0
    while index < count:
        line = lines[index]
        stripped = line.strip()
        kind = TEXT
        span = 1
        if not stripped:
            kind = BLANK
        elif fenced[index]:
            kind = TEXT
        elif index == own:
            kind, span = OWN_COPY, count - index
        elif is_quote(line):
            kind = QUOTE
        elif attribution := attribution_span(lines, index):
            kind, span = ATTRIBUTION, attribution
        elif opens_with_attribution(stripped):
            kind = ATTRIBUTION
        elif len(stripped) <= MAX_MARKER_LINE and is_banner(stripped):
            kind = BANNER
        elif index in blocks:
            kind, span = HEADER, blocks[index] - index
        elif is_delimiter(stripped):
            kind = DELIMITER
        elif is_footer(stripped):
            kind = FOOTER
        elif _introduces_history(lines, blocks, index, stripped):
            kind = ATTRIBUTION
        elif wrapped := _wrapped_unknown_attribution(lines, blocks, index):
            kind, span = ATTRIBUTION, wrapped
        elif (unknown := unknown_header_block(lines, index)) > index:
            kind, span = HEADER, unknown - index
        for covered in range(index, index + span):
            kinds[covered] = kind
        ends[index] = index + span
        index += span
    return kinds, ends


def _introduces_history(
    lines: Sequence[str],
    blocks: dict[int, int],
    index: int,
    stripped: str,
    *,
    structural: bool = False,
) -> bool:
    """The structural fallback for attributions in languages the tables lack: a short
    line ending in a colon, holding an address or a date, right above a quote or an
    embedded header block (with `structural`, only the position is checked)."""
    if not structural and not looks_like_unknown_attribution(stripped):
        return False
    after = index + 1
    while after < len(lines) and not lines[after].strip():
        after += 1
    if after >= len(lines):
        return False
    return is_quote(lines[after]) or after in blocks or unknown_header_block(lines, after) > after


def _wrapped_unknown_attribution(lines: Sequence[str], blocks: dict[int, int], index: int) -> int:
    """The structural fallback for an attribution the client wrapped: a paragraph of two
    to four short lines that, joined, end in a colon and hold an address or a date, right
    above a quote or a header block ("ti 1. jouluk. 2026 klo 9.14 Anne" +
    "(anne@example.com) kirjoitti:"). Returns its line count, 0 for none."""
    if index and lines[index - 1].strip():
        return 0  # not the start of a paragraph
    parts: list[str] = []
    for end in range(index, min(index + MAX_ATTRIBUTION_LINES, len(lines))):
        part = lines[end].strip()
        if not part or is_quote(lines[end]) or len(part) > MAX_CONTINUATION:
            return 0
        if part.endswith((".", "!", "?", "。", "！", "？")):
            return 0  # the sender's sentence
        if parts and _dated_attribution_at(lines, end):
            return 0  # a whole attribution of its own starts here, under the sender's text
        parts.append(part)
        if len(parts) < 2 or not part.endswith((":", "：")):
            continue
        if not looks_like_unknown_attribution(join_wrapped(parts)):
            return 0
        return len(parts) if _introduces_history(lines, blocks, end, part, structural=True) else 0
    return 0


def _dated_attribution_at(lines: Sequence[str], index: int) -> bool:
    span = attribution_span(lines, index)
    return bool(span) and has_date(
        join_wrapped([part.strip() for part in lines[index : index + span]])
    )


# -- choosing what to keep -----------------------------------------------------------------


def _next_content(kinds: Sequence[str], index: int) -> int:
    while index < len(kinds) and kinds[index] == BLANK:
        index += 1
    return index


def _quote_block_end(kinds: Sequence[str], start: int) -> int:
    """Index past the last quoted line of the block at `start` (blank lines may separate)."""
    end = start
    index = start
    while index < len(kinds) and kinds[index] in (QUOTE, BLANK):
        if kinds[index] == QUOTE:
            end = index + 1
        index += 1
    return end


def _quoted_history_lines(lines: Sequence[str], start: int, end: int) -> int:
    """How many leading lines of a quote block introduce an earlier message, else 0.

    Apple Mail and some webmails quote the attribution or the forwarding banner too:
    '> On 3 Mar 2026, at 09:12, Anne wrote:' or '> Begin forwarded message:'.
    """
    first = start
    while first < end and not unquote(lines[first]):
        first += 1
    if first >= end:
        return 0
    span = attribution_span(lines, first, quoted=True, limit=end)
    if span:
        return first - start + span
    opening = unquote(lines[first])
    if len(opening) <= MAX_MARKER_LINE and is_banner(opening):
        return first - start + 1
    stop = min(end, first + MAX_HEADER_SCAN)
    unquoted = [unquote(line) for line in lines[first:stop]]
    header_end = header_blocks(unquoted).get(0, 0) or _unknown_quoted_headers(unquoted)
    if header_end:
        return first - start + header_end
    if looks_like_unknown_attribution(opening) and first + 1 < end:
        return first - start + 1
    return 0


def _unknown_quoted_headers(unquoted: Sequence[str]) -> int:
    end = unknown_header_block(unquoted, 0)
    return end if end > 0 else 0


def _is_signature_dashes(line: str) -> bool:
    return line.strip() == "--"


def _skip_preamble(
    lines: Sequence[str], kinds: Sequence[str], ends: Sequence[int]
) -> tuple[int, int | None]:
    """Skip what opens the body before any new text: a lone attribution line, a decorative
    rule, or the banner and headers of a message forwarded without a note (its body is then
    what the member sends us).

    Returns where the new text may start, and the start of a quote block that an opening
    attribution introduced (a candidate for bottom-posting).
    """
    index = 0
    while True:
        first = _next_content(kinds, index)
        if first >= len(kinds):
            return first, None
        kind = kinds[first]
        if kind == ATTRIBUTION:
            index = ends[first]
            if _next_is(kinds, index, QUOTE):
                after = _next_content(kinds, index)
                return after, after
        elif kind in (BANNER, HEADER):
            index = ends[first]
        elif kind == DELIMITER and not _is_signature_dashes(lines[first]):
            index = ends[first]  # a rule above a forwarded header block, or decoration
        else:
            return first, None


def _next_is(kinds: Sequence[str], index: int, kind: str) -> bool:
    after = _next_content(kinds, index)
    return after < len(kinds) and kinds[after] == kind


def _select(lines: Sequence[str], kinds: Sequence[str], ends: Sequence[int]) -> list[int]:
    """Indices of the lines to keep, in order."""
    start, introduced = _skip_preamble(lines, kinds, ends)
    keep: list[int] = []
    quote_blocks: list[tuple[int, int]] = []
    more_quotes_after = False
    index = start
    while index < len(kinds):
        kind = kinds[index]
        if kind in (BLANK, TEXT):
            keep.append(index)
            index += 1
        elif kind == QUOTE:
            end = _quote_block_end(kinds, index)
            if not _next_is(kinds, end, TEXT):
                more_quotes_after = True  # the history under the last answer
                _drop_wrote_line(lines, keep)
                break
            quote_blocks.append((index, end))
            keep.extend(range(index, end))
            index = end
        elif kind == ATTRIBUTION and _introduces_inline_quote(kinds, ends[index]):
            index = ends[index]  # drop it; keep the quote it opens
        else:
            break  # attribution over history, banner, header block, delimiter or footer
    return _drop_quoted_history(lines, keep, quote_blocks, introduced, more_quotes_after)


def _drop_wrote_line(lines: Sequence[str], keep: list[int]) -> None:
    """ "Anne Example wrote:" right above the history being cut goes with it, even
    without the date or address a sentence like "As Bart wrote:" lacks too (that one
    introduces a quote the sender answers below, which is kept)."""
    last = len(keep)
    while last and not lines[keep[last - 1]].strip():
        last -= 1
    if last and len(keep) - last <= 1 and ends_with_wrote(lines[keep[last - 1]].strip()):
        del keep[last - 1 :]


def _introduces_inline_quote(kinds: Sequence[str], after_attribution: int) -> bool:
    """Whether the quote below an attribution is answered underneath (an inline reply)."""
    quote = _next_content(kinds, after_attribution)
    if quote >= len(kinds) or kinds[quote] != QUOTE:
        return False
    return _next_is(kinds, _quote_block_end(kinds, quote), TEXT)


def _drop_quoted_history(
    lines: Sequence[str],
    keep: list[int],
    quote_blocks: list[tuple[int, int]],
    introduced: int | None,
    more_quotes_after: bool,
) -> list[int]:
    """Remove quoted history from the kept lines while keeping inline context.

    Bottom-posting (one quote of the earlier message, then the answer) loses the quote;
    interleaved answers keep the quotes they answer, minus any quoted attribution line.
    """
    dropped: set[int] = set()
    first_text = next((index for index in keep if lines[index]), len(lines))
    bottom_posted = len(quote_blocks) == 1 and not more_quotes_after
    for start, end in quote_blocks:
        history = _quoted_history_lines(lines, start, end)
        if bottom_posted and start == first_text and (history or start == introduced):
            dropped.update(range(start, end))
            continue
        skip = start + history
        while history and skip < end and not unquote(lines[skip]):
            skip += 1  # the empty '>' lines under a dropped attribution
        dropped.update(range(start, skip))
    return [index for index in keep if index not in dropped]


def _leading_bare_quote(lines: Sequence[str], kinds: Sequence[str]) -> list[int]:
    """A body that is nothing but a quote keeps it, unless the quote is a whole earlier
    message (it opens with an attribution): then nothing new was written."""
    first = _next_content(kinds, 0)
    if first >= len(kinds) or kinds[first] != QUOTE:
        return []
    end = _quote_block_end(kinds, first)
    return [] if _quoted_history_lines(lines, first, end) else list(range(first, end))


def drop_trailing_attribution(text: str) -> tuple[str, str]:
    """(text, cut) without an attribution left dangling at its end.

    For bodies whose quote was cut away already by HTML structure: the "On <date>, Anne
    wrote:" line stays behind when the client put it outside the quote (Apple Mail,
    Thunderbird). The fewest last lines that read as one attribution are cut.
    """
    lines = text.rstrip().split("\n")
    for count in range(1, min(MAX_ATTRIBUTION_LINES, len(lines)) + 1):
        tail = [line.strip() for line in lines[-count:]]
        if not tail[0]:
            break
        joined = join_wrapped(tail)
        if is_attribution_text(joined) or looks_like_unknown_attribution(joined):
            return "\n".join(lines[:-count]).rstrip(), "\n".join(lines[-count:])
    return text, ""
