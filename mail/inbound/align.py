"""HTML says where, the text part says how: the text-part lines that carry an HTML reply.

When the HTML alternative marks its quoted history, the cut is certain there; the text
part is what the sender's client wrote as plain text (its line breaks and blank lines).
The text part's lines are walked in order against the words of the HTML reply: a line
whose words come next in it is kept, the rest are cut.
"""

from __future__ import annotations

from .words import find_run, words

MIN_COVERAGE = 0.85  # of the HTML reply's words found in the kept lines
WINDOW = 40  # words of the HTML reply skipped at most to find a line's words


def align(base: str, reply: str) -> str | None:
    """The lines of `base` (the text part) that carry `reply` (the HTML part's new
    text), or None when the two do not correspond."""
    target = words(reply)
    if not target:
        return None
    lines = base.split("\n")
    status: list[bool | None] = [None] * len(lines)  # None: a line without words
    position = 0
    covered = 0
    for number, line in enumerate(lines):
        found = words(line)
        if not found:
            continue
        if position >= len(target):
            status[number] = False
            continue
        at = find_run(target, found, position, WINDOW)
        if at is None:
            status[number] = False
            continue
        status[number] = True
        position = at + len(found)
        covered += len(found)
    if covered < MIN_COVERAGE * len(target):
        return None
    kept = _with_wordless_lines(lines, status)
    return "\n".join(kept).strip("\n")


def _with_wordless_lines(lines: list[str], status: list[bool | None]) -> list[str]:
    """Blank and punctuation lines stay where they sit between two kept lines."""
    kept_numbers = [number for number, state in enumerate(status) if state]
    if not kept_numbers:
        return []
    first, last = kept_numbers[0], kept_numbers[-1]
    return [
        line
        for number, line in enumerate(lines)
        if first <= number <= last and status[number] is not False
    ]
