"""How mail clients quote a message they reply to: templates for tests, by client family.

Each template takes the new text a person typed and the message they answer, and returns
the raw reply as that client sends it: its attribution line in the client's words and
language, its header block, its HTML markup, its mobile footer. The markup follows what
each client really writes (gmail_quote, divRplyFwdMsg, blockquote type=cite, ...).
"""

from __future__ import annotations

import html as html_lib
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid


@dataclass(frozen=True)
class Original:
    """The message being answered, as the replier's client saw it."""

    name: str
    address: str
    text: str  # its plain text
    subject: str = "Goals for March"
    html: str | None = None  # its HTML, when it had one


@dataclass(frozen=True)
class Written:
    """What the person wrote: paragraphs of lines, exactly as they typed them."""

    paragraphs: tuple[tuple[str, ...], ...]
    name: str = "Bart Example"
    address: str = "bart@example.org"

    @property
    def plain(self) -> str:
        return "\n\n".join("\n".join(lines) for lines in self.paragraphs)


# Attribution lines by client and language: {name} and {addr} are the quoted sender.
GMAIL = {
    "en": "On Tue, Mar 3, 2026 at 9:12 AM {name} <{addr}> wrote:",
    "de": "Am Di., 3. März 2026 um 09:12 Uhr schrieb {name} <{addr}>:",
    "fr": "Le mar. 3 mars 2026 à 09:12, {name} <{addr}> a écrit :",
    "es": "El mar, 3 mar 2026 a las 9:12, {name} (<{addr}>) escribió:",
    "it": "Il giorno mar 3 mar 2026 alle ore 09:12 {name} <{addr}> ha scritto:",
    "pt": "Em ter., 3 de mar. de 2026 às 09:12, {name} <{addr}> escreveu:",
    "nl": "Op di 3 mrt 2026 om 09:12 schreef {name} <{addr}>:",
    "sv": "Den tis 3 mars 2026 kl 09:12 skrev {name} <{addr}>:",
    "nb": "tir. 3. mar. 2026 kl. 09:12 skrev {name} <{addr}>:",
    "da": "Den tir. 3. mar. 2026 kl. 09.12 skrev {name} <{addr}>:",
    "fi": "ti 3.3.2026 klo 9.12 {name} ({addr}) kirjoitti:",
    "pl": "wt., 3 mar 2026 o 09:12 {name} <{addr}> napisał(a):",
    "cs": "út 3. 3. 2026 v 9:12 odesílatel {name} <{addr}> napsal:",
    "hu": "{name} <{addr}> ezt írta (időpont: 2026. márc. 3., K, 9:12):",
    "ru": "вт, 3 мар. 2026 г. в 09:12, {name} <{addr}>:",
    "uk": "вт, 3 бер. 2026 р. о 09:12 {name} <{addr}> пише:",
    "tr": "{name} <{addr}>, 3 Mar 2026 Sal, 09:12 tarihinde şunu yazdı:",
    "el": "Στις Τρί 3 Μαρ 2026 στις 9:12 π.μ., ο/η {name} <{addr}> έγραψε:",
    "ro": "{name} <{addr}> a scris în mar., 3 mar. 2026 la 09:12:",
    "zh": "{name} <{addr}> 于2026年3月3日周二 09:12写道：",
    "ja": "2026年3月3日(火) 9:12 {name} <{addr}>:",
    "ko": "2026년 3월 3일 (화) 오전 9:12, {name} <{addr}>님이 작성:",
    "he": "בתאריך יום ג׳, 3 במרץ 2026 ב-9:12 מאת {name} <{addr}>:",
    "vi": "Vào Th 3, 3 thg 3, 2026 vào lúc 09:12 {name} <{addr}> đã viết:",
    "id": "Pada tanggal Sel, 3 Mar 2026 pukul 09.12 {name} <{addr}> menulis:",
    "hr": "uto, 3. ožu 2026. u 09:12 {name} <{addr}> napisao je:",
    "ca": "El dt., 3 de març 2026, a les 9:12, {name} (<{addr}>) va escriure:",
}
APPLE = {
    "en": "On 3 Mar 2026, at 09:12, {name} <{addr}> wrote:",
    "de": "Am 03.03.2026 um 09:12 schrieb {name} <{addr}>:",
    "fr": "Le 3 mars 2026 à 09:12, {name} <{addr}> a écrit :",
    "es": "El 3 mar 2026, a las 9:12, {name} <{addr}> escribió:",
    "it": "Il giorno 3 mar 2026, alle ore 09:12, {name} <{addr}> ha scritto:",
    "nl": "Op 3 mrt. 2026 om 09:12 heeft {name} <{addr}> het volgende geschreven:",
    "sv": "3 mars 2026 kl. 09:12 skrev {name} <{addr}>:",
    "pt": "Em 3 de mar. de 2026, à(s) 09:12, {name} <{addr}> escreveu:",
    "ru": "3 марта 2026 г., в 9:12, {name} <{addr}> написал(а):",
    "pl": "Wiadomość napisana przez {name} <{addr}> w dniu 03.03.2026, o godz. 09:12:",
    "ja": "2026/03/03 9:12、{name} <{addr}>のメール:",
    "zh": "在 2026年3月3日，09:12，{name} <{addr}> 写道：",
    "fi": "{name} <{addr}> kirjoitti 3.3.2026 kello 9.12:",
}
THUNDERBIRD = {
    "en": "On 3/3/26 09:12, {name} wrote:",
    "de": "Am 03.03.26 um 09:12 schrieb {name}:",
    "fr": "Le 03/03/2026 à 09:12, {name} a écrit :",
    "es": "El 3/3/26 a las 9:12, {name} escribió:",
    "pl": "W dniu 3.03.2026 o 09:12, {name} pisze:",
    "ru": "03.03.2026 9:12, {name} пишет:",
    "nl": "Op 03-03-2026 om 09:12 schreef {name}:",
    "it": "Il 03/03/26 09:12, {name} ha scritto:",
}
# Outlook's header block labels: From, Sent, To, Subject, and the date as it writes it.
OUTLOOK = {
    "en": ("From", "Sent", "To", "Subject", "Tuesday, March 3, 2026 9:12 AM"),
    "de": ("Von", "Gesendet", "An", "Betreff", "Dienstag, 3. März 2026 09:12"),
    "fr": ("De", "Envoyé", "À", "Objet", "mardi 3 mars 2026 09:12"),
    "es": ("De", "Enviado", "Para", "Asunto", "martes, 3 de marzo de 2026 9:12"),
    "it": ("Da", "Inviato", "A", "Oggetto", "martedì 3 marzo 2026 09:12"),
    "pt": ("De", "Enviado", "Para", "Assunto", "terça-feira, 3 de março de 2026 09:12"),
    "nl": ("Van", "Verzonden", "Aan", "Onderwerp", "dinsdag 3 maart 2026 09:12"),
    "sv": ("Från", "Skickat", "Till", "Ämne", "den 3 mars 2026 09:12"),
    "nb": ("Fra", "Sendt", "Til", "Emne", "tirsdag 3. mars 2026 09:12"),
    "da": ("Fra", "Sendt", "Til", "Emne", "3. marts 2026 09:12"),
    "fi": ("Lähettäjä", "Lähetetty", "Vastaanottaja", "Aihe", "tiistai 3. maaliskuuta 2026 9.12"),
    "pl": ("Od", "Wysłano", "Do", "Temat", "wtorek, 3 marca 2026 09:12"),
    "cs": ("Od", "Odesláno", "Komu", "Předmět", "úterý 3. března 2026 9:12"),
    "hu": ("Feladó", "Elküldve", "Címzett", "Tárgy", "2026. március 3., kedd 9:12"),
    "ru": ("От", "Отправлено", "Кому", "Тема", "3 марта 2026 г. 9:12"),
    "uk": ("Від", "Надіслано", "Кому", "Тема", "3 березня 2026 р. 9:12"),
    "tr": ("Kimden", "Gönderildi", "Kime", "Konu", "3 Mart 2026 Salı 09:12"),
    "el": ("Από", "Στάλθηκε", "Προς", "Θέμα", "Τρίτη, 3 Μαρτίου 2026 9:12 πμ"),
    "ro": ("De la", "Trimis", "Către", "Subiect", "marți, 3 martie 2026 09:12"),
    "zh": ("发件人", "发送时间", "收件人", "主题", "2026年3月3日 9:12"),
    "ja": ("差出人", "送信日時", "宛先", "件名", "2026年3月3日 9:12"),
    "ko": ("보낸 사람", "보낸 날짜", "받는 사람", "제목", "2026년 3월 3일 화요일 오전 9:12"),
    "he": ("מאת", "נשלח", "אל", "נושא", "יום שלישי 3 מרץ 2026 09:12"),
    "hr": ("Šalje", "Poslano", "Prima", "Predmet", "utorak, 3. ožujka 2026. 9:12"),
    "id": ("Dari", "Dikirim", "Kepada", "Perihal", "Selasa, 03 Maret 2026 09.12"),
}


