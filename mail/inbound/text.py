"""Raw mail bytes to readable text: charsets, header words and format=flowed."""

from __future__ import annotations

import binascii
import codecs
import re
from dataclasses import dataclass
from email.message import Message
from functools import lru_cache

# Labels that name no charset at all. "x-unknown" and "unknown-8bit" come from gateways
# that lost the original declaration; treat them like a missing charset and guess.
_NO_CHARSET = frozenset(
    {
        "",
        "none",
        "default",
        "charset",
        "unknown",
        "xunknown",
        "unknown8bit",
        "xunknown8bit",
        "xuserdefined",
        "8bit",
        "binary",
        # MIME's default. Clients that write 8-bit bytes under it never meant ASCII.
        "usascii",
        "ascii",
        "ansix341968",
    }
)

# Labels mapped to the codec mail clients really use (the WHATWG Encoding Standard makes
# the same choices for the web): Latin-1 mail carries windows-1252 smart quotes, gb2312
# mail carries GBK characters, Shift_JIS mail carries Microsoft's cp932 extensions.
_CHARSET_ALIASES = {
    "utf8": "utf-8",
    "utf8mb4": "utf-8",
    "unicode11utf8": "utf-8",  # Outlook Express
    "xunicode20utf8": "utf-8",
    "iso88591": "cp1252",
    "latin1": "cp1252",
    "l1": "cp1252",
    "windows1252": "cp1252",
    "win1252": "cp1252",
    "xcp1252": "cp1252",
    "gb2312": "gb18030",
    "gb231280": "gb18030",
    "gbk": "gb18030",
    "xgbk": "gb18030",
    "cp936": "gb18030",
    "euccn": "gb18030",
    "shiftjis": "cp932",
    "sjis": "cp932",
    "xsjis": "cp932",
    "mskanji": "cp932",
    "windows31j": "cp932",
    "euckr": "cp949",
    "ksc56011987": "cp949",
    "ksc5601": "cp949",
    "big5": "big5hkscs",
    "iso88599": "cp1254",
    "tis620": "cp874",
    "iso885911": "cp874",
    "iso88598i": "iso8859-8",
    "koi8r": "koi8-r",
    "koi8u": "koi8-u",
}

# Python registers these as text codecs, but no mail body is ever meant to be read with
# them, and "undefined" raises on every input.
_REFUSED_CODECS = frozenset(
    {"undefined", "idna", "punycode", "unicode-escape", "raw-unicode-escape", "charmap"}
)

# Stateful 7-bit encodings: their bytes look like ASCII, so the ASCII shortcut must not
# take them (ISO-2022-JP is still what many Japanese phones send).
_SEVEN_BIT_PREFIXES = ("iso2022", "utf-7", "hz")
_MULTIBYTE_PREFIXES = ("gb", "cp932", "shift_jis", "euc", "cp949", "big5", "cp950", "johab")
_WIDE_PREFIXES = ("utf-16", "utf-32")

# Single-byte Latin codecs charset-normalizer proposes for Western text. It often says
# windows-1250 for French or German (reading "à" as "ŕ"), where windows-1252 is what
# undeclared Western mail almost always is.
_LATIN_GUESSES = frozenset(
    {
        "cp1250",
        "cp1252",
        "latin_1",
        "iso8859_15",
        "iso8859_2",
        "iso8859_9",
        "mac_roman",
        "cp1254",
        "cp850",
        "cp437",
        "mac_latin2",
        "iso8859_3",
        "iso8859_4",
        "iso8859_10",
    }
)
# Below this many 8-bit bytes a statistical guess is noise (it reads "caf\xe9" as UTF-16).
_GUESS_MIN_HIGH_BYTES = 12
_GUESS_SAMPLE_BYTES = 32_768
_ASCII = bytes(range(0x80))


@dataclass(frozen=True)
class DecodedText:
    text: str
    problem: str | None = None  # what went wrong with the declared charset, if anything


