"""Deciding whether a received message is a post, an auto-reply, a bounce or our own loop."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser
from email.utils import getaddresses
from functools import cached_property

from community.incoming import MailKind

from .text import decode_bytes, decode_header_words, header_value, header_values

log = logging.getLogger(__name__)

# flufl.bounce logs every detector it tries at INFO (our worker logs at INFO) and logs a
# traceback before re-raising a detector's failure, which classify_message records itself.
logging.getLogger("flufl.bounce").setLevel(logging.CRITICAL)

_MAX_PARTS_SCANNED = 200
_MAX_ADDRESS_HEADER_CHARS = 4_000

# Local parts MTAs send delivery failure notices from.
_MTA_SENDERS = frozenset(
    {
        "mailer-daemon",
        "mailer_daemon",
        "postmaster",
        "mail-delivery-subsystem",
        "mdaemon",
        "mail.delivery.system",
        "bounce",
        "bounces",
        "nobody",
    }
)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered mail|delivery status notification|failure notice"
    r"|mail delivery (failed|failure|system)|returned mail|delivery (failure|has failed)"
    r"|non-?delivery|nondeliverable|could not be delivered|mail system error"
    r"|unzustellbar|non remis|no se puede entregar",
    re.IGNORECASE,
)

# Subject openings only autoresponders write.
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto[- ]?reply|autoreply|auto:|auto response|autoresponse"
    r"|out of (the )?office (auto)?reply|vacation reply|automatische antwort"
    r"|abwesenheitsnotiz|réponse automatique|reponse automatique|respuesta automática"
    r"|respuesta automatica|risposta automatica|automatisch antwoord|autosvar"
    r"|automatisk svar|automaattinen vastaus|автоответ|автоматический ответ"
    r"|автоматична відповідь|odpowiedź automatyczna|automatická odpověď|resposta automática"
    r"|otomatik yanıt|自动回复|自動回覆|自動返信|자동 회신)",
    re.IGNORECASE,
)
# Absence words a person might also use as a subject ("Out of office next week"); they
# decide alone only in the autoresponder's "Word: original subject" form.
_ABSENCE_WORDS = (
    r"out of (the )?office|ooo|absence|absent|abwesend|afwezig|fuori sede|fuori ufficio"
    r"|frånvaro|fravær|fraværende|poissa|nieobecność|ausente|ausência|vacation|on holiday"
    r"|congés|отсутствую|отсутствие|відсутній"
)
_ABSENCE_PREFIX = re.compile(rf"^\s*({_ABSENCE_WORDS})\s*:", re.IGNORECASE)
_ABSENCE_SUBJECT = re.compile(rf"^\s*({_ABSENCE_WORDS})\b", re.IGNORECASE)

# Headers autoresponders add that people's mail clients never do.
_AUTORESPONDER_HEADERS = (
    "x-autoreply",
    "x-autorespond",
    "x-autoresponder",
    "x-auto-reply",
    "x-vacation",
    "x-autoreply-from",
    "x-mail-autoreply",
)
_AUTORESPONDER_MAILER = re.compile(r"vacation|autorespond|auto-?reply", re.IGNORECASE)
# Exchange marks mail its mailbox rules made; forwarding rules too, so it is only a hint.
_EXCHANGE_RULE_HEADERS = (
    "x-ms-exchange-inbox-rules-loop",
    "x-ms-exchange-generated-message-source",
)


@dataclass(frozen=True)
class Verdict:
    kind: MailKind
    reason: str
    bounced_recipients: tuple[str, ...] = ()
    bounce_permanent: bool = False
    problems: tuple[str, ...] = ()  # checks that failed on this message


class Inspection:
    """One message as the checks see it: headers read once, leniently, never raising."""

    def __init__(self, msg: Message, our_domain: str) -> None:
        self.msg = msg
        self.our_domain = our_domain.strip().lower().strip(".")

    def header(self, name: str) -> str:
        """The first value of a header, lower-cased; "" when absent."""
        return (header_value(self.msg, name) or "").lower()

    def has_header(self, name: str) -> bool:
        return header_value(self.msg, name) is not None

    @cached_property
    def subject(self) -> str:
        return decode_header_words(header_value(self.msg, "subject") or "")

    @cached_property
    def sender_local_part(self) -> str:
        found = _addresses(header_values(self.msg, "from"))
        return found[0].split("@", 1)[0] if found else ""

    @cached_property
    def content_type(self) -> str:
        return _content_type(self.msg)

    @cached_property
    def mta_hints(self) -> list[str]:
        """Signs that a mail server, not a person, wrote the message."""
        return _mta_hints(self)

    def names_our_domain(self, value: str) -> bool:
        """Whether a header value mentions our domain or one of its subdomains."""
        if not self.our_domain:
            return False
        pattern = rf"(^|[@.<\s]){re.escape(self.our_domain)}(?![\w-]|\.\w)"
        return re.search(pattern, value) is not None

    def parts(self) -> Iterator[Message]:
        """Every MIME part, not descending into attached messages (a forwarded bounce is
        not a bounce)."""
        return _walk_outside_attached_messages(self.msg)


Check = Callable[[Inspection], Verdict | None]


# -- loops -----------------------------------------------------------------------------


def message_id_is_ours(mail: Inspection) -> Verdict | None:
    """Our own outgoing Message-ID: the message is one of ours, come back."""
    message_id = header_value(mail.msg, "message-id") or ""
    if mail.our_domain and message_id.lower().endswith(f"@{mail.our_domain}>"):
        return Verdict(MailKind.LOOP, f"Message-ID {message_id} is one of ours")
    return None


def list_id_is_ours(mail: Inspection) -> Verdict | None:
    """Our List-Id ("Name <slug.our-domain>"): a copy of our list mail, come back."""
    list_id = header_value(mail.msg, "list-id") or ""
    if mail.our_domain and f".{mail.our_domain}>" in list_id.lower():
        return Verdict(MailKind.LOOP, f"List-Id {list_id} is ours")
    return None


def loop_header_names_us(mail: Inspection) -> Verdict | None:
    """An X-Loop or X-Kith-Loop header naming our domain (set by us or a list we feed)."""
    for name in ("x-kith-loop", "x-loop"):
        value = mail.header(name)
        if mail.names_our_domain(value):
            return Verdict(MailKind.LOOP, f"{name} names {mail.our_domain}")
    return None


# -- bounces ---------------------------------------------------------------------------


def delivery_status_report(mail: Inspection) -> Verdict | None:
    """An RFC 3464 delivery status notification: failed and delayed recipients read from
    its per-recipient fields."""
    reports = [part for part in mail.parts() if _content_type(part) == "message/delivery-status"]
    if not reports:
        return None
    permanent: set[str] = set()
    transient: set[str] = set()
    for report in reports:
        for fields in _recipient_fields(report):
            outcome = _recipient_outcome(fields)
            recipient = _reported_recipient(fields)
            if outcome is not None and recipient:
                (permanent if outcome == "permanent" else transient).add(recipient)
    if permanent:
        return _bounce("delivery status notification: permanent failure", permanent, True)
    if transient:
        return _bounce("delivery status notification: delivery delayed", transient, False)
    return Verdict(MailKind.BOUNCE, "delivery status notification without a failed recipient")


def known_bounce_format(mail: Inspection) -> Verdict | None:
    """A non-standard bounce (qmail, Exim, Postfix, Exchange, Yahoo, ...) that
    flufl.bounce recognises, tried only on mail that looks like it came from an MTA."""
    if not mail.mta_hints:
        return None
    from flufl.bounce import all_failures

    temporary, permanent = all_failures(mail.msg)
    if permanent:
        return _bounce("bounce recognised by flufl.bounce", _decode_all(permanent), True)
    if temporary:
        return _bounce("delay warning recognised by flufl.bounce", _decode_all(temporary), False)
    return None


def mail_delivery_notice(mail: Inspection) -> Verdict | None:
    """A notice from a mailer daemon about undelivered mail whose recipients we could not
    read: still a bounce, never something to post."""
    hints = mail.mta_hints
    from_daemon = "sent by a mailer daemon" in hints
    if from_daemon and len(hints) >= 2:
        return Verdict(MailKind.BOUNCE, "delivery failure notice: " + ", ".join(hints))
    return None


def _mta_hints(mail: Inspection) -> list[str]:
    hints = []
    if mail.sender_local_part in _MTA_SENDERS:
        hints.append("sent by a mailer daemon")
    if mail.has_header("x-failed-recipients"):
        hints.append("X-Failed-Recipients")
    if mail.content_type == "multipart/report":
        hints.append("multipart/report")
    if _BOUNCE_SUBJECT.search(mail.subject):
        hints.append("bounce subject")
    if _null_return_path(mail):
        hints.append("empty Return-Path")
    if _addressed_to_our_bounce_address(mail):
        hints.append("sent to our bounce address")
    return hints


def _addressed_to_our_bounce_address(mail: Inspection) -> bool:
    # VERP: we send with a bounces+<id>@our-domain envelope sender, so notices come back
    # there; a strong hint, but the message itself must still say what bounced.
    if not mail.our_domain:
        return False
    for name in ("to", "delivered-to", "x-original-to", "envelope-to"):
        for address in _addresses(header_values(mail.msg, name)):
            local, _, domain = address.partition("@")
            if domain == mail.our_domain and re.match(r"bounces?([+-]|$)", local):
                return True
    return False


def _recipient_fields(report: Message) -> list[Message]:
    if report.is_multipart():
        return [block for block in report.get_payload() if isinstance(block, Message)]
    # Some MTAs base64-encode the status part, so the email package left it as text.
    raw = report.get_payload(decode=True)
    text = decode_bytes(raw if isinstance(raw, bytes) else b"", "utf-8").text
    blocks = re.split(r"\r?\n[ \t]*\r?\n", text.strip())
    return [HeaderParser().parsestr(block) for block in blocks[:_MAX_PARTS_SCANNED]]


def _recipient_outcome(fields: Message) -> str | None:
    """The block's outcome: "permanent", "transient", or None when delivered or relayed."""
    action = (header_value(fields, "action") or "").strip().lower()
    status = (header_value(fields, "status") or "").strip()
    if action.startswith(("fail", "error")):  # OpenSMTPD writes the non-standard "error"
        # An MTA that gave up after retrying says "failed" with a 4.x.x status.
        return "transient" if status.startswith("4") else "permanent"
    if action.startswith("delay"):
        return "transient"
    if not action and status[:1] in ("4", "5"):
        return "permanent" if status.startswith("5") else "transient"
    return None