def _escape(text: str) -> str:
    return html_lib.escape(text, quote=False)


def _message(
    written: Written,
    original: Original,
    plain: str | None,
    html: str | None,
    *,
    to: str = "circle@kith.example",
    headers: dict[str, str] | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"{written.name} <{written.address}>"
    msg["To"] = to
    msg["Subject"] = f"Re: {original.subject}"
    msg["Date"] = "Tue, 03 Mar 2026 10:02:00 +0100"
    msg["Message-ID"] = make_msgid(domain=written.address.split("@")[1])
    for name, value in (headers or {}).items():
        msg[name] = value
    if plain is not None:
        msg.set_content(plain, cte="quoted-printable")
        if html is not None:
            msg.add_alternative(html, subtype="html", cte="quoted-printable")
    else:
        msg.set_content(html or "", subtype="html", cte="quoted-printable")
    return msg.as_bytes(policy=SMTP)


def _quoted_lines(text: str, marker: str = "> ") -> str:
    return "\n".join(
        f"{marker}{line}".rstrip() if line else marker.rstrip() for line in text.split("\n")
    )


def _html_of(original: Original) -> str:
    if original.html:
        # A client quotes the body of the message, not its <head> and <style>.
        body = re.search(r"(?is)<body[^>]*>(.*)</body>", original.html)
        return body.group(1) if body else original.html
    paragraphs = original.text.strip("\n").split("\n\n")
    return "".join(
        "<div>" + "<br>".join(_escape(line) for line in p.split("\n")) + "</div><div><br></div>"
        for p in paragraphs
    )


def _divs(written: Written, tag: str = "div", attrs: str = "") -> str:
    """The new text as a client's editor writes it: one element per line, an empty one
    (holding a <br>) between paragraphs."""
    out = []
    for number, lines in enumerate(written.paragraphs):
        if number:
            out.append(f"<{tag}{attrs}><br></{tag}>")
        out.extend(f"<{tag}{attrs}>{_escape(line)}</{tag}>" for line in lines)
    return "".join(out)


def _wrap(text: str, width: int = 76) -> str:
    return "\n".join(
        "\n".join(textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False))
        if len(line) > width
        else line
        for line in text.split("\n")
    )


