"""Reply extraction: keep what a member newly wrote, cut quoted history and signatures."""

from __future__ import annotations

import re
from collections.abc import Sequence

# Line kinds, decided one line (or one wrapped group of lines) at a time.
BLANK = "blank"
TEXT = "text"
QUOTE = "quote"
ATTRIBUTION = "attribution"  # "On ... wrote:" and its localised cousins
BANNER = "banner"  # "-----Original Message-----", "Begin forwarded message:"
HEADER = "header"  # an embedded "From: / Sent: / To: / Subject:" block
DELIMITER = "delimiter"  # "-- ", "____", "-----": signatures and Outlook separators
FOOTER = "footer"  # "Sent from my iPhone" and friends

# Lines longer than these are prose, never markers; the limits keep every regex cheap.
_MAX_MARKER_LINE = 300
_MAX_CONTINUATION = 200
_MAX_ATTRIBUTION_LINES = 4  # Gmail and Outlook wrap "On ... wrote:" over up to four lines
_MAX_ATTRIBUTION_BLANKS = 3
_MAX_HEADER_SCAN = 40  # lines of a quote searched for an opening header block

# --- quotes -----------------------------------------------------------------

# ">" quoting, plus Supercite-style initials ("C> ...") used by Emacs and old Usenet readers.
_QUOTE = re.compile(r"\s*(?:[A-Za-z]{1,3})?>")
_QUOTE_PREFIX = re.compile(r"\s*(?:[A-Za-z]{1,3}>)?[\s>]*")


def _is_quote(line: str) -> bool:
    return _QUOTE.match(line) is not None


def _unquote(line: str) -> str:
    """The quoted line without its markers, e.g. '>> On ... wrote:' -> 'On ... wrote:'."""
    return line[_QUOTE_PREFIX.match(line).end() :].strip()


# --- attribution lines ------------------------------------------------------