def _reported_recipient(fields: Message) -> str:
    # Original-Recipient is the address we sent to; Final-Recipient may be the address
    # after the receiving side expanded an alias.
    for name in ("original-recipient", "final-recipient"):
        value = header_value(fields, name) or ""
        address = value.split(";", 1)[-1].strip().strip("<>").strip().lower()
        if "@" in address and " " not in address:
            return address
    return ""


def _null_return_path(mail: Inspection) -> bool:
    return any(value.strip() in ("<>", "") for value in header_values(mail.msg, "return-path"))


def _bounce(reason: str, recipients: set[str], permanent: bool) -> Verdict:
    ordered = tuple(sorted(recipients))
    return Verdict(MailKind.BOUNCE, f"{reason} ({', '.join(ordered)})", ordered, permanent)


def _decode_all(addresses: frozenset[bytes]) -> set[str]:
    decoded = {address.decode("ascii", "replace").strip().lower() for address in addresses}
    return {address for address in decoded if "@" in address}


# -- auto-replies ----------------------------------------------------------------------


def auto_submitted_header(mail: Inspection) -> Verdict | None:
    """RFC 3834 Auto-Submitted with any value but "no"."""
    value = mail.header("auto-submitted").strip()
    if value and not value.startswith("no"):
        return Verdict(MailKind.AUTO_REPLY, f"Auto-Submitted: {value}")
    return None