def readdress(raw: bytes, to: str, **headers: str) -> bytes:
    """The reply sent to `to`, with In-Reply-To, References and such headers added."""
    msg = message_from_bytes(raw, policy=SMTP)
    del msg["To"]
    msg["To"] = to
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    return msg.as_bytes(policy=SMTP)


def original_of(msg: EmailMessage) -> Original:
    """A message Kith sent, as the replier's client has it."""
    sender = msg["From"].addresses[0]
    plain = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    return Original(
        name=sender.display_name,
        address=sender.addr_spec,
        text=plain.get_content().strip("\n") if plain else "",
        subject=str(msg["Subject"]),
        html=html.get_content() if html else None,
    )


# -- the clients -------------------------------------------------------------------------------


def gmail(written: Written, original: Original, lang: str = "en") -> tuple[bytes, str]:
    attribution = GMAIL[lang].format(name=original.name, addr=original.address)
    new = _wrap(written.plain)
    plain = f"{new}\n\n{_wrap(attribution)}\n\n{_quoted_lines(original.text)}\n"
    html = (
        f'<div dir="ltr">{_divs(written)}</div><br>'
        '<div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">'
        f"{_escape(attribution)}<br></div>"
        '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid '
        f'rgb(204,204,204);padding-left:1ex">{_html_of(original)}</blockquote></div>'
    )
    return _message(written, original, plain, html), new