@lru_cache(maxsize=256)
def resolve_charset(label: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None when the label names nothing usable.

    Tolerates quotes, RFC 2231 language suffixes and squashed spellings ("utf8",
    "windows1251", "koi8r") that real clients send.
    """
    if not label:
        return None
    cleaned = label.strip().strip("\"'").strip().lower().split("*", 1)[0]
    squashed = re.sub(r"[^a-z0-9]", "", cleaned)
    if squashed in _NO_CHARSET:
        return None
    candidates = [_CHARSET_ALIASES.get(squashed, cleaned)]
    if match := re.fullmatch(r"(?:windows|win|cp)(\d{3,4})", squashed):
        candidates.append(f"cp{match[1]}")
    if match := re.fullmatch(r"iso8859(\d{1,2})", squashed):
        candidates.append(f"iso8859-{match[1]}")
    for name in candidates:
        try:
            codec = codecs.lookup(name).name
        except (LookupError, ValueError):
            continue
        if codec not in _REFUSED_CODECS and _is_text_codec(codec):
            return codec
    return None


def _is_text_codec(codec: str) -> bool:
    # Python also registers bytes-to-bytes codecs ("base64", "zlib", "rot13"); decoding
    # text with them raises LookupError.
    try:
        b"a".decode(codec)
    except LookupError:
        return False
    except (UnicodeError, ValueError):
        pass
    return True


def decode_bytes(data: bytes, label: str | None) -> DecodedText:
    """Decode a body or header whose declared charset may be missing, wrong or unknown.

    Trusts the declaration when the bytes fit it, prefers UTF-8 when the bytes are valid
    UTF-8 (the most common mislabelling), and otherwise guesses. Never raises.
    """
    codec = resolve_charset(label)
    if codec is not None and codec.startswith(_SEVEN_BIT_PREFIXES):
        text = _strict(data, codec)
        if text is not None:
            return DecodedText(text)
    if data.isascii() and not (codec or "").startswith(_WIDE_PREFIXES):
        return DecodedText(data.decode("ascii"))
    as_utf8 = _strict(data, "utf-8")
    if as_utf8 is not None and (codec in (None, "utf-8") or _utf8_outweighs(data, codec)):
        problem = None if codec in (None, "utf-8") else f"declared {label} but the text is UTF-8"
        return DecodedText(as_utf8, problem)
    if codec is not None:
        text = _strict(data, codec)
        if text is not None:
            return DecodedText(text)
    guess = guess_codec(data)
    why = f"bytes do not fit {label}" if label else "no charset declared"
    return DecodedText(data.decode(guess, errors="replace"), f"{why}; read as {guess}")


def guess_codec(data: bytes) -> str:
    """Best guess at the codec of undeclared 8-bit text; windows-1252 when in doubt."""
    sample = data[:_GUESS_SAMPLE_BYTES]
    if _high_byte_count(sample) < _GUESS_MIN_HIGH_BYTES:
        return "cp1252"
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(sample).best()
    except Exception:  # a detector failure must not cost us the message
        return "cp1252"
    if best is None or best.encoding in _LATIN_GUESSES:
        return "cp1252"
    codec = resolve_charset(best.encoding)
    if codec is None or codec.startswith(_WIDE_PREFIXES):
        return "cp1252"  # text without NUL bytes is not UTF-16 or UTF-32
    return codec


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeError, LookupError, ValueError):
        return None


def _utf8_outweighs(data: bytes, declared_codec: str) -> bool:
    """Whether valid UTF-8 should win over a declared codec the bytes also fit.

    Any single-byte codec "fits" every byte, so valid UTF-8 wins there. Multibyte CJK
    text can be valid UTF-8 by accident only for a handful of bytes.
    """
    if not declared_codec.startswith(_MULTIBYTE_PREFIXES + _WIDE_PREFIXES):
        return True
    return _high_byte_count(data) >= 8


def _high_byte_count(data: bytes) -> int:
    return len(data.translate(None, _ASCII))


# -- headers ---------------------------------------------------------------------------


def header_values(msg: Message, name: str, charset_hint: str | None = None) -> list[str]:
    """Every value of a header, 8-bit bytes decoded and unfolded, without MIME decoding.

    Reads the raw header lines, so a malformed header can never make the email
    package's structured parser raise here.
    """
    try:
        raw = _raw_headers(msg).get(name.lower(), ())
        return [_unfold(_decode_raw_header(value, charset_hint)) for value in raw]
    except Exception:
        return []


def _raw_headers(msg: Message) -> dict[str, list[object]]:
    """The message's raw header values by lower-cased name, indexed once per message
    (the checks read the same headers many times over)."""
    key = len(msg)  # the number of headers: a header added since makes a new index
    cached = getattr(msg, "_kith_raw_headers", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    index: dict[str, list[object]] = {}
    for name, value in msg.raw_items():
        index.setdefault(name.lower(), []).append(value)
    msg._kith_raw_headers = (key, index)  # type: ignore[attr-defined]
    return index


def header_value(msg: Message, name: str, charset_hint: str | None = None) -> str | None:
    """The first value of a header (see header_values), or None when it is absent."""
    values = header_values(msg, name, charset_hint)
    return values[0] if values else None


def _decode_raw_header(value: object, charset_hint: str | None) -> str:
    if not isinstance(value, str):
        return str(value)
    # The parser kept undecodable header bytes as surrogate escapes; get them back.
    data = value.encode("utf-8", "surrogateescape")
    if data.isascii():
        return data.decode("ascii")
    # RFC 6532 allows raw UTF-8 headers; older clients write raw bytes in the body's
    # charset instead (Chinese and Russian webmail especially).
    for codec in ("utf-8", resolve_charset(charset_hint)):
        if codec and (text := _strict(data, codec)) is not None:
            return text
    return data.decode("cp1252", errors="replace")


def _unfold(value: str) -> str:
    """RFC 5322 unfolding, plus stray CR/LF (never legal in a header value) made spaces."""
    return re.sub(r"[\r\n]+", " ", re.sub(r"\r?\n(?=[ \t])", "", value)).strip()


_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,64})\?([bBqQ])\?([^?]*)\?=")
_BETWEEN_WORDS = re.compile(r"[ \t]*")


def decode_header_words(value: str) -> str:
    """Decode RFC 2047 encoded words leniently.

    Beyond the RFC: words glued to other text, missing base64 padding, unknown charsets,
    and a multibyte character split across two adjacent words (some mobile clients cut
    at a byte count) are all decoded rather than shown raw.
    """
    if "=?" not in value:
        return value
    out: list[str] = []
    pending: list[tuple[str, bytes]] = []  # adjacent words not yet turned into text
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        charset, encoding, payload = match.groups()
        decoded = _decode_word_payload(encoding, payload)
        # RFC 2047 6.2: whitespace between adjacent encoded words is not displayed.
        joins_previous = bool(pending) and decoded is not None
        if not (joins_previous and _BETWEEN_WORDS.fullmatch(between)):
            out.append(_flush_words(pending))
            out.append(between)
        if decoded is None:
            out.append(match.group(0))
        elif pending and pending[-1][0] == charset.lower():
            pending[-1] = (pending[-1][0], pending[-1][1] + decoded)
        else:
            pending.append((charset.lower(), decoded))
        position = match.end()
    out.append(_flush_words(pending))
    out.append(value[position:])
    return "".join(out)


def _decode_word_payload(encoding: str, payload: str) -> bytes | None:
    if encoding in "bB":
        if re.search(r"[^A-Za-z0-9+/=\s]", payload):
            return None  # not base64 at all: show the word as written
        compact = re.sub(r"[^A-Za-z0-9+/]", "", payload)
        if len(compact) % 4 == 1:  # one stray character cannot be decoded; drop it
            compact = compact[:-1]
        try:
            return binascii.a2b_base64(compact + "=" * (-len(compact) % 4))
        except (binascii.Error, ValueError):
            return None
    raw = payload.replace("_", " ").encode("utf-8", "surrogateescape")
    return re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes([int(m[1], 16)]), raw)


def _flush_words(pending: list[tuple[str, bytes]]) -> str:
    text = "".join(_decode_word_bytes(data, charset) for charset, data in pending)
    pending.clear()
    return text


def _decode_word_bytes(data: bytes, charset: str) -> str:
    codec = resolve_charset(charset)
    for candidate in (codec, "utf-8"):
        if candidate and (text := _strict(data, candidate)) is not None:
            return text
    return data.decode(codec or "cp1252", errors="replace")


# -- plain text ------------------------------------------------------------------------


def tidy_text(text: str) -> str:
    """Newlines made LF, NUL characters and a leading BOM dropped (databases refuse NUL),
    trailing whitespace trimmed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    # Notepad and some Windows tools start text with a byte order mark.
    return text.removeprefix("\ufeff").rstrip()


def unflow(text: str, *, delsp: bool) -> str:
    """Undo RFC 3676 format=flowed: join soft-broken lines, remove space-stuffing."""
    lines: list[str] = []
    paragraph: list[str] = []
    paragraph_depth = 0
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]
        soft_break = content.endswith(" ") and content != "-- "
        if paragraph and depth != paragraph_depth:
            lines.append(_quote_prefix(paragraph_depth) + "".join(paragraph))
            paragraph = []
        if soft_break and delsp:
            content = content[:-1]
        paragraph.append(content)
        paragraph_depth = depth
        if not soft_break:
            lines.append(_quote_prefix(depth) + "".join(paragraph))
            paragraph = []
    if paragraph:
        lines.append(_quote_prefix(paragraph_depth) + "".join(paragraph))
    return "\n".join(lines)


def _quote_prefix(depth: int) -> str:
    return ">" * depth + " " if depth else ""