def autoresponder_header(mail: Inspection) -> Verdict | None:
    """A header only autoresponders set (X-Autoreply, X-Autorespond, X-Autogenerated:
    Reply, a vacation program named in X-Mailer)."""
    for name in _AUTORESPONDER_HEADERS:
        if mail.has_header(name) and mail.header(name).strip() not in ("no", "false", "0"):
            return Verdict(MailKind.AUTO_REPLY, f"{name} header")
    if mail.header("x-autogenerated").strip() == "reply":
        return Verdict(MailKind.AUTO_REPLY, "X-Autogenerated: Reply")
    if _AUTORESPONDER_MAILER.search(mail.header("x-mailer")):
        return Verdict(MailKind.AUTO_REPLY, "X-Mailer names an autoresponder")
    return None


def bulk_precedence(mail: Inspection) -> Verdict | None:
    """Precedence bulk, junk or auto_reply: machine mail, not something a member wrote.
    (Precedence: list alone only says a list relayed it; it counts as a hint.)"""
    precedence = mail.header("precedence").strip()
    if precedence in ("bulk", "junk", "auto_reply", "auto-reply"):
        return Verdict(MailKind.AUTO_REPLY, f"Precedence: {precedence}")
    return None


def read_receipt(mail: Inspection) -> Verdict | None:
    """An RFC 8098 message disposition notification (a read receipt)."""
    if any(_content_type(part) == "message/disposition-notification" for part in mail.parts()):
        return Verdict(MailKind.AUTO_REPLY, "read receipt (message/disposition-notification)")
    return None