def outlook_desktop(written: Written, original: Original, lang: str = "en") -> tuple[bytes, str]:
    frm, sent, to, subject, when = OUTLOOK[lang]
    block = (
        f"{frm}: {original.name} <{original.address}>\n{sent}: {when}\n"
        f"{to}: {written.name} <{written.address}>\n{subject}: {original.subject}"
    )
    plain = f"{written.plain}\n\n{block}\n\n{original.text}\n"
    paragraphs = "".join(
        f"<p class=MsoNormal>{_escape(line) or '<o:p>&nbsp;</o:p>'}<o:p></o:p></p>"
        for line in written.plain.split("\n")
    )
    header_html = "<br>".join(
        f"<b>{_escape(line.split(':', 1)[0])}:</b>{_escape(line.split(':', 1)[1])}"
        for line in block.split("\n")
    )
    html = (
        '<html><head><meta name=Generator content="Microsoft Word 15 (filtered medium)">'
        "<style><!-- p.MsoNormal, li.MsoNormal, div.MsoNormal {margin:0cm; font-size:11.0pt;} "
        "--></style>"
        f"</head><body lang=EN-GB><div class=WordSection1>{paragraphs}"
        "<p class=MsoNormal><o:p>&nbsp;</o:p></p>"
        "<div><div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'>"
        f"<p class=MsoNormal>{header_html}<o:p></o:p></p></div></div>"
        "<p class=MsoNormal><o:p>&nbsp;</o:p></p>"
        + "".join(
            f"<p class=MsoNormal>{_escape(line)}<o:p></o:p></p>"
            for line in original.text.split("\n")
        )
        + "</div></body></html>"
    )
    return _message(written, original, plain, html), written.plain


def outlook_web(
    written: Written, original: Original, lang: str = "en", *, html_only: bool = False
) -> tuple[bytes, str]:
    frm, sent, to, subject, when = OUTLOOK[lang]
    block = (
        f"{frm}: {original.name} <{original.address}>\n{sent}: {when}\n"
        f"{to}: {written.name} <{written.address}>\n{subject}: {original.subject}"
    )
    plain = f"{written.plain}\n________________________________\n{block}\n\n{original.text}\n"
    header_html = "<br>".join(
        f"<b>{_escape(line.split(':', 1)[0])}:</b>{_escape(line.split(':', 1)[1])}"
        for line in block.split("\n")
    )
    html = (
        '<html><head><style type="text/css" style="display:none;"> P {margin-top:0;'
        'margin-bottom:0;} </style></head><body dir="ltr">'
        + _divs(
            written, attrs=' class="elementToProof" style="font-family: Aptos; font-size: 12pt;"'
        )
        + '<div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1">'
        '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" '
        f'color="#000000">{header_html}</font><div>&nbsp;</div></div>'
        f"<div>{_html_of(original)}</div></body></html>"
    )
    return _message(written, original, None if html_only else plain, html), written.plain


def outlook_mobile(written: Written, original: Original, lang: str = "en") -> tuple[bytes, str]:
    frm, sent, to, subject, when = OUTLOOK[lang]
    block = (
        f"{frm}: {original.name} <{original.address}>\n{sent}: {when}\n"
        f"{to}: {written.name} <{written.address}>\n{subject}: {original.subject}"
    )
    plain = (
        f"{written.plain}\n\nGet Outlook for iOS<https://aka.ms/o0ukef>\n"
        f"________________________________\n{block}\n\n{original.text}\n"
    )
    html = (
        '<html><head></head><body><div dir="auto">'
        + _divs(written, attrs=' dir="auto"')
        + '</div><div id="ms-outlook-mobile-signature" dir="auto"><div dir="auto"><br></div>Get '
        '<a href="https://aka.ms/o0ukef">Outlook for iOS</a></div>'
        '<div id="ms-outlook-mobile-body-separator-line" dir="auto"><hr '
        'style="display:inline-block;'
        'width:98%" tabindex="-1"></div><div id="mail-editor-reference-message-container" '
        'dir="auto">'
        f'<div dir="ltr"><b>{_escape(frm)}:</b> {_escape(original.name)} &lt;{original.address}&gt;'
        f"<br><b>{_escape(sent)}:</b> {_escape(when)}<br><b>{_escape(to)}:</b> "
        f"{_escape(written.name)}<br><b>{_escape(subject)}:</b> {_escape(original.subject)}</div>"
        f"<div>&nbsp;</div>{_html_of(original)}</div></body></html>"
    )
    return _message(written, original, plain, html), written.plain


