"""Kith's own mail as its templates write it, for replies that paste it without any mark.

Outlook and some webmails put the message being answered under the reply with no quote
marks, no header block and no attribution. When that message is one of ours we know its
shape without knowing who it was sent to: every template opens with a line of its own
(`Anne replied in "Goals":`, `THIS WEEK'S ROUND`) and the layout closes every mail with
the same footer ("Sent by Kith for <community>:"). An opening line counts only with our
footer below it, so a member writing `Bob started "Budget":` keeps their sentence.
The phrases follow templates/email/*.txt; tests/unit/test_house_text.py holds them to it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# The first line of each template a member answers (post.txt, digest.txt,
# commitment_prompt.txt, checkin_prompt.txt), as it reads once rendered.
OPENINGS = (
    r'.{1,120} (?:replied in|started) ["“].{0,300}["”]:',  # a post
    r"THIS WEEK'S ROUND",  # the commitment prompt
    r"CHECK-IN TIME",  # the check-in prompt
    r"PREVIEW: this is a preview of the digest going out .{1,40}",  # the host's preview
    r".{1,80} weekly",  # the digest, whose next line is "Week of <dates>"
)
# Lines of the layout's footer (_layout.txt) that close every mail Kith sends.
FOOTER_LINES = (
    r"Sent by Kith for .{1,120}:",
    r"You're receiving this (?:weekly digest |preview )?because .{1,200}",
)
# Lines that may open the digest only with its dates right below them.
_NEEDS_NEXT = {len(OPENINGS) - 1: re.compile(r"Week of \S.{0,60}$")}

_OPENING = [re.compile(rf"(?:{pattern})$") for pattern in OPENINGS]
_FOOTER = re.compile(rf"(?:{'|'.join(FOOTER_LINES)})$")
_MAX_LINE = 400


def own_copy_start(lines: Sequence[str]) -> int | None:
    """The line where an unmarked copy of a mail of ours begins, or None.

    The last unquoted footer line of ours is found first; the copy opens at the nearest
    unquoted template opening above it.
    """
    footer = None
    for number in range(len(lines) - 1, -1, -1):
        line = lines[number].strip()
        if len(line) <= _MAX_LINE and _FOOTER.match(line):
            footer = number
            break
    if footer is None:
        return None  # a copy behind quote marks is the quote rules' to cut
    for number in range(footer - 1, -1, -1):
        line = lines[number].strip()
        if not line or len(line) > _MAX_LINE or line[:1] == ">":
            continue
        if _opens_copy(lines, number, line):
            return number
    return None


def _opens_copy(lines: Sequence[str], number: int, line: str) -> bool:
    for index, pattern in enumerate(_OPENING):
        if not pattern.match(line):
            continue
        follow = _NEEDS_NEXT.get(index)
        if follow is None:
            return True
        after = lines[number + 1].strip() if number + 1 < len(lines) else ""
        if follow.match(after):
            return True
    return False
