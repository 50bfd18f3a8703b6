"""Signatures and sign-offs of one member: learned from their earlier mail, then cut.

Pure functions over text. A trailing block that ends two of a member's messages alike is
their signature; a last line that is their name, first name or initials ("Carol",
"-Ann", "— A.", "Cheers, Carol") is a sign-off, with the valediction above it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from community.incoming import Trim

from .attributions import EMAIL
from .languages import LANGUAGES, phrases
from .markers import is_delimiter

MAX_SIGNATURE_LINES = 8
MAX_SIGNATURE_CHARS = 600
_VALEDICTIONS = frozenset(
    p.lower() for language in LANGUAGES for p in phrases(language.valedictions)
)
# What people put around their name: "-Ann", "— A.", "~Carol", "Carol x", "Carol :)".
_NAME_DECORATION_START = "-–—~ \t*_"
_NAME_DECORATION_END = re.compile(r"(?:\s+(?:x+|xo+|:\)|:-\)|☺|😊|🙂|❤️?|♥))*[\s.!,;]*$", re.I)
_CONTACT = re.compile(r"https?://|www\.|\+?\d[\d ()./-]{6,}\d")
_VALEDICTION_SPLIT = re.compile(r"^(?P<valediction>[^,!.]{1,40})[,!.]\s*(?P<name>.{1,60})$")


@dataclass(frozen=True)
class Signature:
    """What is remembered of a member's mail: the signature so far, and the end of their
    last message (to compare the next one with)."""

    signature: str = ""
    tail: str = ""


def _norm(line: str) -> str:
    return " ".join(line.split()).lower()


def _content_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def tail_of(text: str) -> str:
    """The last lines of a message, kept to learn the member's signature from."""
    return "\n".join(_content_lines(text)[-MAX_SIGNATURE_LINES:])


def learn(previous: Signature, signed_text: str) -> Signature:
    """The member's signature after one more message (its new text, signature included).

    The lines this message ends with that the previous one ended with too become the
    signature, when they look like one: two lines or more, or one line with a link, a
    phone number, an address or three words. Otherwise the old signature stays.
    """
    tail = tail_of(signed_text)
    common = _common_ending(_content_lines(previous.tail), _content_lines(tail))
    body_lines = len(_content_lines(signed_text))
    if common and len(common) < body_lines and _looks_like_signature(common):
        return Signature("\n".join(common), tail)
    return Signature(previous.signature, tail)


def _common_ending(first: Sequence[str], second: Sequence[str]) -> list[str]:
    common: list[str] = []
    for a, b in zip(reversed(first), reversed(second), strict=False):
        if _norm(a) != _norm(b):
            break
        common.insert(0, b.strip())
    while common and is_delimiter(common[0].strip()):
        common.pop(0)
    return common


def _looks_like_signature(lines: Sequence[str]) -> bool:
    text = "\n".join(lines)
    if len(text) > MAX_SIGNATURE_CHARS:
        return False
    if len(lines) >= 2:
        return True
    line = lines[0]
    return bool(_CONTACT.search(line) or EMAIL.search(line)) or len(line.split()) >= 3


def strip_signature(text: str, signature: str, names: Iterable[str]) -> tuple[str, list[Trim]]:
    """The text without the member's learned signature and their sign-off."""
    cuts: list[Trim] = []
    text, cut = _strip_learned(text, signature)
    if cut:
        cuts.append(Trim("signature:learned", cut))
    text, cut = _strip_signoff(text, _name_forms(names))
    if cut:
        cuts.append(Trim("signature:sign-off", cut))
    return text, cuts