def apple_mail(written: Written, original: Original, lang: str = "en") -> tuple[bytes, str]:
    attribution = APPLE[lang].format(name=original.name, addr=original.address)
    plain = f"{written.plain}\n\n{attribution}\n\n{_quoted_lines(original.text)}\n"
    html = (
        '<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head>'
        '<body style="overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: '
        'after-white-space;">' + _divs(written) + '<div><br><blockquote type="cite"><div>'
        f'{_escape(attribution)}</div><br class="Apple-interchange-newline">'
        f"{_html_of(original)}</blockquote></div><br></body></html>"
    )
    return _message(written, original, plain, html), written.plain


def ios_mail(written: Written, original: Original, lang: str = "en") -> tuple[bytes, str]:
    attribution = APPLE[lang].format(name=original.name, addr=original.address)
    footer = {
        "en": "Sent from my iPhone",
        "de": "Von meinem iPhone gesendet",
        "fr": "Envoyé de mon iPhone",
        "es": "Enviado desde mi iPhone",
    }.get(lang, "Sent from my iPhone")
    plain = f"{written.plain}\n\n{footer}\n\n> {attribution}\n> \n{_quoted_lines(original.text)}\n"
    html = (
        '<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head>'
        '<body dir="auto">'
        + _divs(written, attrs=' dir="ltr"')
        + '<div dir="ltr"><br></div><div dir="ltr"><div id="AppleMailSignature" dir="ltr">'
        f'{_escape(footer)}</div><div dir="ltr"><br><blockquote type="cite">'
        f"{_escape(attribution)}<br><br></blockquote></div>"
        f'<blockquote type="cite"><div dir="ltr">{_html_of(original)}</div></blockquote>'
        "</div></body></html>"
    )
    return _message(written, original, plain, html), written.plain


def thunderbird(
    written: Written, original: Original, lang: str = "en", *, bottom: bool = False
) -> tuple[bytes, str]:
    attribution = THUNDERBIRD[lang].format(name=original.name)
    quote = _quoted_lines(original.text)
    if bottom:
        plain = f"{attribution}\n{quote}\n\n{written.plain}\n"
    else:
        plain = f"{written.plain}\n\n{attribution}\n{quote}\n"
    cite = (
        f'<div class="moz-cite-prefix">{_escape(attribution)}<br></div>'
        f'<blockquote type="cite" cite="mid:abc@example.com">{_html_of(original)}</blockquote>'
    )
    body = "".join(f"<p>{'<br>'.join(_escape(x) for x in p)}</p>" for p in written.paragraphs)
    html = (
        '<!DOCTYPE html><html><head><meta http-equiv="content-type" content="text/html; '
        f'charset=UTF-8"></head><body>{cite + body if bottom else body + cite}</body></html>'
    )
    return _message(written, original, plain, html), written.plain


def yahoo(written: Written, original: Original, lang: str = "en") -> tuple[bytes, str]:
    attribution = {
        "en": "On Tuesday, March 3, 2026 at 09:12:01 AM GMT+1, {name} <{addr}> wrote:",
        "de": "Am Dienstag, 3. März 2026 um 09:12:01 MEZ hat {name} <{addr}> Folgendes "
        "geschrieben:",
        "fr": "Le mardi 3 mars 2026 à 09:12:01 UTC+1, {name} <{addr}> a écrit :",
        "es": "El martes, 3 de marzo de 2026, 09:12:01 CET, {name} <{addr}> escribió:",
    }[lang].format(name=original.name, addr=original.address)
    plain = f"{written.plain}\n\n    {attribution}  \n \n \n{original.text}\n"
    html = (
        '<html><head></head><body><div class="ydp3f2a1b9cyahoo-style-wrap" style="font-family:'
        'Helvetica Neue, Helvetica, Arial, sans-serif;font-size:13px;">'
        + _divs(written, attrs=' dir="ltr" data-setdir="false"')
        + '</div><div id="ydp8c1d2e3fyahoo_quoted_1234567890" class="ydp8c1d2e3fyahoo_quoted">'
        "<div style=\"font-family:'Helvetica Neue', Helvetica, Arial, "
        'sans-serif;font-size:13px;">'
        f"<div>{_escape(attribution)}</div><div><br></div><div><br></div>"
        f'<div><div id="ydp1yiv1234567">{_html_of(original)}</div></div></div></div></body></html>'
    )
    return _message(written, original, plain, html), written.plain