# The verb closing an attribution, right before the colon:
# "On <date>, Anne <anne@example.com> wrote:" and its translations. Gmail in Hungarian
# adds the date after the verb: "Anne <...> ezt írta (időpont: 2026. márc. 3., K, 9:12):".
_WROTE_AT_END = re.compile(
    r"(?:(?<!\w)(?:wrote|writes|schrieb|geschrieben|a\s+écrit|écrit|escribió|escribio"
    r"|ha\s+scritto|scritto|schreef|geschreven|escreveu|skrev|napisał(?:\(a\)|a)?|pisze"
    r"|написал(?:\(а\)|а)?|пишет|пише|написав|написала|kirjoitti|írta|yazdı"
    r"|napsal(?:\(a\)|a)?|napísal(?:\(a\)|a)?|napisao|napisal|έγραψε|a\s+scris|menulis"
    r"|đã\s+viết|kirjutas|rašė|rakstīja|skrifaði|escrigué|כתב|كتب)"
    r"|写道|寫道|のメッセージ|書きました|のメール|작성)"
    r"(?:\s*\([^()]{0,100}\))?\s*[:：]$",
    re.IGNORECASE,
)
# German, Dutch and Scandinavian clients put the verb before the name:
# "Am 3. März 2026 um 09:12 schrieb Anne <...>:", "Den 3 mars 2026 skrev Anne <...>:",
# and Lotus Notes writes "Anne <anne@example.com> wrote on 03/03/2026 09:12:".
_WROTE_IN_MIDDLE = re.compile(
    r"(?<!\w)(?:schrieb|schreef|skrev|napisana\s+przez|wrote\s+on)(?!\w)", re.IGNORECASE
)
# Horde and other webmails lead with the verb: "Quoting Anne <anne@example.com>:".
_QUOTING = re.compile(
    r"(?:quoting|zitat von|citando|cytowanie|citazione di|citaat van)\s[^:：]{1,120}[:：]$",
    re.IGNORECASE,
)
# Words that open an attribution in the clients we know (Gmail, Apple, Thunderbird ...).
_OPENING_WORD = re.compile(
    r"(?:on|am|op|den|le|el|il|em|at|w\s+dniu|dnia|dne|в|在)\s", re.IGNORECASE
)
# A capitalised opening word on a continuation line starts a new attribution instead.
_FRESH_OPENING = re.compile(r"(?:On|Am|Op|Den|Le|El|Il|Em|At|W dniu|Dnia|Dne)\s")
# "вт, 3 мар." / "mar. 3 mars": a short weekday, a comma, then the date.
_OPENING_WEEKDAY = re.compile(r"\w{1,12}\.?,\s*\d")
_TIME_OR_DATE = re.compile(r"\d{1,2}[:.h]\d{2}(?!\d)|\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_NUMBER = re.compile(r"\d+")
# An email address, found from its "@" so that the search stays linear.
_EMAIL = re.compile(r"[\w.+-]@[\w-]+\.\w")
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


def _has_date(text: str) -> bool:
    """A time, a numeric date, or a year with a day beside it ("21 de noviembre de 2013");
    a bare year ("In 2019 I wrote:") is a sentence, not a client's attribution."""
    if _TIME_OR_DATE.search(text):
        return True
    return _YEAR.search(text) is not None and len(_NUMBER.findall(text)) >= 2


def _is_attribution_text(text: str) -> bool:
    """Whether one (already joined) line reads as an 'On <date>, <someone> wrote:' line."""
    if len(text) > _MAX_MARKER_LINE + _MAX_CONTINUATION:
        return False
    if text.endswith((":", "：")) and _is_colon_attribution(text):
        return True
    if text[:1].isdigit() and (_GMAIL_ISO.match(text) or _GMAIL_SLASH.match(text)):
        return True
    # Zoho wraps the whole line in dashes: "---- On Tue, 03 Mar 2026 Anne wrote ----".
    if text.startswith("--") and text.endswith("--"):
        inner = text.strip("-").strip()
        return bool(inner) and _is_attribution_text(inner.rstrip(":") + ":")
    return False


def _is_colon_attribution(text: str) -> bool:
    ending = _WROTE_AT_END.search(text)
    if ending:
        before = text[: ending.start()]
        # A date or an address tells a client's line from a sentence like "Bart wrote:".
        if len(before.strip()) >= 2 and (_EMAIL.search(before) or _has_date(before)):
            return True
    in_middle = _WROTE_IN_MIDDLE.search(text) and _has_date(text)
    if in_middle and (_EMAIL.search(text) or _OPENING_WORD.match(text)):
        return True
    if _QUOTING.match(text) and _EMAIL.search(text):
        return True
    if _GMAIL_NO_VERB.match(text) or _STARRED.match(text):
        return _has_date(text)
    return False


def _could_open_attribution(line: str) -> bool:
    """Whether a line may be the first of an attribution that the client wrapped."""
    return bool(
        line[:1].isdigit()
        or ("@" in line and _EMAIL.search(line))
        or line.startswith("--")
        or _OPENING_WORD.match(line)
        or _OPENING_WEEKDAY.match(line)
    )


def _is_fragment(part: str) -> bool:
    """A scrap of a wrapped address ('<', 'mailto:...', '> wrote:'), not a sentence."""
    return len(part) <= 40 and not part.endswith((".", "!", "?"))


def _join_wrapped(parts: Sequence[str]) -> str:
    """Undo a client's wrapping: 'Anne <' + 'anne@example.com>' -> 'Anne <anne@example.com>'."""
    text = " ".join(parts)
    text = re.sub(r"<\s+", "<", text)
    text = re.sub(r"\s+>", ">", text)
    return re.sub(r"\s+", " ", text).strip()


def _attribution_span(
    lines: Sequence[str], start: int, quoted: bool = False, limit: int | None = None
) -> int:
    """How many lines form an attribution opening at `start` (0 if none does).

    Clients wrap the line over up to four lines, and HTML-to-text conversion can leave blank
    lines between the pieces of a linked address. With `quoted`, the attribution is looked
    for inside a quote (Apple Mail puts it there), and it may not run past `limit`.
    """
    first = _unquote(lines[start]) if quoted else lines[start].strip()
    if not first or len(first) > _MAX_MARKER_LINE:
        return 0
    if _is_attribution_text(first):
        return 1
    if not _could_open_attribution(first):
        return 0
    parts = [first]
    blanks = 0
    stop = len(lines) if limit is None else min(limit, len(lines))
    for index in range(start + 1, stop):
        raw = lines[index]
        looks_quoted = _is_quote(raw)
        if quoted and not looks_quoted:
            return 0
        part = _unquote(raw) if quoted else raw.strip()
        if not part:
            blanks += 1
            if blanks > _MAX_ATTRIBUTION_BLANKS:
                return 0
            continue
        if len(parts) == _MAX_ATTRIBUTION_LINES or len(part) > _MAX_CONTINUATION:
            return 0
        if (blanks and not _is_fragment(part)) or _FRESH_OPENING.match(part):
            return 0  # a new paragraph or a later attribution: not ours to swallow
        # Gmail can leave the tail of a wrapped address as "> wrote:" or ">:".
        if looks_quoted and not quoted and len(part) > 20:
            return 0
        parts.append(part)
        if _is_attribution_text(_join_wrapped(parts)):
            return index - start + 1
        if looks_quoted and not quoted:
            return 0
    return 0


# --- embedded header blocks ---------------------------------------------------

# Header names as Outlook, Gmail, Apple Mail and Thunderbird print them, by language.
_HEADER_NAMES: dict[str, str] = {
    "from": "From|Von|Absender|De|Da|Van|Afzender|Od|Nadawca|Från|От|Отправитель|Fra|Frá"
    "|Lähettäjä|Feladó|Kimden|Від|Mittente|Remetente|Expéditeur|发件人|寄件者|寄件人|差出人"
    "|送信者|보낸 사람|Αποστολέας",
    "date": "Sent|Date|Gesendet|Datum|Envoyé|Envoyé le|Inviato|Data|Verzonden|Verstuurd"
    "|Wysłano|Wysłane|Enviado|Enviada|Fecha|Skickat|Отправлено|Дата|Sendt|Dato|Lähetetty"
    "|Päivämäärä|Elküldve|Dátum|Tarih|Gönderildi|Надіслано|Відправлено|Odesláno|发送时间"
    "|日期|傳送時間|寄件日期|送信日時|日付|보낸 날짜|Ημερομηνία",
    "to": "To|An|À|A|Aan|Do|Para|Till|Кому|Til|Vastaanottaja|Címzett|Kime|Komu|Destinatario"
    "|Destinatário|Adresat|收件人|收件者|宛先|받는 사람|Προς",
    "cc": "Cc|Bcc|Kopie|Kopia|DW|Копия|Копія|Kopi|Kopio|Másolat|Bilgi|Copia|Kopie an|抄送|副本",
    "subject": "Subject|Betreff|Objet|Oggetto|Onderwerp|Temat|Asunto|Assunto|Ämne|Тема|Emne"
    "|Aihe|Tárgy|Konu|Předmět|Predmet|主题|主旨|件名|제목|Θέμα",
    "reply-to": "Reply-To|Antwort an|Risposta|Rispondi a|Répondre à|Responder a"
    "|Antwoord aan|Svar till|Svar til|Odpowiedź do",
}
_HEADER_KIND = {
    name.lower(): kind for kind, names in _HEADER_NAMES.items() for name in names.split("|")
}
# "From: Anne", "De : Anne" (French spacing), "*From:* Anne" (Outlook's bold, as text).
_HEADER_LINE = re.compile(
    r"[ \t]*[*_]*(?P<name>"
    + "|".join(re.escape(name) for name in sorted(_HEADER_KIND, key=len, reverse=True))
    + r")[*_]*[ \t]*[:：][*_]*(?:\s|$)",
    re.IGNORECASE,
)
_MIN_HEADERS = 3
_MAX_HEADER_GAP = 2  # wrapped subjects and recipient lists


_BLOCK_OPENERS = frozenset({"from", "date", "subject"})  # Thunderbird forwards open on Subject


def _header_kind(line: str) -> str | None:
    if ":" not in line[:40] and "：" not in line[:40]:
        return None
    found = _HEADER_LINE.match(line)
    if not found:
        return None
    kind = _HEADER_KIND[found.group("name").lower()]
    if kind == "from" and line[found.end() :].lstrip()[:1].isdigit():
        return "other"  # "From: 9am / To: 5pm" is an event's hours, not a sender
    return kind


def _header_blocks(lines: Sequence[str]) -> dict[int, int]:
    """Embedded header blocks, as {first line: index past the last}, found in one pass.

    A block is at least three different headers, one of them the sender, with at most two
    wrapped lines between headers, and an address or a subject among them: enough to tell
    Outlook's block from "To: all members" or an event's "Date: / From: / To:" hours.
    """
    kinds = [_header_kind(line) for line in lines]
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
            addressed = addressed or _EMAIL.search(lines[index]) is not None
            end = index + 1
            gap = 0
        elif not lines[index].strip():
            if index + 1 >= len(lines) or kinds[index + 1] is None:
                break
        else:
            gap += 1
            if gap > _MAX_HEADER_GAP:
                break
        index += 1
    seen.discard("other")
    if len(seen) < _MIN_HEADERS or "from" not in seen:
        return start, index
    if not addressed and "subject" not in seen:
        return start, index  # a real header block names an address or a subject
    # RFC 822 folding: indented lines right after the last header still belong to it.
    while end < len(lines) and lines[end][:1] in (" ", "\t") and lines[end].strip():
        end += 1
    return end, index


# --- banners, delimiters and footers -----------------------------------------

# Words inside "-----Original Message-----" style banners, across clients and languages.
_BANNER_WORD = re.compile(
    r"original|forward|message|nachricht|weitergeleitet|mensaje|reenviad|messaggio|inoltrat"
    r"|bericht|doorgestuurd|wiadomo|przekazan|сообщени|повідомлен|пересла|meddel|vidarebefordra"
    r"|melding|videresendt|mensagem|encaminhad|transf[ée]r|viesti|üzenet|邮件|郵件|メッセージ",
    re.IGNORECASE,
)
# Apple Mail's forwarding line, in the languages its users mail us in.
_FORWARD_INTRO = re.compile(
    r"(?:begin forwarded message|anfang der weitergeleiteten (?:nachricht|e-mail)"
    r"|début du message (?:réexpédié|transféré|réacheminé)|inicio del mensaje reenviado"
    r"|inizio messaggio inoltrato|begin doorgestuurd bericht"
    r"|in[íi]cio da mensagem (?:reencaminhada|encaminhada)"
    r"|vidarebefordrat (?:brev|mejl|meddelande)|videresendt (?:melding|e-post|besked)"
    r"|start på videresendt (?:besked|meddelelse)|początek przekazywanej wiadomości"
    r"|начало переадресованного (?:сообщения|письма)|välitetty viesti alkaa"
    r"|začátek přeposlané zprávy|початок пересланого (?:листа|повідомлення)"
    r"|以下为转发的邮件|转发的邮件"
    r"|転送されたメッセージ)\s*[:：]?$",
    re.IGNORECASE,
)


def _is_banner(stripped: str) -> bool:
    if len(stripped) <= 60 and _FORWARD_INTRO.match(stripped):
        return True
    core = stripped.strip("*_ \t")
    if not (core.startswith("--") and core.endswith("--")):
        return False
    inner = core.strip("- \t")
    return 3 <= len(inner) <= 60 and _BANNER_WORD.search(inner) is not None


_DELIMITER_CHARS = frozenset("-_=*~+#")
# Gmail tracking extensions leave this character on a line of its own after the signature.
_TRACKER_MARK = "ᐧ"


def _is_delimiter(stripped: str) -> bool:
    """'-- ' and friends: a line of nothing but rule characters ends the new text."""
    if not stripped or (stripped[0] not in _DELIMITER_CHARS and stripped[0] != _TRACKER_MARK):
        return False
    if not stripped.strip(_TRACKER_MARK):
        return True
    core = stripped.replace(" ", "")
    return len(core) >= 2 and not set(core) - _DELIMITER_CHARS


_APP = (
    r"\[?(?:i?phone|ipad|ipod|android|samsung|galaxy|mobile|mobil\w*|cell|smartphone|tablet"
    r"|blackberry|huawei|xiaomi|pixel|windows|mailbox|outlook|yahoo|aol|gmail|proton"
    r"|protonmail|airmail|spark|bluemail|blue mail|newton|nine|k-9|superhuman|hey|edison"
    r"|typeapp|zoho|fastmail|thunderbird|tutanota|polymail|canary"
    r"|(?:mail|e-?mail|e-post|posta|poczta|correo|courrier)(?:\]\(\S*\))?"
    r" (?:for|für|pour|para|per|voor|för|dla|для|til) windows"
    r"|mymail|mailspring|postbox|em client|gmx|web\.de|t-online|libero|orange|yandex|seznam"
    r"|onet|interia|qq)\b"
)
# Mobile and webmail footers ("Sent from my iPhone"), anchored at the start of the line.
_FOOTER = re.compile(
    r"(?:sent (?:wirelessly |securely )?(?:from|via|with|using|on|by) (?:my\b"
    r"|an? (?:phone|mobile|smartphone|tablet|iphone|ipad|android)\b)"
    r"|sent by (?:galaxy|samsung|iphone|android|blackberry|huawei)\b"
    r"|from my (?:iphone|ipad|android|mobile|phone|samsung|galaxy|blackberry|smartphone)\b"
    r"|(?:get|obtener|télécharger|scarica|pobierz|skaffa|hent|получить)?\s*\[?outlook"
    r" (?:for|für|pour|para|per|voor|dla|för|til|для)\s(?:systemu\s)?(?:ios|android)\S*"
    r"(?:\s(?:herunterladen|downloaden))?$"
    r"|(?:von|vom) meine[mnr]? (?:\S+ ){0,3}\S+ gesendet\.?$"
    r"|gesendet (?:von|vom|mit) (?:meinem|meiner|einem) "
    r"|diese nachricht wurde (?:von|mit|vom) .{1,80} gesendet"
    r"|envoy[ée] (?:de|depuis) (?:mon|ma) "
    r"|enviad[oa] (?:desde|de|do|da) (?:mi|meu|minha|o meu) "
    r"|inviato (?:dal|dalla) (?:mio|mia) |inviato da il mio "
    r"|(?:verzonden|verstuurd) (?:vanaf|vanuit|van|met) mijn "
    r"|skicka(?:t|des) från (?:min|mitt) |sendt fra (?:min|mitt) "
    r"|provenance\s*: courrier pour windows"
    r"|lähetetty .{0,40}(?:sta|stä)\b"
    r"|[\w .-]{1,30} from (?:my )?(?:mobile|phone|iphone|ipad|android|cell)$"
    r"|wysłan[eoy] (?:z|ze) |отправлено (?:с|со|из) |надіслано (?:з|із|зі) "
    r"|odesláno (?:z|ze) |trimis de pe |στάλθηκε από |gửi từ |dikirim dari |enviat des de"
    r"|(?:发自|發自|来自|來自|傳送自)我的|从我的.{0,30}发送|從我的.{0,30}傳送"
    r"|.{1,30}から送信$|.{0,30}에서 보냄$|.{1,30} gönderildi$)",
    re.IGNORECASE,
)
# "Sent from <mail app or device>" in several languages. A short line only: "Sent via email
# to the committee last week." is a sentence.
_APP_FOOTER = re.compile(
    r"(?:sent|gesendet|envoy[ée]|enviad[oa]|inviato|verzonden|verstuurd|skickat|skickades"
    r"|sendt|wysłane|wysłano|отправлено|надіслано)"
    r" (?:from|via|with|using|von|vom|mit|über|aus|de|depuis|à partir de|avec|par|desde|do|da"
    r"|con|com|pelo|dal|dalla|tramite|vanaf|vanuit|van|met|från|med|fra|z|ze|с|из|з|із)"
    r" (?:l'|(?:der|dem|la|el|o|the) )?(?:all[- ]new )?" + _APP,
    re.IGNORECASE,
)
_MAX_APP_FOOTER_WORDS = 10


def _is_footer(stripped: str) -> bool:
    if len(stripped) > _MAX_MARKER_LINE:
        return False
    core = stripped.lstrip("(<[*_-–— ").rstrip(")>]*_ ")
    if _FOOTER.match(core):
        return True
    return len(core.split()) <= _MAX_APP_FOOTER_WORDS and _APP_FOOTER.match(core) is not None


# --- classification -----------------------------------------------------------


def _fenced(lines: Sequence[str]) -> list[bool]:
    """Lines inside closed ``` fences: code, where '####' is not a signature rule."""
    inside = [False] * len(lines)
    opened: int | None = None
    for index, line in enumerate(lines):
        if line.lstrip().startswith("```") and not _is_quote(line):
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
    header_blocks = _header_blocks(lines)
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
        elif _is_quote(line):
            kind = QUOTE
        elif attribution := _attribution_span(lines, index):
            kind, span = ATTRIBUTION, attribution
        elif len(stripped) <= _MAX_MARKER_LINE and _is_banner(stripped):
            kind = BANNER
        elif index in header_blocks:
            kind, span = HEADER, header_blocks[index] - index
        elif _is_delimiter(stripped):
            kind = DELIMITER
        elif _is_footer(stripped):
            kind = FOOTER
        for covered in range(index, index + span):
            kinds[covered] = kind
        ends[index] = index + span
        index += span
    return kinds, ends


# --- choosing what to keep ------------------------------------------------------


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
    while first < end and not _unquote(lines[first]):
        first += 1
    if first >= end:
        return 0
    span = _attribution_span(lines, first, quoted=True, limit=end)
    if span:
        return first - start + span
    opening = _unquote(lines[first])
    if len(opening) <= _MAX_MARKER_LINE and _is_banner(opening):
        return first - start + 1
    stop = min(end, first + _MAX_HEADER_SCAN)
    unquoted = [_unquote(line) for line in lines[first:stop]]
    header_end = _header_blocks(unquoted).get(0, 0)
    return first - start + header_end if header_end else 0


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
                break
            quote_blocks.append((index, end))
            keep.extend(range(index, end))
            index = end
        elif kind == ATTRIBUTION and _introduces_inline_quote(kinds, ends[index]):
            index = ends[index]  # drop it; keep the quote it opens
        else:
            break  # attribution over history, banner, header block, delimiter or footer
    return _drop_quoted_history(lines, keep, quote_blocks, introduced, more_quotes_after)


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
        while history and skip < end and not _unquote(lines[skip]):
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


def normalise_line_endings(text: str) -> str:
    """CRLF (Windows) and lone CR (classic Mac) line endings become LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def extract_reply(text: str) -> str:
    """Return only the new text the sender wrote: quoted history, forwarded/embedded
    previous messages, attribution lines ("On ... wrote:") and signatures removed."""
    if not isinstance(text, str) or not text.strip():
        return ""
    lines = [line.rstrip() for line in normalise_line_endings(text).split("\n")]
    kinds, ends = _classify(lines)
    keep = _select(lines, kinds, ends)
    if not any(lines[index] for index in keep):
        keep = _leading_bare_quote(lines, kinds)
    kept = [lines[index] for index in keep]
    first = next((number for number, line in enumerate(kept) if line), len(kept))
    last = max((number for number, line in enumerate(kept) if line), default=-1)
    return "\n".join(kept[first : last + 1])