def auto_reply_subject(mail: Inspection) -> Verdict | None:
    """A subject only an autoresponder writes ("Automatic reply:", "Abwesenheitsnotiz",
    "Réponse automatique", ...) or an absence word used as a prefix ("Out of Office: Re:")."""
    if _AUTO_REPLY_SUBJECT.match(mail.subject) or _ABSENCE_PREFIX.match(mail.subject):
        return Verdict(MailKind.AUTO_REPLY, f"auto-reply subject {mail.subject[:60]!r}")
    return None


def several_auto_reply_hints(mail: Inspection) -> Verdict | None:
    """Two or more weak hints together: an absence word in the subject, an empty
    Return-Path, Precedence: list, an Exchange mailbox-rule header."""
    hints = []
    if _ABSENCE_SUBJECT.match(mail.subject):
        hints.append("absence subject")
    if _null_return_path(mail):
        hints.append("empty Return-Path")
    if mail.header("precedence").strip() == "list":
        hints.append("Precedence: list")
    if any(mail.has_header(name) for name in _EXCHANGE_RULE_HEADERS):
        hints.append("Exchange mailbox rule")
    if len(hints) >= 2:
        return Verdict(MailKind.AUTO_REPLY, "auto-reply hints: " + ", ".join(hints))
    return None


# In order of precedence: loop, then bounce, then auto-reply; the first verdict wins.
CHECKS: tuple[Check, ...] = (
    message_id_is_ours,
    list_id_is_ours,
    loop_header_names_us,
    delivery_status_report,
    known_bounce_format,
    mail_delivery_notice,
    auto_submitted_header,
    autoresponder_header,
    bulk_precedence,
    read_receipt,
    auto_reply_subject,
    several_auto_reply_hints,
)


def classify_message(msg: Message, *, our_domain: str) -> Verdict:
    """Run the checks in order and return the first verdict; a post when none objects.

    Never raises: a check that fails on a strange message is skipped and named in the
    verdict's problems.
    """
    mail = Inspection(msg, our_domain)
    problems: list[str] = []
    for check in CHECKS:
        try:
            verdict = check(mail)
        except Exception as exc:
            message_id = header_value(msg, "message-id")
            log.debug("check %s failed on %s", check.__name__, message_id, exc_info=True)
            problems.append(f"{check.__name__} failed: {type(exc).__name__}")
            continue
        if verdict is not None:
            return _with_problems(verdict, problems)
    return _with_problems(Verdict(MailKind.POST, "no sign of automatic mail"), problems)


def _with_problems(verdict: Verdict, problems: list[str]) -> Verdict:
    if not problems:
        return verdict
    return Verdict(
        verdict.kind,
        verdict.reason,
        verdict.bounced_recipients,
        verdict.bounce_permanent,
        tuple(problems),
    )


# -- message helpers -------------------------------------------------------------------


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "text/plain"


def _addresses(values: list[str]) -> list[str]:
    try:
        # The address parser is slow on long values; real address headers are short.
        pairs = getaddresses([value[:_MAX_ADDRESS_HEADER_CHARS] for value in values])
    except Exception:
        return []
    return [address.strip().lower() for _name, address in pairs if "@" in address]


def _walk_outside_attached_messages(msg: Message) -> Iterator[Message]:
    stack = [msg]
    seen = 0
    while stack and seen < _MAX_PARTS_SCANNED:
        part = stack.pop()
        seen += 1
        yield part
        if _content_type(part) in ("message/rfc822", "message/global"):
            continue
        # is_multipart() first: get_payload() on a leaf decodes it, and can raise doing so.
        if part.is_multipart():
            children = part.get_payload()
            stack.extend(reversed([child for child in children if isinstance(child, Message)]))