def proton(written: Written, original: Original, lang: str = "en") -> tuple[bytes, str]:
    attribution = (
        f"On Tuesday, March 3rd, 2026 at 09:12, {original.name} <{original.address}> wrote:"
    )
    plain = (
        f"{written.plain}\n\nSent with Proton Mail secure email.\n\n{attribution}\n\n"
        f"{_quoted_lines(original.text)}\n"
    )
    html = (
        _divs(written, attrs=' style="font-family: Arial, sans-serif; font-size: 14px;"')
        + '<div style="font-family: Arial, sans-serif; font-size: 14px;"><br></div>'
        '<div class="protonmail_signature_block" style="font-family: Arial, sans-serif; font-size: '
        '14px;"><div class="protonmail_signature_block-user '
        'protonmail_signature_block-empty"></div>'
        '<div class="protonmail_signature_block-proton">Sent with <a target="_blank" '
        'href="https://proton.me/mail/home">Proton Mail</a> secure email.</div></div>'
        '<div style="font-family: Arial, sans-serif; font-size: 14px;"><br></div>'
        f'<div class="protonmail_quote">{_escape(attribution)}<br><blockquote '
        f'class="protonmail_quote" type="cite">{_html_of(original)}</blockquote><br></div>'
    )
    return _message(written, original, plain, html), written.plain


def zoho(written: Written, original: Original, lang: str = "en") -> tuple[bytes, str]:
    line = f"---- On Tue, 03 Mar 2026 09:12:00 +0100 {original.name} <{original.address}> wrote ---"
    plain = f"{written.plain}\n\n\n\n{line}\n\n{_quoted_lines(original.text)}\n\n\n"
    html = (
        '<!DOCTYPE html><html><head><meta content="text/html;charset=UTF-8" '
        'http-equiv="Content-Type">'
        '</head><body><div style="font-family: Verdana, Arial, Helvetica, sans-serif; font-size: '
        '10pt;">'
        + _divs(written)
        + '<div class="zmail_extra_hr" style="border-top: 1px solid rgb(204, 204, 204); height: '
        "0px; "
        'margin-top: 10px; margin-bottom: 10px; line-height: 0px;"><br></div>'
        '<div class="zmail_extra" data-zbluepencil-ignore="true"><div><br></div>'
        '<div id="Zm-_Id_-Sgn1">---- On Tue, 03 Mar 2026 09:12:00 +0100 '
        f"<b>{_escape(original.name)} "
        f'&lt;<a href="mailto:{original.address}" target="_blank">{original.address}</a>&gt;</b> '
        'wrote ---<br></div><div><br></div><blockquote style="margin: 0px;">'
        f"{_html_of(original)}</blockquote></div><div><br></div></div><br></body></html>"
    )
    return _message(written, original, plain, html), written.plain


def gmx(written: Written, original: Original, lang: str = "de") -> tuple[bytes, str]:
    labels = {
        "de": ("Gesendet", "Von", "An", "Betreff", "Dienstag, 03. März 2026 um 09:12 Uhr"),
        "en": ("Sent", "From", "To", "Subject", "Tuesday, March 03, 2026 at 9:12 AM"),
    }[lang]
    sent, frm, to, subject, when = labels
    html = (
        '<html><head></head><body><div style="font-family: Verdana;font-size: 12.0px;">'
        + _divs(written)
        + '<div>&nbsp;</div><div>&nbsp;<div name="quote" style="margin: 10.0px 5.0px 5.0px '
        '10.0px;padding: 10.0px 0 10.0px 10.0px;border-left: 2.0px solid rgb(195,217,229);">'
        f'<div style="margin: 0 0 10.0px 0;"><b>{sent}:</b>&nbsp;{when}<br><b>{frm}:</b>&nbsp;'
        f'"{_escape(original.name)}" &lt;{original.address}&gt;<br><b>{to}:</b>&nbsp;'
        f"{written.address}<br><b>{subject}:</b>&nbsp;{_escape(original.subject)}</div>"
        f'<div name="quoted-content">{_html_of(original)}</div></div></div></div></body></html>'
    )
    return _message(written, original, None, html), written.plain


