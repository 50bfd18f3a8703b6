"""Display names: cleaned once on the way in, so a name can never speak as an address."""

from __future__ import annotations

import unicodedata

MAX_NAME_LENGTH = 80
# RFC 5322 specials that end a quoted phrase or start an address: a name such as
# `Bank <alerts@bank.example>` must never read as a mailbox, however it is folded.
# Commas stay: "Smith, Anne" is a real name, and the header builder quotes it.
_BREAKOUT = frozenset('<>@"\\')
# Bidirectional embeddings, overrides and isolates reorder what a reader sees
# ("moc.knab" shown as "bank.com"); the byte-order mark and zero-width space hide text.
_INVISIBLE = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u200b")


def clean_display_name(raw: str) -> str:
    """A name safe to store and to put in a From line: NFC, one line, no breakout
    characters, no hidden reordering, inner whitespace collapsed. Length is the
    caller's choice (`limit_name` or a refusal)."""
    out = []
    for ch in unicodedata.normalize("NFC", raw):
        category = unicodedata.category(ch)
        if category in ("Zl", "Zp", "Zs") or ch in "\t\r\n\v\f":
            out.append(" ")  # U+2028/U+2029 and friends: a name has one line
        elif category in ("Cc", "Cs", "Co", "Cn") or ch in _INVISIBLE or ch in _BREAKOUT:
            continue
        else:
            out.append(ch)  # letters, marks, emoji with their joiners (U+200D is Cf)
    return " ".join("".join(out).split())


def limit_name(name: str, limit: int = MAX_NAME_LENGTH) -> str:
    """Shorten a name taken from someone else's mail instead of refusing it."""
    name = clean_display_name(name)
    if len(name) <= limit:
        return name
    return name[: limit - 1].rstrip() + "…"