def _strip_learned(text: str, signature: str) -> tuple[str, str]:
    wanted = [_norm(line) for line in _content_lines(signature)]
    if not wanted:
        return text, ""
    lines = text.rstrip().split("\n")
    content = [number for number, line in enumerate(lines) if line.strip()]
    if len(content) <= len(wanted):
        return text, ""
    ending = content[-len(wanted) :]
    if [_norm(lines[number]) for number in ending] != wanted:
        return text, ""
    start = ending[0]
    above = [number for number in content if number < start]
    if above and is_delimiter(lines[above[-1]].strip()):
        start = above[-1]  # the "-- " line above it
    return "\n".join(lines[:start]).rstrip(), "\n".join(lines[start:])


@dataclass(frozen=True)
class _Forms:
    names: frozenset[str]  # "carol example", "carol", "carol e."
    initials: frozenset[str]  # "ce", "c.e.", "c": only after a dash, or with dots


def _name_forms(names: Iterable[str]) -> _Forms:
    """A member's name as people sign with it."""
    full: set[str] = set()
    initials: set[str] = set()
    for name in names:
        parts = [part for part in re.split(r"[\s,]+", name.strip()) if part and "@" not in part]
        if not parts:
            continue
        full.update({" ".join(parts).lower(), parts[0].lower()})
        letters = "".join(part[0] for part in parts).lower()
        initials.update({letters, letters[0], ".".join(letters) + ".", ". ".join(letters) + "."})
        if len(parts) >= 2:
            full.update(
                {f"{parts[0]} {parts[-1][0]}.".lower(), f"{parts[0]} {parts[-1][0]}".lower()}
            )
    return _Forms(frozenset(f for f in full if len(f) >= 2), frozenset(initials))


def _strip_signoff(text: str, forms: _Forms) -> tuple[str, str]:
    if not forms.names:
        return text, ""
    lines = text.rstrip().split("\n")
    content = [number for number, line in enumerate(lines) if line.strip()]
    if len(content) < 2:
        return text, ""  # a message that is only a name is what the member wrote
    start = _signoff_start(lines, content, forms)
    if start is None:
        return text, ""
    return "\n".join(lines[:start]).rstrip(), "\n".join(lines[start:]).strip()


def _signoff_start(lines: Sequence[str], content: Sequence[int], forms: _Forms) -> int | None:
    last = content[-1]
    line = lines[last].strip()
    if _is_name(line, forms):
        return _with_valediction(lines, content[:-1], last)
    found = _VALEDICTION_SPLIT.match(line)  # "Cheers, Carol" on one line
    if found and _is_valediction(found.group("valediction")) and _is_name(found["name"], forms):
        return last
    return _named_block(lines, content, forms)


def _with_valediction(lines: Sequence[str], above: Sequence[int], start: int) -> int:
    if len(above) >= 2 and _is_valediction(lines[above[-1]]):
        return above[-1]
    return start


def _named_block(lines: Sequence[str], content: Sequence[int], forms: _Forms) -> int | None:
    """A last paragraph that opens with the member's name ("Carol Example" / "Product
    Lead" / a link): a signature, even before it is learned."""
    last = content[-1]
    start = last
    while start > 0 and lines[start - 1].strip():
        start -= 1
    block = [number for number in content if number >= start]
    if not 2 <= len(block) <= 5 or len(block) == len(content):
        return None
    if _is_name(lines[block[0]].strip(), forms):
        return _with_valediction(lines, [n for n in content if n < start], block[0])
    if len(block) >= 3 and _is_valediction(lines[block[0]]) and _is_name(lines[block[1]], forms):
        return block[0]
    return None


def _is_name(line: str, forms: _Forms) -> bool:
    dashed = line[:1] in "-–—~"
    stripped = line.lstrip(_NAME_DECORATION_START)
    core = _NAME_DECORATION_END.sub("", stripped).lower()
    if core in forms.names:
        return True
    dotted = "." in stripped.rstrip(".!,; ")[:-1] or stripped.rstrip().endswith(".")
    initial = core if core in forms.initials else stripped.strip().lower()
    return initial in forms.initials and (dashed or dotted)


def _is_valediction(line: str) -> bool:
    core = line.strip().rstrip(",!.…:;").strip().lower()
    return core in _VALEDICTIONS