def zimbra(written: Written, original: Original, lang: str = "en") -> tuple[bytes, str]:
    html = (
        '<html><body><div style="font-family: arial, helvetica, sans-serif; font-size: 12pt; '
        "color: "
        '#000000">'
        + _divs(written)
        + '<div><br></div><hr id="zwchr" data-marker="__DIVIDER__"><div data-marker="__HEADERS__">'
        f'<b>From: </b>"{_escape(original.name)}" &lt;{original.address}&gt;<br><b>To: </b>'
        f"{written.address}<br><b>Sent: </b>Tuesday, March 3, 2026 9:12:00 AM<br><b>Subject: </b>"
        f'{_escape(original.subject)}<br></div><br><div data-marker="__QUOTED_TEXT__">'
        f"{_html_of(original)}</div></div></body></html>"
    )
    return _message(written, original, None, html), written.plain


def fastmail(written: Written, original: Original, lang: str = "en") -> tuple[bytes, str]:
    attribution = f"On Tue, 3 Mar 2026, at 09:12, {original.name} wrote:"
    plain = f"{written.plain}\n\n{attribution}\n{_quoted_lines(original.text)}\n"
    html = (
        '<!DOCTYPE html><html><head><title></title><style type="text/css">p.MsoNormal,'
        "p.MsoNoSpacing{margin:0}</style></head><body>"
        + _divs(written)
        + f"<div><br></div><div>{_escape(attribution)}</div>"
        f'<blockquote type="cite" id="qt" style="">{_html_of(original)}</blockquote>'
        "<div><br></div></body></html>"
    )
    return _message(written, original, plain, html), written.plain


def samsung(written: Written, original: Original, lang: str = "en") -> tuple[bytes, str]:
    banner, frm, date, to, subject, footer = {
        "en": ("Original message", "From", "Date", "To", "Subject", "Sent from my Galaxy"),
        "de": (
            "Originalnachricht",
            "Von",
            "Datum",
            "An",
            "Betreff",
            "Von meinem Samsung Galaxy Smartphone gesendet.",
        ),
        "fr": (
            "Message d'origine",
            "De",
            "Date",
            "À",
            "Objet",
            "Envoyé depuis mon smartphone Samsung Galaxy.",
        ),
        "es": (
            "Mensaje original",
            "De",
            "Fecha",
            "Para",
            "Asunto",
            "Enviado desde mi smartphone Samsung Galaxy.",
        ),
    }[lang]
    plain = (
        f"{written.plain}\n\n\n\n{footer}\n\n\n-------- {banner} --------\n"
        f"{frm}: {original.name} <{original.address}> \n{date}: 03/03/2026  09:12  (GMT+01:00) \n"
        f"{to}: {written.address} \n{subject}: {original.subject} \n\n{original.text}\n"
    )
    return _message(written, original, plain, None), written.plain


def mutt(written: Written, original: Original, lang: str = "en") -> tuple[bytes, str]:
    plain = (
        f"* {original.name} <{original.address}> [2026-03-03 09:12 +0100]:\n"
        f"{_quoted_lines(original.text)}\n\n{written.plain}\n\n-- \n{written.name}\n"
    )
    return _message(written, original, plain, None), written.plain


CLIENTS: dict[str, Callable[..., tuple[bytes, str]]] = {
    "gmail": gmail,
    "outlook_desktop": outlook_desktop,
    "outlook_web": outlook_web,
    "outlook_mobile": outlook_mobile,
    "apple_mail": apple_mail,
    "ios_mail": ios_mail,
    "thunderbird": thunderbird,
    "yahoo": yahoo,
    "proton": proton,
    "zoho": zoho,
    "gmx": gmx,
    "zimbra": zimbra,
    "fastmail": fastmail,
    "samsung": samsung,
    "mutt": mutt,
}
# The languages each client's template knows.
LANGUAGES_OF = {
    "gmail": sorted(GMAIL),
    "outlook_desktop": sorted(OUTLOOK),
    "outlook_web": sorted(OUTLOOK),
    "outlook_mobile": sorted(OUTLOOK),
    "apple_mail": sorted(APPLE),
    "ios_mail": sorted(APPLE),
    "thunderbird": sorted(THUNDERBIRD),
    "yahoo": ["de", "en", "es", "fr"],
    "proton": ["en"],
    "zoho": ["en"],
    "gmx": ["de", "en"],
    "zimbra": ["en"],
    "fastmail": ["en"],
    "samsung": ["de", "en", "es", "fr"],
    "mutt": ["en"],
}
